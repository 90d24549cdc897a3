"""Unknown demand (SPEC §5.4): what planning for the wrong lifetime demand costs (the regret map),
and the model that is safest when the demand is only known within a factor (the robust choice)."""
from __future__ import annotations

import numpy as np

from ..schema import DIM_LOSS_TARGET, DIM_QUANTILE, DIM_SPREAD, DIM_T, DIM_T_PLAN, LOSS_TARGET
from ..schema import LOSS_TARGET_QUANTILES, REGRET, ROBUST, ROBUST_QUANTILES
from ._common import PlotError, hardware_index, label_contours_inside, mesh, nearest, pyplot
from ._common import require, title, with_optimum


def _middle(values):
    return values[len(values) // 2]


def _target_index(ds, loss_target: float | None) -> tuple[int, float]:
    targets = ds[DIM_LOSS_TARGET].values
    chosen = nearest(ds, DIM_LOSS_TARGET, loss_target, _middle)
    return int(np.flatnonzero(targets == chosen)[0]), float(chosen)


def regret_map(ds, hardware: str | None = None, loss_target: float | None = None):
    """regret in % over (T_plan along x, actual T up) for one scenario and loss target, contours
    of the overspend; the diagonal (planned right) is 0. Cells with a regret are drawn: status ok,
    or constrained (the plan's or the actual demand's optimum sits on a serving bound; the regret
    is exact all the same); the others blank. T = 0 rows and columns left out (log axes)."""
    require(ds, "regret-map", REGRET["regret"], REGRET["status"])
    plt = pyplot()
    from matplotlib.colors import LogNorm
    h, name = hardware_index(ds, hardware)
    l, target = _target_index(ds, loss_target)
    T_plan, T = ds[DIM_T_PLAN].values, ds[DIM_T].values
    keep_p, keep = T_plan > 0, T > 0
    if keep.sum() < 2:
        raise PlotError("this file's T axis has fewer than two values above 0: nothing to draw")
    status = ds[REGRET["status"]].values[h][:, :, l][np.ix_(keep_p, keep)]
    regret = ds[REGRET["regret"]].values[h][:, :, l][np.ix_(keep_p, keep)]
    percent = with_optimum(status, 100 * regret)[0].T  # rows: actual T, columns: T_plan
    shown = np.where(percent > 0, percent, np.nan)  # the diagonal (0) has no place on a log scale
    fig, ax = plt.subplots(figsize=(7.6, 6.2), constrained_layout=True)
    finite = shown[np.isfinite(shown)]
    norm = LogNorm(vmin=max(float(finite.min()), 1e-4), vmax=float(finite.max())) if finite.size else None
    m = mesh(ax, T_plan[keep_p], T[keep], shown, True, True, cmap="magma_r", norm=norm)
    ax.set_xscale("log")
    ax.set_yscale("log")
    levels = [v for v in (0.1, 1, 5, 10, 25, 50, 100, 200, 500) if finite.size and
              finite.min() < v < finite.max()]
    if levels:
        cs = ax.contour(T_plan[keep_p], T[keep], percent, levels=levels, colors="0.2",
                        linewidths=0.8)
        label_contours_inside(ax, cs, "%g %%")
    lo, hi = max(T_plan[keep_p][0], T[keep][0]), min(T_plan[keep_p][-1], T[keep][-1])
    ax.plot([lo, hi], [lo, hi], color="tab:blue", lw=1, ls="--", label="planned right (regret 0)")
    ax.legend(fontsize=8, loc="upper left")
    fig.colorbar(m, ax=ax, label="overspend against the optimum for the actual T (%)")
    ax.set_xlabel("demand planned for, T_plan (lifetime inference tokens)")
    ax.set_ylabel("actual demand T (lifetime inference tokens)")
    ax.set_title(title(ds, f"Regret of planning for the wrong demand, loss target {target:g}",
                       name))
    return fig


def robust_choice(ds, hardware: str | None = None, loss_target: float | None = None):
    """Left: robust_N / opt_N against T, one line per spread s (the robust model for demands in
    [T/s, T s] against the optimum for T itself); right: its largest regret in % over that
    range. One scenario and loss target; cells without an optimum (status neither ok nor
    constrained) left out. A file swept under law samples gets the quantile bands instead
    (robust_choice_bands)."""
    if ROBUST["N"] not in ds and ROBUST_QUANTILES["N"] in ds:
        return robust_choice_bands(ds, hardware, loss_target)
    require(ds, "robust", ROBUST["N"], ROBUST["regret"], ROBUST["status"], LOSS_TARGET["N"],
            LOSS_TARGET["status"])
    plt = pyplot()
    h, name = hardware_index(ds, hardware)
    l, target = _target_index(ds, loss_target)
    T = ds[DIM_T].values
    keep = T > 0
    if keep.sum() < 2:
        raise PlotError("this file's T axis has fewer than two values above 0: nothing to draw")
    opt_N = with_optimum(ds[LOSS_TARGET["status"]].values[h][keep, l],
                         ds[LOSS_TARGET["N"]].values[h][keep, l])[0]
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5), constrained_layout=True)
    for s, spread in enumerate(ds[DIM_SPREAD].values):
        robust_N, regret = with_optimum(ds[ROBUST["status"]].values[h][s][keep, l],
                                        ds[ROBUST["N"]].values[h][s][keep, l],
                                        100 * ds[ROBUST["regret"]].values[h][s][keep, l])
        ratio = robust_N / opt_N
        regret = np.where(regret > 0, regret, np.nan)  # spread 1: regret 0, off the log scale
        label = f"spread {spread:g} (T/{spread:g} to {spread:g}T)"
        left.plot(T[keep], ratio, lw=1.6, label=label)
        right.plot(T[keep], regret, lw=1.6, label=label)
    left.axhline(1.0, color="0.4", lw=0.8, ls="--")
    left.set_ylabel("robust N / optimal N for T")
    right.set_ylabel("largest regret over the spread (%)")
    for ax in (left, right):
        ax.set_xscale("log")
        ax.set_xlabel("lifetime inference tokens T (the spread's geometric centre)")
        ax.legend(fontsize=8)
    right.set_yscale("log")
    fig.suptitle(title(ds, f"The robust model against the point optimum, loss target {target:g}",
                       name))
    return fig


