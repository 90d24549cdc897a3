"""Plot kind comparing hardware scenarios: the cheapest per (T, loss target) and its cost."""
from __future__ import annotations

import numpy as np

from ..schema import ATTRIBUTES, DIM_LOSS_TARGET, DIM_T, HARDWARE_NAME, LOSS_TARGET, OK
from ._common import PlotError, hardware_names, label_loss_T_axes, mesh, pyplot, require, title


def cheapest_hardware(ds):
    """The cheapest hardware scenario per (T, loss target) and its cost."""
    require(ds, "hardware", LOSS_TARGET["cost"], LOSS_TARGET["status"], HARDWARE_NAME)
    plt = pyplot()
    from matplotlib.colors import BoundaryNorm, ListedColormap, LogNorm
    names = hardware_names(ds)
    if len(names) < 2:
        raise PlotError("kind 'hardware' needs at least two hardware scenarios; this file has one")
    T = ds[DIM_T].values
    keep = T > 0
    loss = ds[DIM_LOSS_TARGET].values
    cost = np.where(ds[LOSS_TARGET["status"]].values == OK, ds[LOSS_TARGET["cost"]].values,
                    np.inf)[:, keep]
    best_cost = np.min(cost, axis=0)
    feasible = np.isfinite(best_cost)  # a cell no scenario can reach has no best scenario
    if not feasible.any():
        raise PlotError("no cell of this file has an ok loss-target optimum in any scenario")
    best = np.where(feasible, np.argmin(cost, axis=0), np.nan)
    best_cost[~feasible] = np.nan
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.2), constrained_layout=True, sharey=True)
    cmap = ListedColormap(plt.cm.tab10(np.arange(len(names)) % 10))
    m0 = mesh(axes[0], loss, T[keep], best, False, True, cmap=cmap,
              norm=BoundaryNorm(np.arange(len(names) + 1) - 0.5, len(names)))
    cb = fig.colorbar(m0, ax=axes[0], ticks=np.arange(len(names)))
    cb.ax.set_yticklabels(names, fontsize=8)
    axes[0].set_title("cheapest hardware scenario", fontsize=10)
    axes[1].set_title("its lifetime cost", fontsize=10)
    m1 = mesh(axes[1], loss, T[keep], best_cost, False, True, cmap="viridis",
              norm=LogNorm(vmin=np.nanmin(best_cost), vmax=np.nanmax(best_cost)))
    fig.colorbar(m1, ax=axes[1],
                 label=f"lifetime cost ({ds.attrs.get(ATTRIBUTES['cost_units'], '')})")
    label_loss_T_axes(axes)
    fig.suptitle(title(ds, "Cheapest hardware per cell and its cost"))
    return fig
