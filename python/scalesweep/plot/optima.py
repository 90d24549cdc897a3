"""Plot kinds of the loss-target optima over (T, loss target): Sardana et al. 2024, Figure 1
and §2, in the paper's orientation (inference tokens along x, the loss target up) with the
qualities of Chinchilla-optimal 7B-70B models marked."""
from __future__ import annotations

import numpy as np

from ..schema import LOSS_TARGET
from ._common import label_contours_inside, label_T_loss_axes, loss_T_grid, mark_qualities, mesh
from ._common import pyplot, quality_losses, require, round_levels, title, with_optimum


def _quality_marks(ds, h, loss):
    """The marked qualities of this file's loss targets (chinchilla_N does not depend on T: the
    Chinchilla model of a loss is its T = 0 optimum; any T's row holds it)."""
    chinchilla_N = np.nanmax(ds[LOSS_TARGET["chinchilla_N"]].values[h], axis=0)
    return quality_losses(loss, chinchilla_N)


def savings(ds, hardware: str | None = None):
    """Cost saved (%) by the inference-aware optimum over the Chinchilla model of the same loss
    (the paper's Figure 1(a) shows the cost ratio, 1 minus this)."""
    require(ds, "savings", LOSS_TARGET["cost"], LOSS_TARGET["chinchilla_cost"],
            LOSS_TARGET["status"], LOSS_TARGET["chinchilla_N"])
    plt = pyplot()
    h, name, T, keep, loss = loss_T_grid(ds, hardware)
    opt, chin = with_optimum(ds[LOSS_TARGET["status"]].values[h][keep],
                             ds[LOSS_TARGET["cost"]].values[h][keep],
                             ds[LOSS_TARGET["chinchilla_cost"]].values[h][keep])
    saving = (100 * (1 - opt / chin)).T  # rows: loss targets, columns: T
    fig, ax = plt.subplots(figsize=(8, 5.4), constrained_layout=True)
    m = mesh(ax, T, loss, saving, True, False, cmap="viridis")
    label_T_loss_axes([ax])  # scales before the labels are placed in axes coordinates
    levels = round_levels(saving, (1, 2, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90))
    if levels:
        cs = ax.contour(T, loss, saving, levels=levels, colors="white", linewidths=0.8)
        label_contours_inside(ax, cs, "%g %%")
    mark_qualities(ax, _quality_marks(ds, h, loss))
    fig.colorbar(m, ax=ax, label="cost saved vs the Chinchilla model of the same loss (%)")
    ax.set_title(title(ds, "Savings of the inference-aware model (Sardana et al. 2024, Fig. 1a)",
                       name))
    return fig


def size_ratio(ds, hardware: str | None = None):
    """N*/N_chinchilla (Figure 1b), D*/D_chinchilla (Figure 1c) and tokens per parameter D*/N*
    over (T, loss target)."""
    require(ds, "size-ratio", LOSS_TARGET["N"], LOSS_TARGET["D"], LOSS_TARGET["chinchilla_N"],
            LOSS_TARGET["chinchilla_D"], LOSS_TARGET["status"])
    plt = pyplot()
    from matplotlib.colors import LogNorm
    h, name, T, keep, loss = loss_T_grid(ds, hardware)
    N, D, Nc, Dc = with_optimum(ds[LOSS_TARGET["status"]].values[h][keep],
                                *(ds[LOSS_TARGET[c]].values[h][keep]
                                  for c in ("N", "D", "chinchilla_N", "chinchilla_D")))
    marks = _quality_marks(ds, h, loss)
    panels = [  # (values over [loss, T], colour bar label, map, log scale, candidate levels,
        #          colour of the lines on it)
        ((N / Nc).T, "N* / N_chinchilla (Fig. 1b)", "magma_r", False,
         (0.1, 0.2, 0.3, 0.5, 0.7, 0.9), "black"),
        ((D / Dc).T, "D* / D_chinchilla (Fig. 1c)", "cividis", True,
         (1.1, 1.5, 2, 5, 10, 20, 50, 100, 1000), "white"),
        ((D / N).T, "training tokens per parameter D* / N*", "viridis", True,
         (20, 50, 100, 300, 1000, 3000, 10000, 1e5), "white"),
    ]
    fig, axes = plt.subplots(1, 3, figsize=(17, 5.2), constrained_layout=True, sharey=True)
    for ax, (values, label, cmap, log, candidates, ink) in zip(axes, panels):
        norm = LogNorm(vmin=np.nanmin(values), vmax=np.nanmax(values)) if log else None
        m = mesh(ax, T, loss, values, True, False, cmap=cmap, norm=norm)
        fig.colorbar(m, ax=ax, label=label)
        ax.set_xscale("log")  # before the labels are placed in axes coordinates
        levels = round_levels(values, candidates)
        if levels:
            cs = ax.contour(T, loss, values, levels=levels, colors=ink, linewidths=0.8)
            label_contours_inside(ax, cs, "%g")
        mark_qualities(ax, marks)
    label_T_loss_axes(axes)
    fig.suptitle(title(ds, "Size and data of the inference-aware optimum against the Chinchilla "
                       "model of the same loss", name))
    return fig


def ratios(ds, hardware: str | None = None):
    """N*/N_chinchilla and D*/D_chinchilla against T, one line per loss target."""
    require(ds, "ratios",
            *(LOSS_TARGET[c] for c in ("N", "D", "chinchilla_N", "chinchilla_D", "status")))
    plt = pyplot()
    h, name, T, keep, loss = loss_T_grid(ds, hardware)
    N, D, Nc, Dc = with_optimum(ds[LOSS_TARGET["status"]].values[h][keep],
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
    fig.suptitle(title(ds, "Inference-aware vs Chinchilla models of the same quality "
                       "(Sardana et al. 2024, section 2)", name))
    return fig
