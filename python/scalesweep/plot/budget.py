"""Plot kinds of the lesson's budget view: loss against model size at one budget, and lifetime
cost over (N, D)."""
from __future__ import annotations

import numpy as np

from ..schema import ATTRIBUTES, BUDGET, BUDGET_CURVE, COST, DIM_BUDGET, DIM_D, DIM_N, DIM_T
from ..schema import CONSTRAINED, LOSS, LOSS_TARGET
from ._common import hardware_index, label_contours_inside, mesh, nearest, power_label, pyplot
from ._common import has_optimum, require, round_levels, title


def budget_curves(ds, hardware: str | None = None, budget: float | None = None):
    """Loss against model size at one budget, one curve per T, optima marked (left); the same
    curves as their loss above the Chinchilla optimum's, on a log scale (right), where demands
    too small to move the optimum visibly on the left still part by orders of magnitude. Optima
    on a serving bound (status constrained, N = N_max) are hollow markers."""
    require(ds, "budget", BUDGET_CURVE["loss"],
            *(BUDGET[c] for c in ("N", "loss", "chinchilla_N", "chinchilla_loss", "status")))
    plt = pyplot()
    h, name = hardware_index(ds, hardware)
    C = nearest(ds, DIM_BUDGET, budget, lambda v: v[len(v) // 2])
    b = int(np.where(ds[DIM_BUDGET].values == C)[0][0])
    N = ds[DIM_N].values
    T = ds[DIM_T].values
    curves = ds[BUDGET_CURVE["loss"]].values[h, :, b, :]
    status = ds[BUDGET["status"]].values[h, :, b]
    optimum = has_optimum(status)
    opt_N, opt_loss = ds[BUDGET["N"]].values[h, :, b], ds[BUDGET["loss"]].values[h, :, b]
    chin_N = ds[BUDGET["chinchilla_N"]].values[h, 0, b]
    chin_loss = ds[BUDGET["chinchilla_loss"]].values[h, 0, b]
    units = ds.attrs.get(ATTRIBUTES["cost_units"], "")
    fig, (ax, above) = plt.subplots(1, 2, figsize=(14, 5.4), constrained_layout=True)
    colors = plt.cm.plasma(np.linspace(0, 0.85, len(T)))
    for t, c in enumerate(colors):
        label = "T = 0 (Chinchilla)" if T[t] == 0 else f"T = {power_label(T[t])} tokens"
        ax.plot(N, curves[t], color=c, label=label)
        if T[t] > 0:
            above.plot(N, curves[t] - chin_loss, color=c, label=label)
        if optimum[t]:
            # Hollow where a serving bound holds the model at N_max: the best model that may be
            # served, which is not the minimum of its curve.
            face = "none" if status[t] == CONSTRAINED else c
            ax.plot(opt_N[t], opt_loss[t], "o", color=c, ms=7, markeredgecolor="black",
                    markerfacecolor=face)
            if T[t] > 0:  # its loss is above Chinchilla's: a point on the log scale
                above.plot(opt_N[t], opt_loss[t] - chin_loss, "o", color=c, ms=7,
                           markeredgecolor="black", markerfacecolor=face)
    ax.plot(chin_N, chin_loss, "*", color="black", ms=14,
            label=f"Chinchilla optimum ({chin_N / 1e9:.3g}B)")
    ax.plot([], [], "o", color="grey", markeredgecolor="black", label="inference-aware optimum")
    if (status == CONSTRAINED).any():
        ax.plot([], [], "o", color="grey", markeredgecolor="black", markerfacecolor="none",
                label="optimum on the serving bound N_max")
    finite = curves[np.isfinite(curves)]
    if finite.size:
        low = np.nanmin(finite)
        ax.set_ylim(low - 0.02, low + 0.6)
    ax.set_ylabel("pre-training loss (nats per token)")
    ax.legend(fontsize=8, loc="upper right")
    ax.set_title("loss of each model size trained on what serving T leaves", fontsize=10)
    above.axvline(chin_N, color="black", lw=0.8, ls=":")
    above.annotate(f"Chinchilla optimum ({chin_N / 1e9:.3g}B)", (chin_N, 0.98),
                   xycoords=("data", "axes fraction"), xytext=(3, 0), textcoords="offset points",
                   fontsize=8, va="top")
    gaps = opt_loss[optimum & (T > 0)] - chin_loss
    gaps = gaps[gaps > 0]
    if gaps.size:
        above.set_yscale("log")
        above.set_ylim(gaps.min() / 10, 1.0)
        # Sizes around the optima: a decade beyond the smallest and the largest of them.
        sizes = np.concatenate([opt_N[optimum], [chin_N]])
        above.set_xlim(max(N[0], sizes.min() / 10), min(N[-1], sizes.max() * 10))
    above.set_ylabel("loss above the Chinchilla optimum's (nats per token)")
    above.set_title("the same curves, minus the Chinchilla optimum's loss", fontsize=10)
    for a in (ax, above):
        a.set_xscale("log")
        a.set_xlabel("model size N (parameters)")
        a.grid(True, which="both", alpha=0.3)
    fig.suptitle(title(ds, f"Loss at a fixed budget of {power_label(C)} {units} "
                       "(training + inference)", name))
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
    ax.set_xscale("log")
    ax.set_yscale("log")
    fig.colorbar(m, ax=ax, label=f"lifetime cost ({units})")
    # Round losses across the map's range, in steps of 0.1 nats where that gives enough lines.
    levels = round_levels(loss, count=8)
    cs = ax.contour(N, D, loss, levels=levels, colors="darkgreen", linewidths=0.8)
    label_contours_inside(ax, cs, "%g")
    optimum = has_optimum(ds[LOSS_TARGET["status"]].values[h, t])
    ax.plot(ds[LOSS_TARGET["N"]].values[h, t][optimum],
            ds[LOSS_TARGET["D"]].values[h, t][optimum], "-", color="crimson", lw=2,
            label=f"cost-optimal models at T = {power_label(Tv)}")
    ax.plot(ds[LOSS_TARGET["chinchilla_N"]].values[h, t][optimum],
            ds[LOSS_TARGET["chinchilla_D"]].values[h, t][optimum], "--", color="royalblue", lw=2,
            label="Chinchilla-optimal models (T = 0)")
    ax.plot([], [], color="darkgreen", lw=0.8, label="iso-loss contours (nats per token)")
    ax.set_xlim(N[0], N[-1])
    ax.set_ylim(D[0], D[-1])
    ax.set_xlabel("model size N (parameters)")
    ax.set_ylabel("training tokens D")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(title(ds, f"Lifetime cost at T = {power_label(Tv)} inference tokens", name))
    return fig
