#!/usr/bin/env python3
"""Heatmaps and charts of scalesweep result files.

Command line:
    python3 scripts/plot.py RESULT.h5 --kind KIND -o FILE.png [--hardware NAME] [--T TOKENS] [--budget C]

From a notebook:
    import sys; sys.path.insert(0, "scripts")
    import plot
    fig = plot.savings(plot.open_result("results/sardana2024-fig1.h5"))

Kinds (each reads variables scalesweep wrote; none recomputes the law):
    savings     cost saved by the inference-aware optimum over the Chinchilla model of the same
                loss, over (inference tokens T, loss target), with labelled contours
                (Sardana et al. 2024, Figure 1a)
    size-ratio  N*/N_chinchilla and tokens per parameter D*/N* over the same axes (Figure 1b)
    ratios      N*/N_chinchilla and D*/D_chinchilla against T, one line per loss target
                (Sardana et al. 2024, section 2)
    budget      loss against model size at a fixed budget, one curve per inference volume, with
                the Chinchilla and inference-aware optima marked (the lesson's chart)
    cost-map    lifetime cost over (N, D) for one (hardware, T), with iso-loss contours and the
                curves of optima
    hardware    the cheapest hardware scenario per (T, loss target) and its cost
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np

KINDS = ("savings", "size-ratio", "ratios", "budget", "cost-map", "hardware")

# The names scalesweep writes (src/output/schema.hpp), from the copy of the schema that a test
# keeps equal to what the build writes: variables by problem and column, attributes, statuses.
SCHEMA = json.loads(Path(__file__).with_name("result_schema.json").read_text())
ATTRIBUTES = SCHEMA["attributes"]
PROGRESS = SCHEMA["progress"]
LOSS_TARGET = SCHEMA["problems"]["loss_target"]["variables"]  # opt_N, ... by column (N, ...)
BUDGET = SCHEMA["problems"]["budget"]["variables"]
BUDGET_CURVE = SCHEMA["problems"]["budget_curve"]["variables"]
COST = SCHEMA["problems"]["dense_cost"]["variables"]["cost"]
LOSS = SCHEMA["problems"]["dense_loss"]["variables"]["loss"]
HARDWARE_NAME = SCHEMA["hardware_name"]
OK = SCHEMA["statuses"]["ok"]["code"]


def _dimension(name):
    """A dimension of result files: the config's axis names, which the schema lists."""
    if name not in SCHEMA["dimensions"]:
        raise KeyError(f"result_schema.json has no dimension '{name}'")
    return name


DIM_T, DIM_N, DIM_D, DIM_LOSS_TARGET, DIM_BUDGET = map(_dimension,
                                                      ("T", "N", "D", "loss_target", "budget"))


class PlotError(Exception):
    """A file that cannot make the requested plot (the message names what is missing)."""


def require_format(f, path):
    """Refuses a file that is no scalesweep result, or one of another format version: its names
    may mean other things than this script's schema says."""
    version = f.attrs.get(ATTRIBUTES["format_version"])
    if version is None:
        raise PlotError(f"'{path}' is not a scalesweep result (it has no "
                        f"{ATTRIBUTES['format_version']} attribute)")
    if int(version) != SCHEMA["format_version"]:
        raise PlotError(f"'{path}' has result format {int(version)}; this plot.py reads format "
                        f"{SCHEMA['format_version']} only (use the scripts/plot.py of the "
                        "scalesweep that wrote it)")


def require_complete(path):
    """Refuses a file that is not a whole result of this format: one part of a sharded run (`run
    --shard`) or an unfinished run, whose cells not computed read as NaN with status
    not_computed, or as 0 with status ok where their chunks were allocated unwritten. The
    progress record (a group hidden from xarray) tells, as `scalesweep inspect` reads it."""
    import h5py
    with h5py.File(path, "r") as f:
        require_format(f, path)
        record = f.get(PROGRESS["group"])
        if record is None:  # no progress record: nothing to tell
            return
        shard = record.attrs.get(PROGRESS["shard"], "1/1")
        done = [record[name][()] for name in record if name.startswith(PROGRESS["record_prefix"])]
    written, chunks = sum(int(d.sum()) for d in done), sum(d.size for d in done)
    unfinished = str(path).endswith(SCHEMA["partial_suffix"])
    if shard != "1/1" and not unfinished:
        raise PlotError(f"'{path}' is shard {shard} of a sharded run, not a whole result: cells "
                        "outside it are not computed (merge the parts first: scalesweep merge "
                        "PARTS... -o OUT)")
    if unfinished or written < chunks:
        flag = f"--shard {shard} " if shard != "1/1" else ""
        raise PlotError(f"'{path}' is an unfinished run ({written} of {chunks} chunks written): "
                        "the rest is not computed (finish it first: scalesweep run "
                        f"CONFIG -o OUT {flag}--resume)")