def robust_choice_bands(ds, hardware: str | None = None, loss_target: float | None = None):
    """Under law samples (docs/uncertainty.md): left, the robust model's N per spread (median line,
    band between the lowest and highest quantile level) with the point optimum's median dashed;
    right, its largest regret in % the same way. The file holds quantiles of each quantity, not of
    their ratio, so the sizes are drawn side by side rather than divided. Levels that no sample
    reaches (NaN) are left out."""
    require(ds, "robust", ROBUST_QUANTILES["N"], ROBUST_QUANTILES["regret"],
            LOSS_TARGET_QUANTILES["N"])
    plt = pyplot()
    h, name = hardware_index(ds, hardware)
    l, target = _target_index(ds, loss_target)
    q = ds[DIM_QUANTILE].values
    lo, mid, hi = 0, int(np.argmin(np.abs(q - 0.5))), len(q) - 1
    T = ds[DIM_T].values
    keep = T > 0
    if keep.sum() < 2:
        raise PlotError("this file's T axis has fewer than two values above 0: nothing to draw")
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5), constrained_layout=True)
    colors = plt.get_cmap("viridis")(np.linspace(0.1, 0.85, ds.sizes[DIM_SPREAD]))
    for s, (spread, color) in enumerate(zip(ds[DIM_SPREAD].values, colors)):
        label = f"spread {spread:g} (T/{spread:g} to {spread:g}T)"
        robust_N = ds[ROBUST_QUANTILES["N"]].values[:, h, s, keep, l]
        regret = 100 * ds[ROBUST_QUANTILES["regret"]].values[:, h, s, keep, l]
        regret = np.where(regret > 0, regret, np.nan)  # spread 1: regret 0, off the log scale
        for ax, values in ((left, robust_N), (right, regret)):
            ax.fill_between(T[keep], values[lo], values[hi], color=color, alpha=0.25, lw=0)
            ax.plot(T[keep], values[mid], color=color, lw=1.6, label=label)
    opt_N = ds[LOSS_TARGET_QUANTILES["N"]].values[mid, h, keep, l]
    left.plot(T[keep], opt_N, color="0.3", lw=1.2, ls="--", label="optimum for T (median)")
    band = f"{q[lo]:.0%}-{q[hi]:.0%} band, median line" if len(q) > 1 else "one level"
    left.set_ylabel("parameters N of the robust model")
    right.set_ylabel("largest regret over the spread (%)")
    for ax in (left, right):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("lifetime inference tokens T (the spread's geometric centre)")
        ax.grid(alpha=0.3)
    left.legend(title=band, fontsize=8)
    samples = ds.sizes.get("sample", 0)
    fig.suptitle(title(ds, f"The robust model over {samples} law samples, loss target "
                           f"{target:g}", name))
    return fig
