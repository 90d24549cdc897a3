"""Plot kinds of the lesson's budget view: loss against model size at one budget, and lifetime
cost over (N, D)."""
from __future__ import annotations

import numpy as np

from ..schema import ATTRIBUTES, BUDGET, BUDGET_CURVE, COST, DIM_BUDGET, DIM_D, DIM_LOSS_TARGET
from ..schema import DIM_N, DIM_T, LOSS, LOSS_TARGET, OK
from ._common import hardware_index, mesh, nearest, pyplot, require, title


def budget_curves(ds, hardware: str | None = None, budget: float | None = None):
    """Loss against model size at one budget, one curve per T, optima marked."""
    require(ds, "budget", BUDGET_CURVE["loss"],
            *(BUDGET[c] for c in ("N", "loss", "chinchilla_N", "chinchilla_loss", "status")))
    plt = pyplot()
    h, name = hardware_index(ds, hardware)
    C = nearest(ds, DIM_BUDGET, budget, lambda v: v[len(v) // 2])
    b = int(np.where(ds[DIM_BUDGET].values == C)[0][0])
    N = ds[DIM_N].values
    T = ds[DIM_T].values
    curves = ds[BUDGET_CURVE["loss"]].values[h, :, b, :]
    units = ds.attrs.get(ATTRIBUTES["cost_units"], "")
    fig, ax = plt.subplots(figsize=(8, 5.2), constrained_layout=True)
    colors = plt.cm.plasma(np.linspace(0, 0.85, len(T)))
    for t, c in enumerate(colors):
        label = "T = 0 (Chinchilla)" if T[t] == 0 else f"T = {T[t]:.0e} tokens"
        ax.plot(N, curves[t], color=c, label=label)
        if ds[BUDGET["status"]].values[h, t, b] == OK:
            ax.plot(ds[BUDGET["N"]].values[h, t, b], ds[BUDGET["loss"]].values[h, t, b], "o",
                    color=c, ms=7, markeredgecolor="black")
    chin_N = ds[BUDGET["chinchilla_N"]].values[h, 0, b]
    chin_loss = ds[BUDGET["chinchilla_loss"]].values[h, 0, b]
    ax.plot(chin_N, chin_loss, "*", color="black", ms=14,
            label=f"Chinchilla optimum ({chin_N / 1e9:.3g}B)")
    ax.plot([], [], "o", color="grey", markeredgecolor="black", label="inference-aware optimum")
    finite = curves[np.isfinite(curves)]
    if finite.size:
        low = np.nanmin(finite)
        ax.set_ylim(low - 0.02, low + 0.6)
    ax.set_xscale("log")
    ax.set_xlabel("model size N (parameters)")
    ax.set_ylabel("pre-training loss (nats per token)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper right")
    ax.set_title(title(ds, f"Loss at a fixed budget of {C:.3g} {units} (training + inference)"))
    return fig


def cost_map(ds, hardware: str | None = None, T: float | None = None):
    """Lifetime cost over (N, D) for one (hardware, T), iso-loss contours, curves of optima."""
    require(ds, "cost-map", COST, LOSS,
            *(LOSS_TARGET[c] for c in ("N", "D", "chinchilla_N", "chinchilla_D", "status")))
    plt = pyplot()
    from matplotlib.colors import LogNorm
    h, name = hardware_index(ds, hardware)
    Tv = nearest(ds, DIM_T, T, lambda v: v[-1])
    t = int(np.where(ds[DIM_T].values == Tv)[0][0])
    N, D = ds[DIM_N].values, ds[DIM_D].values
    cost = ds[COST].values[h, t].T  # rows: D, columns: N
    loss = ds[LOSS].values.T
    units = ds.attrs.get(ATTRIBUTES["cost_units"], "")
    fig, ax = plt.subplots(figsize=(8, 6), constrained_layout=True)
    m = mesh(ax, N, D, cost, True, True, cmap="Greys",
             norm=LogNorm(vmin=np.nanmin(cost[cost > 0]), vmax=np.nanmax(cost)))
    fig.colorbar(m, ax=ax, label=f"lifetime cost ({units})")
    levels = ds[DIM_LOSS_TARGET].values[:: max(1, len(ds[DIM_LOSS_TARGET]) // 8)]
    cs = ax.contour(N, D, loss, levels=np.sort(levels), colors="darkgreen", linewidths=0.8)
    ax.clabel(cs, fmt="%.3g", fontsize=7)
    ok = ds[LOSS_TARGET["status"]].values[h, t] == OK
    ax.plot(ds[LOSS_TARGET["N"]].values[h, t][ok], ds[LOSS_TARGET["D"]].values[h, t][ok], "-",
            color="crimson", lw=2, label=f"cost-optimal models at T = {Tv:.0e}")
    ax.plot(ds[LOSS_TARGET["chinchilla_N"]].values[h, t][ok],
            ds[LOSS_TARGET["chinchilla_D"]].values[h, t][ok], "--", color="royalblue", lw=2,
            label="Chinchilla-optimal models (T = 0)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(N[0], N[-1])
    ax.set_ylim(D[0], D[-1])
    ax.set_xlabel("model size N (parameters)")
    ax.set_ylabel("training tokens D")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(title(ds, f"Lifetime cost at T = {Tv:.0e} inference tokens; contours: loss"))
    return fig
