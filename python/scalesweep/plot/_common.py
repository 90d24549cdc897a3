"""What every plot kind shares: variable checks, heatmap cells centred on grid values, titles,
grid lookups, which cells hold an optimum."""
from __future__ import annotations

import sys

import numpy as np

from ..results import ResultError
from ..schema import ATTRIBUTES, BUDGET, BUDGET_CURVE, COST, DIM_HARDWARE, DIM_LOSS_TARGET, DIM_T
from ..schema import LOSS, LOSS_TARGET, OPTIMUM_CODES


class PlotError(ResultError):
    """A file that cannot make the requested plot (the message names what is missing)."""


# What a config needs to write each variable a kind may ask for.
_HINTS = {
    LOSS_TARGET["cost"]: "a config with a loss_target axis",
    LOSS_TARGET["N"]: "a config with a loss_target axis",
    BUDGET_CURVE["loss"]: "a config with N, T and budget axes",
    BUDGET["N"]: "a config with a budget axis",
    COST: "a config with N, D and T axes and 'cost' in output.dense",
    LOSS: "a config with N and D axes and 'loss' in output.dense",
}


def require(ds, kind: str, *names: str) -> None:
    """Raises PlotError naming the first of `names` that the file lacks."""
    for name in names:
        if name not in ds.variables:
            hint = _HINTS.get(name, "another config")
            raise PlotError(f"kind '{kind}' needs the variable '{name}', which this file lacks "
                            f"(run {hint})")


def pyplot():
    # The backend is the caller's choice (a notebook's inline or widget backend); the command
    # line picks Agg, since it only writes files.
    import matplotlib.pyplot as plt
    return plt


def edges(values, log: bool) -> np.ndarray:
    """Cell edges around grid values: midpoints (in log10 on log axes), so each cell is centred
    on its value as the axis draws it; the outer edges mirror the nearest midpoint."""
    v = np.asarray(values, dtype=float)
    x = np.log10(v) if log else v
    if x.size == 1:
        e = np.array([x[0] - 0.5, x[0] + 0.5])
    else:
        mid = (x[1:] + x[:-1]) / 2
        e = np.concatenate([[2 * x[0] - mid[0]], mid, [2 * x[-1] - mid[-1]]])
    return 10 ** e if log else e


def mesh(ax, x, y, c, x_log: bool, y_log: bool, **kw):
    """pcolormesh of c[y, x] with each cell centred on its (x, y) grid value; the axes span the
    cells exactly (set now: labels placed in axes coordinates need the final limits)."""
    ex, ey = edges(x, x_log), edges(y, y_log)
    m = ax.pcolormesh(ex, ey, c, shading="flat", **kw)
    ax.set_xlim(ex[0], ex[-1])
    ax.set_ylim(ey[0], ey[-1])
    return m


def title(ds, what: str, scenario: str | None = None) -> str:
    """The figure's title: what it shows, then the law, the objective and, under a cost objective
    with hardware scenarios, the scenario drawn (or what `scenario` says, e.g. "7 scenarios")."""
    law = ds.attrs.get(ATTRIBUTES["law_preset"], "?")
    objective = ds.attrs.get(ATTRIBUTES["objective"], "?")
    where = f", scenario {scenario}" if scenario is not None and objective != "flops" else ""
    return f"{what}\nlaw {law}, objective {objective}{where}"


def power_label(x: float) -> str:
    """A number as matplotlib mathtext in powers of ten: 1e9 is 10⁹, 2.5e12 is 2.5×10¹², 0 is 0."""
    if x == 0:
        return "0"
    exponent = int(np.floor(np.log10(abs(x))))
    mantissa = x / 10.0 ** exponent
    if np.isclose(mantissa, 1.0, rtol=1e-9):
        return f"$10^{{{exponent}}}$"
    return f"${mantissa:.3g}\\times10^{{{exponent}}}$"