def open_result(path):
    import xarray as xr
    try:
        require_complete(path)
        return xr.open_dataset(path, engine="h5netcdf")
    except FileNotFoundError:
        raise PlotError(f"'{path}' does not exist") from None
    except OSError as e:
        raise PlotError(f"'{path}' is not a readable HDF5 file ({e})") from None


def require(ds, kind, *names):
    for name in names:
        if name not in ds.variables:
            hint = {
                LOSS_TARGET["cost"]: "a config with a loss_target axis",
                LOSS_TARGET["N"]: "a config with a loss_target axis",
                BUDGET_CURVE["loss"]: "a config with N, T and budget axes",
                BUDGET["N"]: "a config with a budget axis",
                COST: "a config with N, D and T axes and 'cost' in output.dense",
                LOSS: "a config with N and D axes and 'loss' in output.dense",
            }.get(name, "another config")
            raise PlotError(f"kind '{kind}' needs the variable '{name}', which this file lacks "
                            f"(run {hint})")


def _pyplot():
    # The backend is the caller's choice (a notebook's inline or widget backend); the command
    # line picks Agg in main(), since it only writes files.
    import matplotlib.pyplot as plt
    return plt


def _edges(values, log):
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


def _mesh(ax, x, y, c, x_log, y_log, **kw):
    """pcolormesh of c[y, x] with each cell centred on its (x, y) grid value."""
    return ax.pcolormesh(_edges(x, x_log), _edges(y, y_log), c, shading="flat", **kw)


def _title(ds, what):
    law = ds.attrs.get(ATTRIBUTES["law_preset"], "?")
    objective = ds.attrs.get(ATTRIBUTES["objective"], "?")
    return f"{what}\nlaw {law}, objective {objective}"


def _hardware_index(ds, hardware):
    names = [str(n) for n in ds[HARDWARE_NAME].values]
    if hardware is None:
        return 0, names[0]
    if hardware in names:
        return names.index(hardware), hardware
    raise PlotError(f"no hardware scenario '{hardware}' in this file; it has: {', '.join(names)}")


def _nearest(ds, axis, value, default):
    """The grid value of `axis` nearest to `value` (in log10), saying so when it is not exact."""
    values = ds[axis].values
    if value is None:
        return default(values)
    chosen = values[int(np.argmin(np.abs(np.log10(values + 1e-300) - np.log10(value + 1e-300))))]
    if not np.isclose(chosen, value, rtol=1e-9, atol=0):
        print(f"note: {axis} = {value:g} is not on the grid; using the nearest, {chosen:.6g}",
              file=sys.stderr)
    return chosen


def _ok(status, *arrays):
    """The arrays with NaN wherever the status is not ok."""
    mask = status == OK
    return [np.where(mask, a, np.nan) for a in arrays]


def _loss_T_grid(ds, hardware):
    h, name = _hardware_index(ds, hardware)
    T = ds[DIM_T].values
    keep = T > 0  # log axis: T = 0 (training only) has no place on it
    if keep.sum() < 2:
        raise PlotError("this file's T axis has fewer than two values above 0: nothing to draw")
    return h, name, T[keep], keep, ds[DIM_LOSS_TARGET].values


def _label_loss_T_axes(axes):
    """Panels over (loss target, T): log T upwards, the T label on the first panel only."""
    for ax in axes:
        ax.set_yscale("log")
        ax.set_xlabel("loss target (nats per token)")
    axes[0].set_ylabel("lifetime inference tokens T")


