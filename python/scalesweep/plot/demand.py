"""The implied inference demand of trained models (SPEC §5.3): for which lifetime demand each
(N, D) is the cheapest model of its own loss."""
from __future__ import annotations

import numpy as np

from ..schema import DIM_D, DIM_N, IMPLIED, LOSS, STATUSES
from ._common import PlotError, hardware_index, label_contours_inside, mesh, pyplot, require
from ._common import round_levels, title


def parse_marks(marks: str | None) -> list[tuple[str, float, float]]:
    """"NAME=N:D,NAME=N:D" (e.g. "llama3-8b=8.03e9:15e12", as `scalesweep presets` lists the
    model presets) as (name, N, D) triples."""
    out = []
    for item in (marks or "").split(","):
        if not item.strip():
            continue
        try:
            name, size = item.split("=")
            N, D = (float(x) for x in size.split(":"))
        except ValueError:
            raise PlotError(f"--mark '{item}': give NAME=N:D, e.g. llama3-8b=8.03e9:15e12") from None
        if not (N > 0 and D > 0):
            raise PlotError(f"--mark '{item}': N and D must be > 0")
        out.append((name.strip(), N, D))
    return out


def implied_demand(ds, hardware: str | None = None, mark: str | None = None):
    """log10 implied_T over (N, D) for one scenario; undertrained models (below the Chinchilla
    ratio: no demand justifies them) left white; iso-loss contours where the file has loss(N, D);
    the models of `mark` (NAME=N:D,...) marked with their implied demand's cell."""
    require(ds, "implied-demand", IMPLIED["T"], IMPLIED["status"])
    plt = pyplot()
    h, name = hardware_index(ds, hardware)
    N, D = ds[DIM_N].values, ds[DIM_D].values
    T = ds[IMPLIED["T"]].values[h].T  # rows: D, columns: N
    status = ds[IMPLIED["status"]].values[h].T
    ok = status == STATUSES["ok"]["code"]
    shown = np.where(ok & (T > 0), np.log10(np.where(T > 0, T, 1.0)), np.nan)
    fig, ax = plt.subplots(figsize=(8, 6), constrained_layout=True)
    m = mesh(ax, N, D, shown, True, True, cmap="viridis")
    ax.set_xscale("log")
    ax.set_yscale("log")
    fig.colorbar(m, ax=ax, label="log10 implied lifetime inference tokens")
    if LOSS in ds.variables:
        loss = ds[LOSS].values.T
        cs = ax.contour(N, D, loss, levels=round_levels(loss, count=8), colors="0.25",
                        linewidths=0.7)
        label_contours_inside(ax, cs, "%g")
        ax.plot([], [], color="0.25", lw=0.7, label="iso-loss contours (nats per token)")
    for label, n, d in parse_marks(mark):
        ax.plot([n], [d], "o", color="crimson", ms=6)
        ax.annotate(label, (n, d), textcoords="offset points", xytext=(6, 4), fontsize=8,
                    color="crimson")
    ax.set_xlabel("model size N (parameters)")
    ax.set_ylabel("training tokens D")
    ax.text(0.02, 0.97, "white: undertrained (no demand makes these optimal)",
            transform=ax.transAxes, fontsize=8, va="top")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, loc="lower right")
    ax.set_title(title(ds, "Implied lifetime inference demand of trained models", name))
    return fig