def round_levels(values, candidates=None, count: int = 6) -> list[float]:
    """Round contour levels strictly inside the finite range of `values`: the `candidates` that
    fall there, or about `count` steps of 1, 2, 2.5 or 5 times a power of ten."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return []
    lo, hi = float(finite.min()), float(finite.max())
    if candidates is None:
        from matplotlib.ticker import MaxNLocator
        candidates = MaxNLocator(nbins=count, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)
    return [float(v) for v in candidates if lo < v < hi]


def label_contours_inside(ax, contours, fmt, margin: float = 0.08) -> None:
    """Labels each contour line at its point nearest the centre of the axes, at least `margin`
    (a fraction of the axes) inside every edge, so no label is clipped; lines that never come
    that far inside stay unlabelled."""
    to_axes = ax.transData + ax.transAxes.inverted()
    positions, levels = [], []
    for level, segments in zip(contours.levels, contours.allsegs):
        best = None
        for seg in segments:
            if len(seg) == 0:
                continue
            xy = to_axes.transform(seg)
            inside = np.all((xy > margin) & (xy < 1 - margin), axis=1)
            if not inside.any():
                continue
            distance = np.where(inside, np.hypot(xy[:, 0] - 0.5, xy[:, 1] - 0.5), np.inf)
            i = int(np.argmin(distance))
            if best is None or distance[i] < best[0]:
                best = (distance[i], tuple(seg[i]))
        if best is not None:
            positions.append(best[1])
            levels.append(level)
    if positions:
        ax.clabel(contours, levels=levels, manual=positions, fmt=fmt, fontsize=8, inline=True)


# Chinchilla-optimal models whose loss the paper's figures mark (Sardana et al. 2024, Fig. 1 and
# section 2: 7B, 13B, 30B and 70B quality).
QUALITY_MARKS = (7e9, 13e9, 30e9, 70e9)


def quality_losses(loss_targets, chinchilla_N) -> list[tuple[float, float]]:
    """(parameters, loss) of each QUALITY_MARKS model within the grid: the loss target whose
    Chinchilla (T = 0) optimum has that many parameters, interpolated in log N between the file's
    loss targets (chinchilla_N falls as the loss target rises)."""
    l = np.asarray(loss_targets, dtype=float)
    n = np.asarray(chinchilla_N, dtype=float)
    keep = np.isfinite(n) & (n > 0)
    l, n = l[keep], n[keep]
    if n.size < 2:
        return []
    order = np.argsort(n)
    logn = np.log(n[order])
    return [(N0, float(np.interp(np.log(N0), logn, l[order]))) for N0 in QUALITY_MARKS
            if logn[0] <= np.log(N0) <= logn[-1]]


def mark_qualities(ax, marks) -> None:
    """Dashed lines across the axes at the losses of the marked models, named at the left: white
    with a dark edge, and white on a dark box, so they read on light and dark colours alike."""
    from matplotlib import patheffects
    edge = [patheffects.withStroke(linewidth=2, foreground="black", alpha=0.6)]
    for N0, loss in marks:
        ax.axhline(loss, color="white", lw=0.9, ls="--", path_effects=edge)
        ax.annotate(f"{N0 / 1e9:.0f}B quality", (0.01, loss), xycoords=("axes fraction", "data"),
                    xytext=(2, 3), textcoords="offset points", color="white", fontsize=8,
                    va="bottom", bbox=dict(facecolor="black", alpha=0.45, lw=0, pad=1.5))


# Scenario colours: the same name gets the same colour in every file and figure.
_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
            "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#ad494a", "#637939", "#7b4173")


def scenario_colors(names) -> dict[str, str]:
    """A colour per scenario name, chosen by a hash of the name (crc32), so it does not depend on
    the order or the company of the scenarios in a file; two names of one file that hash alike
    take the next free colour, in sorted order."""
    import zlib
    taken: dict[str, str] = {}
    for name in sorted(names):
        i = zlib.crc32(name.encode()) % len(_PALETTE)
        for step in range(len(_PALETTE)):
            color = _PALETTE[(i + step) % len(_PALETTE)]
            if color not in taken.values() or step == len(_PALETTE) - 1:
                break
        taken[name] = color
    return taken


def hardware_names(ds) -> list[str]:
    return [str(n) for n in ds[DIM_HARDWARE].values]


def hardware_index(ds, hardware: str | None) -> tuple[int, str]:
    """The index and name of a hardware scenario (default: the first)."""
    names = hardware_names(ds)
    if hardware is None:
        return 0, names[0]
    if hardware in names:
        return names.index(hardware), hardware
    raise PlotError(f"no hardware scenario '{hardware}' in this file; it has: {', '.join(names)}")


def nearest(ds, axis: str, value: float | None, default) -> float:
    """The grid value of `axis` nearest to `value` (in log10), saying so when it is not exact;
    default(values) when no value is given."""
    values = ds[axis].values
    if value is None:
        return default(values)
    chosen = values[int(np.argmin(np.abs(np.log10(values + 1e-300) - np.log10(value + 1e-300))))]
    if not np.isclose(chosen, value, rtol=1e-9, atol=0):
        print(f"note: {axis} = {value:g} is not on the grid; using the nearest, {chosen:.6g}",
              file=sys.stderr)
    return chosen


def has_optimum(status) -> np.ndarray:
    """Where the cells hold an optimum (status ok or constrained: the schema's has_optimum, the
    rule of include/scalesweep/math/status.hpp; a regret or robust cell is constrained where a
    model sits on the bound): a boolean array. Cells of any other status are left blank."""
    return np.isin(status, OPTIMUM_CODES)


def with_optimum(status, *arrays) -> list[np.ndarray]:
    """The arrays with NaN wherever the cell has no optimum (status neither ok nor constrained)."""
    keep = has_optimum(status)
    return [np.where(keep, a, np.nan) for a in arrays]


def loss_T_grid(ds, hardware: str | None):
    """(hardware index, its name, T > 0, the mask of those T, loss targets) of a loss-target
    result: the grid the (loss target, T) heatmaps draw."""
    h, name = hardware_index(ds, hardware)
    T = ds[DIM_T].values
    keep = T > 0  # log axis: T = 0 (training only) has no place on it
    if keep.sum() < 2:
        raise PlotError("this file's T axis has fewer than two values above 0: nothing to draw")
    return h, name, T[keep], keep, ds[DIM_LOSS_TARGET].values


def label_T_loss_axes(axes) -> None:
    """Panels over (T, loss target), the paper's orientation: log T along x, the loss target up,
    its label on the first panel only."""
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlabel("lifetime inference tokens T")
    axes[0].set_ylabel("loss target (nats per token)")