def savings(ds, hardware=None):
    """Cost saved (%) by the inference-aware optimum over the Chinchilla model of the same loss."""
    require(ds, "savings", LOSS_TARGET["cost"], LOSS_TARGET["chinchilla_cost"], LOSS_TARGET["status"])
    plt = _pyplot()
    h, name, T, keep, loss = _loss_T_grid(ds, hardware)
    opt, chin = _ok(ds[LOSS_TARGET["status"]].values[h][keep], ds[LOSS_TARGET["cost"]].values[h][keep],
                    ds[LOSS_TARGET["chinchilla_cost"]].values[h][keep])
    saving = 100 * (1 - opt / chin)
    fig, ax = plt.subplots(figsize=(7.5, 5.2), constrained_layout=True)
    mesh = _mesh(ax, loss, T, saving, False, True, cmap="viridis")
    levels = [lv for lv in (1, 2, 5, 10, 20, 30, 40, 50, 60, 70) if np.nanmin(saving) < lv < np.nanmax(saving)]
    if levels:
        cs = ax.contour(loss, T, saving, levels=levels, colors="white", linewidths=0.8)
        ax.clabel(cs, fmt="%g %%", fontsize=8)
    _label_loss_T_axes([ax])
    fig.colorbar(mesh, ax=ax, label="cost saved vs Chinchilla model of the same loss (%)")
    ax.set_title(_title(ds, "Savings of the inference-aware model" + (f" ({name})" if name != "flops" else "")))
    return fig


def size_ratio(ds, hardware=None):
    """N*/N_chinchilla and D*/N* over (T, loss target)."""
    require(ds, "size-ratio", LOSS_TARGET["N"], LOSS_TARGET["D"], LOSS_TARGET["chinchilla_N"],
            LOSS_TARGET["status"])
    plt = _pyplot()
    from matplotlib.colors import LogNorm
    h, name, T, keep, loss = _loss_T_grid(ds, hardware)
    N, D, Nc = _ok(ds[LOSS_TARGET["status"]].values[h][keep], ds[LOSS_TARGET["N"]].values[h][keep],
                   ds[LOSS_TARGET["D"]].values[h][keep], ds[LOSS_TARGET["chinchilla_N"]].values[h][keep])
    fig, axes = plt.subplots(1, 2, figsize=(12, 5), constrained_layout=True, sharey=True)
    m0 = _mesh(axes[0], loss, T, N / Nc, False, True, cmap="magma")
    cs = axes[0].contour(loss, T, N / Nc, levels=[0.2, 0.3, 0.5, 0.7, 0.9], colors="white", linewidths=0.8)
    axes[0].clabel(cs, fmt="%g", fontsize=8)
    fig.colorbar(m0, ax=axes[0], label="N* / N_chinchilla")
    tpp = D / N
    m1 = _mesh(axes[1], loss, T, tpp, False, True, cmap="cividis",
               norm=LogNorm(vmin=np.nanmin(tpp), vmax=np.nanmax(tpp)))
    fig.colorbar(m1, ax=axes[1], label="training tokens per parameter D*/N*")
    cs = axes[1].contour(loss, T, tpp, levels=[20, 100, 1000, 10000], colors="white", linewidths=0.8)
    axes[1].clabel(cs, fmt="%g", fontsize=8)
    _label_loss_T_axes(axes)
    fig.suptitle(_title(ds, "Model size and data of the inference-aware optimum"))
    return fig


def ratios(ds, hardware=None):
    """N*/N_chinchilla and D*/D_chinchilla against T, one line per loss target."""
    require(ds, "ratios", *(LOSS_TARGET[c] for c in ("N", "D", "chinchilla_N", "chinchilla_D", "status")))
    plt = _pyplot()
    h, name, T, keep, loss = _loss_T_grid(ds, hardware)
    N, D, Nc, Dc = _ok(ds[LOSS_TARGET["status"]].values[h][keep],
                       *(ds[LOSS_TARGET[c]].values[h][keep] for c in ("N", "D", "chinchilla_N", "chinchilla_D")))
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8), constrained_layout=True)
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(loss)))
    # A legend entry per loss target while they are few; a colour bar of loss targets beyond.
    legend = len(loss) <= 10
    for j, (l, c) in enumerate(zip(loss, colors)):
        # The Chinchilla model of this loss is the T = 0 optimum: it names the quality.
        quality = np.nanmax(Nc[:, j])
        label = f"{quality / 1e9:.3g}B quality (loss {l:.4g})" if legend else None
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
    fig.suptitle(_title(ds, "Inference-aware vs Chinchilla models of the same quality"))
    return fig


