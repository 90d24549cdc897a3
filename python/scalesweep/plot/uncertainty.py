"""Plot kinds of law uncertainty (SPEC §5.5): the quantile bands of a sweep under law samples,
and a `scalesweep fit -o` samples file (the data, the fitted iso-loss curves, the bootstrap's
pairwise parameter scatter)."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..file_check import check_result_file
from ..schema import DIM_LOSS_TARGET, DIM_QUANTILE, LAW_SAMPLES, LOSS_TARGET_QUANTILES
from ._common import PlotError, hardware_index, nearest, pyplot, require, title


def _levels(q):
    """Indices of the lowest, the middle (nearest 0.5) and the highest quantile level."""
    q = np.asarray(q, dtype=float)
    return 0, int(np.argmin(np.abs(q - 0.5))), len(q) - 1


def quantile_bands(ds, hardware: str | None = None, loss_target: float | None = None):
    """N*/N_chinchilla and the saving against the Chinchilla model (1 - opt_cost/chinchilla_cost)
    against T, each sample's ratio reduced to quantiles: the median line in the band between the
    lowest and the highest level (5-95 % by default), for the loss target nearest `loss_target`
    (default: the lowest, middle and highest loss targets)."""
    ratio, saving = LOSS_TARGET_QUANTILES["N_ratio"], LOSS_TARGET_QUANTILES["saving"]
    fraction = LOSS_TARGET_QUANTILES["feasible_fraction"]
    require(ds, "bands", ratio, saving, fraction)
    plt = pyplot()
    h, name = hardware_index(ds, hardware)
    q = ds[DIM_QUANTILE].values
    lo, mid, hi = _levels(q)
    T = ds["T"].values
    keep = T > 0
    if keep.sum() < 2:
        raise PlotError("this file's T axis has fewer than two values above 0: nothing to draw")
    losses = ds[DIM_LOSS_TARGET].values
    if loss_target is not None:
        chosen = [nearest(ds, DIM_LOSS_TARGET, loss_target, None)]
    else:
        chosen = sorted({losses[0], losses[len(losses) // 2], losses[-1]})
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8), constrained_layout=True)
    colors = plt.get_cmap("viridis")(np.linspace(0.1, 0.85, len(chosen)))
    for loss, color in zip(chosen, colors):
        l = int(np.argmin(np.abs(losses - loss)))
        share = float(np.nanmin(ds[fraction].values[h, keep, l]))
        label = f"loss {loss:.3g}" + ("" if share == 1 else f" ({share:.2%} of samples reach it)")
        for ax, variable, scale in ((axes[0], ratio, 1), (axes[1], saving, 100)):
            values = scale * ds[variable].values[:, h, keep, l]
            ax.fill_between(T[keep], values[lo], values[hi], color=color, alpha=0.25, lw=0)
            ax.plot(T[keep], values[mid], color=color, lw=1.6, label=label)
    band = f"{q[lo]:.0%}-{q[hi]:.0%} band, median line" if len(q) > 1 else "one level"
    axes[0].set_ylabel("N* / N_chinchilla")
    axes[1].set_ylabel("cost saved vs the Chinchilla model (%)")
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlabel("lifetime inference tokens T")
        ax.grid(alpha=0.3)
    axes[0].legend(title=band, fontsize=8)
    samples = ds.sizes.get("sample", 0)
    fig.suptitle(title(ds, f"How sure is the optimum? Quantiles over {samples} law samples",
                       name))
    return fig


@dataclass
class LawSamples:
    """What a `scalesweep fit -o` file holds that the fit figure draws."""
    path: Path
    attrs: dict
    samples: dict  # constant name -> values along `sample`


def open_law_samples(path) -> LawSamples:
    """Reads a samples file (PlotError for a file of another kind, or a damaged one: the file is
    read by a child process first, as scalesweep.open reads a result)."""
    import h5py
    path = Path(path)
    check_result_file(path, PlotError)
    try:
        with h5py.File(path, "r") as f:
            attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
            if attrs.get(LAW_SAMPLES["file_kind"]) != LAW_SAMPLES["file_kind_value"]:
                raise PlotError(f"'{path}' is not a law-samples file (`scalesweep fit -o`): "
                                "kind 'fit' draws those")
            samples = {c: f[c][()] for c in LAW_SAMPLES["constants"]}
    except OSError as e:
        raise PlotError(f"cannot read '{path}': {e}") from None
    return LawSamples(path, attrs, samples)


def _data_file(s: LawSamples, data: str | None) -> Path:
    """The fitted CSV: --data, else the path the file records (as given to fit: tried from the
    working directory, then beside the samples file's directory)."""
    if data is not None:
        return Path(data)
    recorded = Path(str(s.attrs.get(LAW_SAMPLES["data_file"], "")))
    for candidate in (recorded, s.path.parent / recorded.name, s.path.parent.parent / recorded):
        if candidate.is_file():
            return candidate
    raise PlotError(f"cannot find the fitted data '{recorded}'; give it with --data CSV")


def _read_points(s: LawSamples, path: Path):
    """(N, D, loss) of the rows the fit used: the recorded columns, D from FLOPs when the fit took
    them, the excluded rows (numbered from 1, the first data row) dropped."""
    a = s.attrs
    names = {k: a.get(LAW_SAMPLES[k]) for k in ("N_column", "D_column", "flops_column",
                                                 "loss_column")}
    excluded = set(np.atleast_1d(a.get(LAW_SAMPLES["excluded_rows"], [])).tolist())
    N, D, L = [], [], []
    with open(path, newline="") as f:
        for i, row in enumerate(csv.DictReader(f)):
            if i + 1 in excluded:
                continue
            n = float(row[names["N_column"]])
            d = (float(row[names["flops_column"]]) / (6 * n) if names.get("flops_column")
                 else float(row[names["D_column"]]))
            N.append(n), D.append(d), L.append(float(row[names["loss_column"]]))
    return np.array(N), np.array(D), np.array(L)


def fit_figure(s: LawSamples, data: str | None = None):
    """Left: the data in (N, D), coloured by loss, with the estimate's iso-loss curves at the same
    colours; right: every pair of the bootstrap's constants, one dot per resample, the estimate
    marked."""
    plt = pyplot()
    from matplotlib.colors import Normalize
    N, D, L = _read_points(s, _data_file(s, data))
    est = {c: float(s.attrs[LAW_SAMPLES["estimate_prefix"] + c]) for c in LAW_SAMPLES["constants"]}
    fig = plt.figure(figsize=(15, 6.5), constrained_layout=True)
    left, right = fig.subfigures(1, 2, width_ratios=[1, 1.25])
    ax = left.subplots()
    norm = Normalize(vmin=L.min(), vmax=L.max())
    points = ax.scatter(N, D, c=L, cmap="viridis", norm=norm, s=14, edgecolors="none")
    n = np.geomspace(N.min() / 2, N.max() * 2, 200)
    d = np.geomspace(D.min() / 2, D.max() * 2, 200)
    NN, DD = np.meshgrid(n, d)
    loss = est["E"] + est["A"] / NN ** est["alpha"] + est["B"] / DD ** est["beta"]
    levels = np.quantile(L, [0.1, 0.3, 0.5, 0.7, 0.9])
    cs = ax.contour(NN, DD, loss, levels=levels, cmap="viridis", norm=norm, linewidths=1.2)
    ax.clabel(cs, fmt="%.2f", fontsize=8)
    ax.set_xscale("log"), ax.set_yscale("log")
    ax.set_xlabel("parameters N"), ax.set_ylabel("training tokens D")
    left.colorbar(points, ax=ax, label="loss (points) and the fit's iso-loss curves")
    ax.set_title(f"{len(L)} points fitted, iso-loss curves of the estimate")
    names = list(LAW_SAMPLES["constants"])
    k = len(names)
    grid = right.subplots(k - 1, k - 1, squeeze=False)
    count = len(s.samples[names[0]])
    for i in range(1, k):
        for j in range(k - 1):
            a = grid[i - 1][j]
            if j >= i:
                a.set_visible(False)
                continue
            a.scatter(s.samples[names[j]], s.samples[names[i]], s=2, alpha=0.3, color="#1f77b4",
                      edgecolors="none")
            a.plot(est[names[j]], est[names[i]], "+", color="#d62728", ms=10, mew=1.5)
            if i == k - 1:
                a.set_xlabel(names[j])
            else:
                a.set_xticklabels([])
            if j == 0:
                a.set_ylabel(names[i])
            else:
                a.set_yticklabels([])
            a.tick_params(labelsize=7)
    right.suptitle(f"{count} bootstrap fits (+: the estimate)")
    method = s.attrs.get(LAW_SAMPLES["method"], "?")
    fig.suptitle(f"Law fit of {Path(str(s.attrs.get(LAW_SAMPLES['data_file'], '?'))).name} "
                 f"({method}): E {est['E']:.4g}, A {est['A']:.4g}, B {est['B']:.4g}, "
                 f"alpha {est['alpha']:.4g}, beta {est['beta']:.4g}")
    return fig
