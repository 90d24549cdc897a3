"""Plot kinds of the loss-target optima over (T, loss target): Sardana et al. 2024, Figure 1
and §2."""
from __future__ import annotations

import numpy as np

from ..schema import LOSS_TARGET
from ._common import label_loss_T_axes, loss_T_grid, mesh, ok_only, pyplot, require, title


def savings(ds, hardware: str | None = None):
    """Cost saved (%) by the inference-aware optimum over the Chinchilla model of the same loss."""
    require(ds, "savings", LOSS_TARGET["cost"], LOSS_TARGET["chinchilla_cost"],
            LOSS_TARGET["status"])
    plt = pyplot()
    h, name, T, keep, loss = loss_T_grid(ds, hardware)
    opt, chin = ok_only(ds[LOSS_TARGET["status"]].values[h][keep],
                        ds[LOSS_TARGET["cost"]].values[h][keep],
                        ds[LOSS_TARGET["chinchilla_cost"]].values[h][keep])
    saving = 100 * (1 - opt / chin)
    fig, ax = plt.subplots(figsize=(7.5, 5.2), constrained_layout=True)
    m = mesh(ax, loss, T, saving, False, True, cmap="viridis")
    levels = [lv for lv in (1, 2, 5, 10, 20, 30, 40, 50, 60, 70)
              if np.nanmin(saving) < lv < np.nanmax(saving)]
    if levels:
        cs = ax.contour(loss, T, saving, levels=levels, colors="white", linewidths=0.8)
        ax.clabel(cs, fmt="%g %%", fontsize=8)
    label_loss_T_axes([ax])
    fig.colorbar(m, ax=ax, label="cost saved vs Chinchilla model of the same loss (%)")
    ax.set_title(title(ds, "Savings of the inference-aware model" +
                       (f" ({name})" if name != "flops" else "")))
    return fig


def size_ratio(ds, hardware: str | None = None):
    """N*/N_chinchilla and D*/N* over (T, loss target)."""
    require(ds, "size-ratio", LOSS_TARGET["N"], LOSS_TARGET["D"], LOSS_TARGET["chinchilla_N"],
            LOSS_TARGET["status"])
    plt = pyplot()
    from matplotlib.colors import LogNorm
    h, name, T, keep, loss = loss_T_grid(ds, hardware)
    N, D, Nc = ok_only(ds[LOSS_TARGET["status"]].values[h][keep],
                       ds[LOSS_TARGET["N"]].values[h][keep], ds[LOSS_TARGET["D"]].values[h][keep],
                       ds[LOSS_TARGET["chinchilla_N"]].values[h][keep])
    fig, axes = plt.subplots(1, 2, figsize=(12, 5), constrained_layout=True, sharey=True)
    m0 = mesh(axes[0], loss, T, N / Nc, False, True, cmap="magma")
    cs = axes[0].contour(loss, T, N / Nc, levels=[0.2, 0.3, 0.5, 0.7, 0.9], colors="white",
                         linewidths=0.8)
    axes[0].clabel(cs, fmt="%g", fontsize=8)
    fig.colorbar(m0, ax=axes[0], label="N* / N_chinchilla")
    tpp = D / N
    m1 = mesh(axes[1], loss, T, tpp, False, True, cmap="cividis",
              norm=LogNorm(vmin=np.nanmin(tpp), vmax=np.nanmax(tpp)))
    fig.colorbar(m1, ax=axes[1], label="training tokens per parameter D*/N*")
    cs = axes[1].contour(loss, T, tpp, levels=[20, 100, 1000, 10000], colors="white",
                         linewidths=0.8)
    axes[1].clabel(cs, fmt="%g", fontsize=8)
    label_loss_T_axes(axes)
    fig.suptitle(title(ds, "Model size and data of the inference-aware optimum"))
    return fig


def ratios(ds, hardware: str | None = None):
    """N*/N_chinchilla and D*/D_chinchilla against T, one line per loss target."""
    require(ds, "ratios",
            *(LOSS_TARGET[c] for c in ("N", "D", "chinchilla_N", "chinchilla_D", "status")))
    plt = pyplot()
    h, name, T, keep, loss = loss_T_grid(ds, hardware)
    N, D, Nc, Dc = ok_only(ds[LOSS_TARGET["status"]].values[h][keep],
                           *(ds[LOSS_TARGET[c]].values[h][keep]
                             for c in ("N", "D", "chinchilla_N", "chinchilla_D")))
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8), constrained_layout=True)
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(loss)))
    # A legend entry per loss target while they are few; a colour bar of loss targets beyond.
    legend = len(loss) <= 10
    for j, (lv, c) in enumerate(zip(loss, colors)):
        # The Chinchilla model of this loss is the T = 0 optimum: it names the quality.
        quality = np.nanmax(Nc[:, j])
        label = f"{quality / 1e9:.3g}B quality (loss {lv:.4g})" if legend else None
        axes[0].plot(T, N[:, j] / Nc[:, j], color=c, label=label)
        axes[1].plot(T, D[:, j] / Dc[:, j], color=c, label=label)
    axes[0].set_ylabel("N* / N_chinchilla")
    axes[1].set_ylabel("D* / D_chinchilla")
    axes[1].set_yscale("log")
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlabel("lifetime inference tokens T")
        ax.grid(True, which="both", alpha=0.3)
    if legend:
        axes[0].legend(fontsize=8)
    else:
        from matplotlib.cm import ScalarMappable
        from matplotlib.colors import ListedColormap, Normalize
        sm = ScalarMappable(norm=Normalize(loss.min(), loss.max()), cmap=ListedColormap(colors))
        fig.colorbar(sm, ax=axes, label="loss target (nats per token)")
    fig.suptitle(title(ds, "Inference-aware vs Chinchilla models of the same quality"))
    return fig