def budget(ds, hardware=None, budget_value=None):
    """Loss against model size at one budget, one curve per T, optima marked."""
    require(ds, "budget", BUDGET_CURVE["loss"],
            *(BUDGET[c] for c in ("N", "loss", "chinchilla_N", "chinchilla_loss", "status")))
    plt = _pyplot()
    h, name = _hardware_index(ds, hardware)
    C = _nearest(ds, DIM_BUDGET, budget_value, lambda v: v[len(v) // 2])
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
            ax.plot(ds[BUDGET["N"]].values[h, t, b], ds[BUDGET["loss"]].values[h, t, b], "o", color=c, ms=7,
                    markeredgecolor="black")
    chin_N = ds[BUDGET["chinchilla_N"]].values[h, 0, b]
    chin_loss = ds[BUDGET["chinchilla_loss"]].values[h, 0, b]
    ax.plot(chin_N, chin_loss, "*", color="black", ms=14, label=f"Chinchilla optimum ({chin_N / 1e9:.3g}B)")
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
    ax.set_title(_title(ds, f"Loss at a fixed budget of {C:.3g} {units} (training + inference)"))
    return fig


def cost_map(ds, hardware=None, T_value=None):
    """Lifetime cost over (N, D) for one (hardware, T), iso-loss contours, curves of optima."""
    require(ds, "cost-map", COST, LOSS,
            *(LOSS_TARGET[c] for c in ("N", "D", "chinchilla_N", "chinchilla_D", "status")))
    plt = _pyplot()
    from matplotlib.colors import LogNorm
    h, name = _hardware_index(ds, hardware)
    Tv = _nearest(ds, DIM_T, T_value, lambda v: v[-1])
    t = int(np.where(ds[DIM_T].values == Tv)[0][0])
    N, D = ds[DIM_N].values, ds[DIM_D].values
    cost = ds[COST].values[h, t].T  # rows: D, columns: N
    loss = ds[LOSS].values.T
    units = ds.attrs.get(ATTRIBUTES["cost_units"], "")
    fig, ax = plt.subplots(figsize=(8, 6), constrained_layout=True)
    mesh = _mesh(ax, N, D, cost, True, True, cmap="Greys",
                 norm=LogNorm(vmin=np.nanmin(cost[cost > 0]), vmax=np.nanmax(cost)))
    fig.colorbar(mesh, ax=ax, label=f"lifetime cost ({units})")
    levels = ds[DIM_LOSS_TARGET].values[:: max(1, len(ds[DIM_LOSS_TARGET]) // 8)]
    cs = ax.contour(N, D, loss, levels=np.sort(levels), colors="darkgreen", linewidths=0.8)
    ax.clabel(cs, fmt="%.3g", fontsize=7)
    ok = ds[LOSS_TARGET["status"]].values[h, t] == OK
    ax.plot(ds[LOSS_TARGET["N"]].values[h, t][ok], ds[LOSS_TARGET["D"]].values[h, t][ok], "-", color="crimson", lw=2,
            label=f"cost-optimal models at T = {Tv:.0e}")
    ax.plot(ds[LOSS_TARGET["chinchilla_N"]].values[h, t][ok], ds[LOSS_TARGET["chinchilla_D"]].values[h, t][ok], "--",
            color="royalblue",
            lw=2, label="Chinchilla-optimal models (T = 0)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(N[0], N[-1])
    ax.set_ylim(D[0], D[-1])
    ax.set_xlabel("model size N (parameters)")
    ax.set_ylabel("training tokens D")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(_title(ds, f"Lifetime cost at T = {Tv:.0e} inference tokens; contours: loss"))
    return fig


def hardware(ds):
    """The cheapest hardware scenario per (T, loss target) and its cost."""
    require(ds, "hardware", LOSS_TARGET["cost"], LOSS_TARGET["status"], HARDWARE_NAME)
    plt = _pyplot()
    from matplotlib.colors import BoundaryNorm, ListedColormap, LogNorm
    names = [str(n) for n in ds[HARDWARE_NAME].values]
    if len(names) < 2:
        raise PlotError("kind 'hardware' needs at least two hardware scenarios; this file has one")
    T = ds[DIM_T].values
    keep = T > 0
    loss = ds[DIM_LOSS_TARGET].values
    cost = np.where(ds[LOSS_TARGET["status"]].values == OK, ds[LOSS_TARGET["cost"]].values, np.inf)[:, keep]
    best_cost = np.min(cost, axis=0)
    feasible = np.isfinite(best_cost)  # a cell no scenario can reach has no best scenario
    if not feasible.any():
        raise PlotError("no cell of this file has an ok loss-target optimum in any scenario")
    best = np.where(feasible, np.argmin(cost, axis=0), np.nan)
    best_cost[~feasible] = np.nan
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.2), constrained_layout=True, sharey=True)
    cmap = ListedColormap(plt.cm.tab10(np.arange(len(names)) % 10))
    m0 = _mesh(axes[0], loss, T[keep], best, False, True, cmap=cmap,
               norm=BoundaryNorm(np.arange(len(names) + 1) - 0.5, len(names)))
    cb = fig.colorbar(m0, ax=axes[0], ticks=np.arange(len(names)))
    cb.ax.set_yticklabels(names, fontsize=8)
    axes[0].set_title("cheapest hardware scenario", fontsize=10)
    axes[1].set_title("its lifetime cost", fontsize=10)
    m1 = _mesh(axes[1], loss, T[keep], best_cost, False, True, cmap="viridis",
               norm=LogNorm(vmin=np.nanmin(best_cost), vmax=np.nanmax(best_cost)))
    fig.colorbar(m1, ax=axes[1], label=f"lifetime cost ({ds.attrs.get(ATTRIBUTES['cost_units'], '')})")
    _label_loss_T_axes(axes)
    fig.suptitle(_title(ds, "Cheapest hardware per cell and its cost"))
    return fig


def plot(ds, kind, hardware_name=None, T_value=None, budget_value=None):
    """The figure of `kind` for an open result (xarray Dataset)."""
    if kind == "savings":
        return savings(ds, hardware_name)
    if kind == "size-ratio":
        return size_ratio(ds, hardware_name)
    if kind == "ratios":
        return ratios(ds, hardware_name)
    if kind == "budget":
        return budget(ds, hardware_name, budget_value)
    if kind == "cost-map":
        return cost_map(ds, hardware_name, T_value)
    if kind == "hardware":
        return hardware(ds)
    raise PlotError(f"unknown kind '{kind}'; kinds are: {', '.join(KINDS)}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("result", help="scalesweep result file (HDF5)")
    ap.add_argument("--kind", required=True, help="one of: " + ", ".join(KINDS))
    ap.add_argument("-o", "--output", required=True, help="image file (.png, .pdf, .svg)")
    ap.add_argument("--hardware", help="hardware scenario name (default: the first)")
    ap.add_argument("--T", type=float, help="inference tokens for cost-map (nearest; default: the largest)")
    ap.add_argument("--budget", type=float, help="budget for the budget kind (nearest; default: the middle)")
    ap.add_argument("--dpi", type=int, default=120)
    a = ap.parse_args(argv)
    import matplotlib
    matplotlib.use("Agg")  # files only: no display needed
    try:
        if a.kind not in KINDS:
            raise PlotError(f"unknown kind '{a.kind}'; kinds are: {', '.join(KINDS)}")
        for flag, value, kinds in (("--T", a.T, ("cost-map",)), ("--budget", a.budget, ("budget",)),
                                   ("--hardware", a.hardware, ("savings", "size-ratio", "ratios",
                                                               "budget", "cost-map"))):
            if value is not None and a.kind not in kinds:
                raise PlotError(f"{flag} applies to kind {' or '.join(kinds)}, not '{a.kind}'")
        with open_result(a.result) as ds:
            fig = plot(ds, a.kind, a.hardware, a.T, a.budget)
            try:
                fig.savefig(a.output, dpi=a.dpi)
            except (OSError, ValueError) as e:
                raise PlotError(f"cannot write '{a.output}': {e}") from None
    except PlotError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"wrote {a.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
