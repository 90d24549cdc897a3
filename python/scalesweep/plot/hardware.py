"""Plot kind comparing hardware scenarios: the cheapest per (T, loss target) and its cost."""
from __future__ import annotations

import numpy as np

from ..schema import ATTRIBUTES, DIM_LOSS_TARGET, DIM_T, LOSS_TARGET
from ._common import PlotError, hardware_names, has_optimum, label_T_loss_axes, mesh, pyplot
from ._common import require, scenario_colors, title


def cheapest_hardware(ds):
    """The cheapest hardware scenario per (T, loss target) and its cost, over the scenarios whose
    cell holds an optimum (status ok or constrained). Each scenario keeps its colour across files
    (by its name); the legend lists the scenarios that win somewhere."""
    require(ds, "hardware", LOSS_TARGET["cost"], LOSS_TARGET["status"])
    plt = pyplot()
    from matplotlib.colors import BoundaryNorm, ListedColormap, LogNorm
    from matplotlib.patches import Patch
    names = hardware_names(ds)
    if len(names) < 2:
        raise PlotError("kind 'hardware' needs at least two hardware scenarios; this file has one")
    T = ds[DIM_T].values
    keep = T > 0
    loss = ds[DIM_LOSS_TARGET].values
    cost = np.where(has_optimum(ds[LOSS_TARGET["status"]].values), ds[LOSS_TARGET["cost"]].values,
                    np.inf)[:, keep]
    best_cost = np.min(cost, axis=0)
    feasible = np.isfinite(best_cost)  # a cell no scenario can reach has no best scenario
    if not feasible.any():
        raise PlotError("no cell of this file has a loss-target optimum (status ok or "
                        "constrained) in any scenario")
    best = np.where(feasible, np.argmin(cost, axis=0), np.nan)
    best_cost[~feasible] = np.nan
    colors = scenario_colors(names)
    fig, axes = plt.subplots(1, 2, figsize=(14, 5.4), constrained_layout=True, sharey=True)
    cmap = ListedColormap([colors[n] for n in names])
    mesh(axes[0], T[keep], loss, best.T, True, False, cmap=cmap,
         norm=BoundaryNorm(np.arange(len(names) + 1) - 0.5, len(names)))
    winners = [names[int(i)] for i in np.unique(best[feasible])]
    axes[0].legend(handles=[Patch(color=colors[n], label=n) for n in winners], fontsize=8,
                   title=f"cheapest ({len(winners)} of {len(names)} scenarios win)",
                   title_fontsize=8, loc="lower left")
    axes[0].set_title("cheapest hardware scenario", fontsize=10)
    axes[1].set_title("its lifetime cost", fontsize=10)
    m1 = mesh(axes[1], T[keep], loss, best_cost.T, True, False, cmap="viridis",
              norm=LogNorm(vmin=np.nanmin(best_cost), vmax=np.nanmax(best_cost)))
    fig.colorbar(m1, ax=axes[1],
                 label=f"lifetime cost ({ds.attrs.get(ATTRIBUTES['cost_units'], '')})")
    label_T_loss_axes(axes)
    fig.suptitle(title(ds, f"The cheapest of {len(names)} hardware scenarios per cell, and its "
                       "cost"))
    return fig
