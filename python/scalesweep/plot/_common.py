"""What every plot kind shares: variable checks, heatmap cells centred on grid values, titles,
grid lookups, status masks."""
from __future__ import annotations

import sys

import numpy as np

from ..results import ResultError
from ..schema import ATTRIBUTES, BUDGET, BUDGET_CURVE, COST, DIM_LOSS_TARGET, DIM_T, HARDWARE_NAME
from ..schema import LOSS, LOSS_TARGET, OK


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
    """pcolormesh of c[y, x] with each cell centred on its (x, y) grid value."""
    return ax.pcolormesh(edges(x, x_log), edges(y, y_log), c, shading="flat", **kw)


def title(ds, what: str) -> str:
    law = ds.attrs.get(ATTRIBUTES["law_preset"], "?")
    objective = ds.attrs.get(ATTRIBUTES["objective"], "?")
    return f"{what}\nlaw {law}, objective {objective}"


def hardware_names(ds) -> list[str]:
    return [str(n) for n in ds[HARDWARE_NAME].values]


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


def ok_only(status, *arrays) -> list[np.ndarray]:
    """The arrays with NaN wherever the status is not ok."""
    mask = status == OK
    return [np.where(mask, a, np.nan) for a in arrays]


def loss_T_grid(ds, hardware: str | None):
    """(hardware index, its name, T > 0, the mask of those T, loss targets) of a loss-target
    result: the grid the (loss target, T) heatmaps draw."""
    h, name = hardware_index(ds, hardware)
    T = ds[DIM_T].values
    keep = T > 0  # log axis: T = 0 (training only) has no place on it
    if keep.sum() < 2:
        raise PlotError("this file's T axis has fewer than two values above 0: nothing to draw")
    return h, name, T[keep], keep, ds[DIM_LOSS_TARGET].values


def label_loss_T_axes(axes) -> None:
    """Panels over (loss target, T): log T upwards, the T label on the first panel only."""
    for ax in axes:
        ax.set_yscale("log")
        ax.set_xlabel("loss target (nats per token)")
    axes[0].set_ylabel("lifetime inference tokens T")
