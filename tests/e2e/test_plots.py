"""scalesweep.plot through its command line (scripts/plot.py): every kind draws a PNG headless
from the shipped configs' results; a wrong kind, a file without the needed variables, a missing
file, a shard part or an unfinished run gives a clear error. The kinds that draw optima draw
every cell that holds one (status ok or constrained) at the file's values, and blank the rest."""
import subprocess
import sys

import numpy as np
import pytest

from conftest import SOURCE_DIR, interrupt_slow_run
from run_configs import write_config

from scalesweep.results import open as open_result
import scalesweep.plot as plot_module
from scalesweep.schema import ATTRIBUTES, SCHEMA

PLOT = SOURCE_DIR / "scripts" / "plot.py"


def has_optimum(status):
    """Whether cells hold an optimum: status ok (0) or constrained (6, the optimum on a serving
    bound), spelled here apart from the package's rule so that the tests check it."""
    return np.isin(status, (0, 6))


def with_optimum(status, x):
    """x with NaN wherever the cell has no optimum: what the plots draw of it."""
    return np.where(has_optimum(status), x, np.nan)


KINDS = [  # (kind, shipped config, extra arguments)
    ("savings", "sardana2024-fig1", []),
    ("size-ratio", "sardana2024-fig1", []),
    ("ratios", "sardana2024-section2", []),
    ("budget", "lesson", ["--budget", "5.623413251903491e23"]),
    ("cost-map", "lesson", ["--T", "1e12"]),
    ("hardware", "hardware-compare", []),
    ("implied-demand", "implied-demand", ["--mark", "llama3-8b=8.03e9:15e12,phi4-mini=3.84e9:5e12"]),
    ("bands", "sardana2024-fig1-uncertainty", []),
    ("regret-map", "unknown-demand", ["--loss-target", "2.1"]),
    ("robust", "unknown-demand", []),
]


@pytest.fixture(scope="module")
def results(tmp_path_factory, scalesweep):
    d = tmp_path_factory.mktemp("results")
    out = {}
    for name in {c for _, c, _ in KINDS}:
        out[name] = d / f"{name}.h5"
        scalesweep("run", SOURCE_DIR / "configs" / f"{name}.toml", "-o", out[name], "--quiet")
    return out


@pytest.fixture(autouse=True)
def close_figures():
    """pyplot keeps every figure it made until closed: close each test's, so that the module's
    many figures stay below matplotlib's warning about open ones."""
    yield
    import matplotlib.pyplot as plt
    plt.close("all")


def plot(*args):
    return subprocess.run([sys.executable, PLOT, *map(str, args)], capture_output=True, text=True,
                          env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"})


@pytest.mark.parametrize("kind,config,extra", KINDS, ids=[k for k, _, _ in KINDS])
def test_every_kind_writes_a_png(tmp_path, results, kind, config, extra):
    out = tmp_path / f"{kind}.png"
    proc = plot(results[config], "--kind", kind, "-o", out, *extra)
    assert proc.returncode == 0, proc.stderr
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


def test_fit_kind_draws_a_samples_file(tmp_path):
    """The shipped preset: the data its file records (found beside data/), 4,000 resamples."""
    out = tmp_path / "fit.png"
    proc = plot(SOURCE_DIR / "data" / "epoch2024-bootstrap.h5", "--kind", "fit", "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 20_000
    fig = plot_module.plot(plot_module.open_law_samples(SOURCE_DIR / "data" /
                                                        "epoch2024-bootstrap.h5"), "fit")
    scatter = [a for a in fig.axes if a.get_visible() and len(a.collections) == 1
               and a.collections[0].get_offsets().shape[0] == 4000]
    assert len(scatter) == 10  # every pair of the five constants
    proc = plot(tmp_path / "fit.png", "--kind", "fit", "-o", tmp_path / "x.png")
    assert proc.returncode == 2 and "it is not a readable HDF5 file" in proc.stderr, proc.stderr


def test_bands_are_the_files_quantiles(results):
    """The band kind draws the file's lowest and highest levels around its median."""
    import h5py
    with open_result(results["sardana2024-fig1-uncertainty"]) as ds:
        fig = plot_module.plot(ds, "bands", loss_target=2.2)
    with h5py.File(results["sardana2024-fig1-uncertainty"], "r") as f:
        l = int(np.argmin(np.abs(f["loss_target"][()] - 2.2)))
        ratio = f["opt_N_ratio_quantile"][:, 0, :, l]
    line = fig.axes[0].lines[0].get_ydata()
    np.testing.assert_array_equal(line, ratio[1])  # the median (levels 0.05, 0.5, 0.95)
    band = fig.axes[0].collections[0].get_paths()[0].vertices[:, 1]
    assert np.isclose(band.min(), ratio[0].min()) and np.isclose(band.max(), ratio[2].max())


def test_importable_and_titles_name_law_and_objective(results):
    with open_result(results["hardware-compare"]) as ds:
        fig = plot_module.plot(ds, "hardware")
        assert "law sardana2024, objective usd" in fig._suptitle.get_text()
    with open_result(results["lesson"]) as ds:
        fig = plot_module.plot(ds, "budget", budget=5.5e23)
        assert "law chinchilla, objective flops" in fig._suptitle.get_text()
        assert fig.axes[0].get_xscale() == "log"


def test_unknown_kind(tmp_path, results):
    proc = plot(results["lesson"], "--kind", "heatmap", "-o", tmp_path / "x.png")
    assert proc.returncode == 2
    assert ("unknown kind 'heatmap'; kinds are: savings, size-ratio, ratios, budget, cost-map, "
            "hardware, implied-demand, bands, fit, regret-map, robust") in proc.stderr
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("kind,config,missing", [
    ("budget", "hardware-compare", "budget_curve_loss"),
    ("cost-map", "sardana2024-fig1", "cost"),
    ("savings", "lesson-without-optima", "opt_cost"),
])
def test_missing_variables_are_named(tmp_path, results, scalesweep, kind, config, missing):
    path = results.get(config)
    if path is None:  # a result with dense grids only
        cfg = tmp_path / "dense.toml"
        cfg.write_text('[law]\npreset = "chinchilla"\n[axes]\nN = { log10 = [8, 12], points = 5 }\n'
                       'D = { log10 = [9, 13], points = 5 }\n')
        path = tmp_path / "dense.h5"
        scalesweep("run", cfg, "-o", path, "--quiet")
    proc = plot(path, "--kind", kind, "-o", tmp_path / "x.png")
    assert proc.returncode == 2
    assert f"kind '{kind}' needs the variable '{missing}'" in proc.stderr, proc.stderr
    assert not (tmp_path / "x.png").exists()


def test_shard_part_is_refused_and_merged_file_plots(tmp_path, scalesweep):
    """A part of a sharded run holds no results outside its own chunks: plot.py refuses
    it (exit 2, a merge hint, no image) instead of crashing in matplotlib; the merged file plots."""
    cfg = tmp_path / "hw.toml"
    cfg.write_text('[law]\npreset = "sardana2024"\n[objective]\nkind = "usd"\n'
                   '[[hardware]]\nname = "a"\npreset = "sardana2024-default"\n'
                   '[[hardware]]\nname = "b"\npreset = "b200-fp8"\n'
                   '[axes]\nT = { values = [1e9, 1e10, 1e11, 1e12] }\n'
                   'loss_target = { values = [2.0, 2.1, 2.2, 2.3] }\n[output]\nchunk_cells = 4\n')
    for i in (1, 2):
        scalesweep("run", cfg, "--shard", f"{i}/2", "--tile-cells", "4", "-o", tmp_path / f"p{i}.h5",
                   "--quiet")
    progress = scalesweep.json("inspect", tmp_path / "p2.h5")["progress"]
    assert 0 < progress["chunks_done"] < progress["chunks"]  # really one part of the grid
    proc = plot(tmp_path / "p2.h5", "--kind", "hardware", "-o", tmp_path / "x.png")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(f"error: '{tmp_path / 'p2.h5'}' is shard 2/2 of a sharded run")
    assert "merge the parts first: scalesweep merge PARTS... -o OUT" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "x.png").exists()
    scalesweep("merge", tmp_path / "p1.h5", tmp_path / "p2.h5", "-o", tmp_path / "all.h5")
    proc = plot(tmp_path / "all.h5", "--kind", "hardware", "-o", tmp_path / "all.png")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "all.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_unfinished_run_is_refused(tmp_path, binary):
    """An interrupted run's OUT.partial (SIGTERM, as a batch system's time limit): exit 2 with a
    resume hint, no image."""
    cfg = write_config(tmp_path)
    interrupt_slow_run(binary, cfg, tmp_path / "u.h5")
    assert (tmp_path / "u.h5.partial").exists() and not (tmp_path / "u.h5").exists()
    proc = plot(tmp_path / "u.h5.partial", "--kind", "hardware", "-o", tmp_path / "x.png")
    assert proc.returncode == 2, proc.stderr
    assert "u.h5.partial' is an unfinished run (" in proc.stderr and "--resume" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "x.png").exists()


def test_other_format_versions_are_refused(tmp_path, results):
    """The package takes its names from python/scalesweep/result_schema.json, which describes one
    format version: a file of another is refused with both versions named, not misread."""
    import shutil
    import h5py
    version = SCHEMA["format_version"]
    path = tmp_path / "next.h5"
    shutil.copy(results["lesson"], path)
    with h5py.File(path, "r+") as f:
        assert f.attrs[ATTRIBUTES["format_version"]] == version
        f.attrs[ATTRIBUTES["format_version"]] = version + 1
    proc = plot(path, "--kind", "budget", "-o", tmp_path / "x.png")
    assert proc.returncode == 2, proc.stderr
    assert f"has result format {version + 1}; this scalesweep package reads format {version} only" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "x.png").exists()


def test_missing_file(tmp_path):
    proc = plot(tmp_path / "nope.h5", "--kind", "savings", "-o", tmp_path / "x.png")
    assert proc.returncode == 2 and "does not exist" in proc.stderr


def test_make_figures_draws_every_shipped_figure(tmp_path, binary):
    """scripts/make_figures.sh, pointed at another folder, draws the same set of PNGs that
    docs/figures/ holds (the shipped ones are what it drew)."""
    build_dir = tmp_path / "build"
    build_dir.mkdir()
    (build_dir / "scalesweep").symlink_to(binary)
    proc = subprocess.run(["bash", SOURCE_DIR / "scripts" / "make_figures.sh", build_dir],
                          capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "PYTHON": sys.executable,
                               "FIGURES": str(tmp_path / "figures")})
    assert proc.returncode == 0, proc.stderr
    drawn = sorted(p.name for p in (tmp_path / "figures").glob("*.png"))
    shipped = sorted(p.name for p in (SOURCE_DIR / "docs" / "figures").glob("*.png"))
    assert len(drawn) == 11 and drawn == shipped


def test_savings_mesh_holds_the_files_values_centred_on_the_grid(results):
    """The heatmap's cells are 100 (1 - opt_cost / chinchilla_cost), read here with h5py, at
    (T, loss target) with T > 0 (T along x, as the paper draws it), each cell centred on its grid
    value on the log T axis."""
    import h5py
    import numpy as np
    path = results["sardana2024-fig1"]
    with h5py.File(path, "r") as f:
        T = f["T"][()]
        keep = T > 0
        status = f["opt_status"][0][keep]
        expected = 100 * (1 - f["opt_cost"][0][keep] / f["chinchilla_cost"][0][keep])
        expected[~has_optimum(status)] = np.nan
    with open_result(path) as ds:
        fig = plot_module.plot(ds, "savings")
    mesh = fig.axes[0].collections[0]
    got = np.asarray(mesh.get_array(), dtype=float).reshape(expected.T.shape)
    assert np.allclose(got, expected.T, rtol=0, atol=1e-9, equal_nan=True)
    # Cell edges: geometric midpoints, so the column of T sits between its neighbours' midpoints.
    edges_T = mesh.get_coordinates()[0, :, 0]
    assert np.allclose(edges_T[1:-1], np.sqrt(T[keep][1:] * T[keep][:-1]), rtol=1e-12)


def test_hardware_kind_leaves_cells_no_scenario_reaches_empty(tmp_path, scalesweep):
    """Loss targets at or below E (1.69 for sardana2024) are infeasible everywhere: no scenario
    may be painted there as the cheapest."""
    import numpy as np
    cfg = tmp_path / "hw.toml"
    cfg.write_text('[law]\npreset = "sardana2024"\n[objective]\nkind = "usd"\n'
                   '[[hardware]]\nname = "a"\npreset = "sardana2024-default"\n'
                   '[[hardware]]\nname = "b"\npreset = "b200-fp8"\n'
                   '[axes]\nT = { values = [1e9, 1e12] }\nloss_target = { values = [1.6, 1.69, 2.0, 2.2] }\n')
    scalesweep("run", cfg, "-o", tmp_path / "hw.h5", "--quiet")
    with open_result(tmp_path / "hw.h5") as ds:
        fig = plot_module.plot(ds, "hardware")
    best = np.ma.filled(np.ma.asarray(fig.axes[0].collections[0].get_array(), dtype=float),
                        np.nan).reshape(4, 2)  # rows: loss targets
    assert np.isnan(best[:2]).all()  # loss 1.6 and 1.69 <= E
    assert np.isin(best[2:], [0, 1]).all()


def test_options_for_other_kinds_and_unwritable_outputs_are_refused(tmp_path, results):
    proc = plot(results["sardana2024-fig1"], "--kind", "savings", "--T", "1e12", "-o", tmp_path / "x.png")
    assert proc.returncode == 2 and "--T applies to kind cost-map, not 'savings'" in proc.stderr
    proc = plot(results["sardana2024-fig1"], "--kind", "savings", "-o", tmp_path / "no" / "x.png")
    assert proc.returncode == 2 and f"output directory '{tmp_path / 'no'}' does not exist" in proc.stderr


def _mesh_values(fig, panel, shape):
    """The values of the heatmap of the figure's panel-th plot (colour bars are not panels)."""
    import numpy as np
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    mesh = panels[panel].collections[0]
    return np.ma.filled(np.ma.asarray(mesh.get_array(), dtype=float), np.nan).reshape(shape)


def test_regret_map_and_robust_lines_hold_the_files_values(results):
    """regret-map: 100 x regret at the chosen loss target over (T_plan along x, T up), read here
    with h5py, the diagonal (0 on a log colour scale) blank; robust: per spread, robust_N / opt_N
    and 100 x robust_regret against T at that loss target."""
    import h5py
    path = results["unknown-demand"]
    with h5py.File(path, "r") as f:
        l = list(f["loss_target"][()]).index(2.0)
        regret = 100 * f["regret"][0][:, :, l]
        regret[~has_optimum(f["regret_status"][0][:, :, l])] = np.nan
        regret[regret == 0] = np.nan
        ratio = f["robust_N"][0][:, :, l] / f["opt_N"][0][:, l]
        worst = 100 * f["robust_regret"][0][:, :, l]
        T = f["T"][()]
        assert (T > 0).all()
    assert np.isnan(np.diag(regret)).all()
    with open_result(path) as ds:
        fig = plot_module.plot(ds, "regret-map", loss_target=2.0)
        got = np.asarray(fig.axes[0].collections[0].get_array(), dtype=float)
        assert np.allclose(got.reshape(regret.shape), regret.T, rtol=1e-15, atol=0, equal_nan=True)
        fig = plot_module.plot(ds, "robust", loss_target=2.0)
    left, right = fig.axes[:2]
    assert len(left.lines) == len(ratio) + 1  # one per spread, and the line at 1
    for s in range(len(ratio)):
        np.testing.assert_allclose(left.lines[s].get_xydata(), np.column_stack([T, ratio[s]]), rtol=1e-15)
        np.testing.assert_allclose(right.lines[s].get_xydata(), np.column_stack([T, worst[s]]), rtol=1e-15)


def test_robust_kind_under_law_samples_draws_the_quantile_bands(tmp_path, scalesweep):
    """A file swept under [law] samples holds the robust model's quantiles, not robust_N: the
    robust kind draws, per spread, the median of robust_N_quantile and 100 x
    robust_regret_quantile in the band of the lowest and highest levels, and the point optimum's
    median N dashed; the PNG is written through the CLI too."""
    import h5py
    path = tmp_path / "robust-samples.h5"
    scalesweep("run", SOURCE_DIR / "configs" / "unknown-demand-uncertainty.toml", "-o", path,
               "--quiet")
    with h5py.File(path, "r") as f:
        l = list(f["loss_target"][()]).index(2.1)
        robust_N = f["robust_N_quantile"][:, 0, :, :, l]  # (quantile, spread, T)
        regret = 100 * f["robust_regret_quantile"][:, 0, :, :, l]
        opt_N = f["opt_N_quantile"][1, 0, :, l]
        T = f["T"][()]
    with open_result(path) as ds:
        fig = plot_module.plot(ds, "robust", loss_target=2.1)
    left, right = fig.axes[:2]
    spreads = robust_N.shape[1]
    assert len(left.lines) == spreads + 1 and len(right.lines) == spreads
    for s in range(spreads):
        np.testing.assert_array_equal(left.lines[s].get_ydata(), robust_N[1, s])
        np.testing.assert_array_equal(right.lines[s].get_ydata(), regret[1, s])
        band = right.collections[s].get_paths()[0].vertices[:, 1]
        assert np.isclose(band.min(), regret[0, s].min()) and np.isclose(band.max(), regret[2, s].max())
    np.testing.assert_array_equal(left.lines[-1].get_xydata(), np.column_stack([T, opt_N]))
    out = tmp_path / "robust.png"
    proc = plot(path, "--kind", "robust", "--loss-target", "2.1", "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 20_000


def test_size_ratio_hardware_and_cost_map_meshes_hold_the_files_values(results):
    """Each kind's heatmap against the same quantity computed here from the file with h5py: the
    size-ratio panels N*/N_chin (Fig. 1b), D*/D_chin (Fig. 1c) and D*/N*, the hardware panels
    argmin and min of opt_cost over the scenarios (all over (loss target, T), T along x), and
    the cost map's cost[h, t] over (D, N)."""
    import h5py
    import numpy as np

    with h5py.File(results["sardana2024-fig1"], "r") as f:
        keep = f["T"][()] > 0
        status = f["opt_status"][0][keep]
        ratio = with_optimum(status, f["opt_N"][0][keep] / f["chinchilla_N"][0][keep]).T
        data = with_optimum(status, f["opt_D"][0][keep] / f["chinchilla_D"][0][keep]).T
        tpp = with_optimum(status, f["opt_D"][0][keep] / f["opt_N"][0][keep]).T
    with open_result(results["sardana2024-fig1"]) as ds:
        fig = plot_module.plot(ds, "size-ratio")
    for panel, expected in enumerate((ratio, data, tpp)):
        assert np.allclose(_mesh_values(fig, panel, expected.shape), expected, rtol=1e-14,
                           equal_nan=True), panel

    with h5py.File(results["hardware-compare"], "r") as f:
        keep = f["T"][()] > 0
        cost = f["opt_cost"][:, keep, :]
        usable = has_optimum(f["opt_status"][:, keep, :])
    best = np.full(cost.shape[1:], np.nan)
    best_cost = np.full(cost.shape[1:], np.nan)
    for t, l in np.ndindex(*cost.shape[1:]):
        candidates = [(cost[h, t, l], h) for h in range(cost.shape[0]) if usable[h, t, l]]
        if candidates:
            best_cost[t, l], best[t, l] = min(candidates)
    assert np.isfinite(best).any()
    with open_result(results["hardware-compare"]) as ds:
        fig = plot_module.plot(ds, "hardware")
    assert np.array_equal(_mesh_values(fig, 0, best.T.shape), best.T, equal_nan=True)
    assert np.allclose(_mesh_values(fig, 1, best_cost.T.shape), best_cost.T, rtol=0, equal_nan=True)

    with h5py.File(results["lesson"], "r") as f:
        t = int(np.argmin(np.abs(f["T"][()] - 1e12)))
        expected = f["cost"][0, t].T
    with open_result(results["lesson"]) as ds:
        fig = plot_module.plot(ds, "cost-map", T=1e12)
    assert np.allclose(_mesh_values(fig, 0, expected.shape), expected, rtol=0, equal_nan=True)


def _text_inside(fig, text):
    """Whether the drawn text lies wholly inside its axes (in display coordinates)."""
    renderer = fig.canvas.get_renderer()
    box = text.get_window_extent(renderer)
    axes = text.axes.get_window_extent(renderer)
    return (box.x0 >= axes.x0 and box.x1 <= axes.x1 and box.y0 >= axes.y0
            and box.y1 <= axes.y1)


def test_contour_levels_are_round_and_their_labels_inside_the_axes(results):
    """cost-map's iso-loss lines at round losses (steps of 1, 2, 2.5 or 5 times a power of ten),
    savings' at whole percentages; every contour label drawn wholly inside its axes."""
    with open_result(results["lesson"]) as ds:
        fig = plot_module.plot(ds, "cost-map", T=1e12)
    contours = [c for c in fig.axes[0].collections if hasattr(c, "levels")]
    levels = np.asarray(contours[-1].levels)
    step = np.diff(levels)
    assert np.allclose(step, step[0]) and any(np.isclose(step[0], s) for s in (0.1, 0.2, 0.25, 0.5))
    assert np.allclose(levels / step[0], np.round(levels / step[0]))
    with open_result(results["sardana2024-fig1"]) as ds:
        fig2 = plot_module.plot(ds, "savings")
    for f in (fig, fig2):
        f.canvas.draw()
        labels = [t for ax in f.axes for c in ax.collections if hasattr(c, "labelTexts")
                  for t in c.labelTexts]
        assert labels and all(_text_inside(f, t) for t in labels)


def test_quality_marks_sit_at_the_chinchilla_models_losses(results):
    """The dashed lines of savings and size-ratio sit at the loss targets whose Chinchilla model
    (chinchilla_N, read with h5py) has 7B, 13B and 30B parameters (70B is below the grid)."""
    import h5py
    with h5py.File(results["sardana2024-fig1"], "r") as f:
        loss, chinchilla_N = f["loss_target"][()], f["chinchilla_N"][0, 0]
    with open_result(results["sardana2024-fig1"]) as ds:
        fig = plot_module.plot(ds, "savings")
    ax = fig.axes[0]
    marks = {t.get_text(): t.xy[1] for t in ax.texts if t.get_text().endswith("B quality")}
    assert sorted(marks) == ["13B quality", "30B quality", "7B quality"]
    for name, y in marks.items():
        N0 = float(name.split("B")[0]) * 1e9
        j = int(np.argmin(np.abs(np.log(chinchilla_N / N0))))
        assert abs(chinchilla_N[j] / N0 - 1) < 0.03  # the grid holds a loss near the mark
        assert abs(y - loss[j]) <= abs(loss[1] - loss[0])  # within one grid step of it


def test_budget_legend_reads_powers_of_ten_and_the_right_panel_parts_the_optima(results):
    with open_result(results["lesson"]) as ds:
        fig = plot_module.plot(ds, "budget", budget=5.623413251903491e23)
        b = int(np.argmin(np.abs(ds["budget"].values / 5.623413251903491e23 - 1)))
        gaps = ds["budget_loss"].values[0, 1:, b] - ds["budget_chinchilla_loss"].values[0, 0, b]
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "T = $10^{9}$ tokens" in labels and not any("e+" in lab for lab in labels)
    right = fig.axes[1]
    assert right.get_yscale() == "log"
    dots = sorted(line.get_ydata()[0] for line in right.lines if line.get_marker() == "o")
    assert np.allclose(dots, np.sort(gaps), rtol=1e-12)  # the optima's losses above Chinchilla's
    assert len(set(np.round(np.log10(dots), 1))) == len(dots)  # told apart on the log scale


def test_hardware_colours_follow_names_and_the_legend_lists_winners(tmp_path, scalesweep):
    """The same scenario has the same colour in two files that list the scenarios in another
    order, and only scenarios that are cheapest somewhere appear in the legend."""
    from matplotlib.colors import to_hex
    paths = []
    for order in (("a", "b", "c"), ("c", "a", "b")):
        cfg = tmp_path / f"{''.join(order)}.toml"
        presets = {"a": "sardana2024-default", "b": "b200-fp8", "c": "h100-bf16-serving"}
        tables = "".join(f'[[hardware]]\nname = "{n}"\npreset = "{presets[n]}"\n' for n in order)
        cfg.write_text('[law]\npreset = "sardana2024"\n[objective]\nkind = "usd"\n' + tables +
                       '[axes]\nT = { values = [1e9, 1e12, 1e15] }\n'
                       'loss_target = { values = [2.0, 2.2] }\n')
        paths.append(tmp_path / f"{''.join(order)}.h5")
        scalesweep("run", cfg, "-o", paths[-1], "--quiet")
    from scalesweep.plot._common import hardware_names
    colours = []
    for path in paths:
        with open_result(path) as ds:
            fig = plot_module.plot(ds, "hardware")
            cost = np.where(has_optimum(ds["opt_status"].values), ds["opt_cost"].values, np.inf)
            names = hardware_names(ds)  # the scenario names, however the file stores them
            winners = {names[i] for i in np.unique(np.argmin(cost, axis=0))}
        legend = fig.axes[0].get_legend()
        shown = {t.get_text(): to_hex(p.get_facecolor()) for t, p in
                 zip(legend.get_texts(), legend.legend_handles)}
        assert set(shown) == winners and len(winners) < 3
        colours.append(shown)
    for name in set(colours[0]) & set(colours[1]):
        assert colours[0][name] == colours[1][name], name
    assert set(colours[0]) & set(colours[1])


@pytest.mark.parametrize("kind", ["savings", "size-ratio", "ratios"])
def test_titles_name_the_scenario_drawn(results, kind):
    """Under a cost objective every per-scenario kind says which scenario it draws."""
    with open_result(results["hardware-compare"]) as ds:
        fig = plot_module.plot(ds, kind, hardware="b200-fp8")
    text = fig._suptitle.get_text() if fig._suptitle else fig.axes[0].get_title()
    assert "objective usd, scenario b200-fp8" in text, text


# A small sweep under a memory bound (SPEC §5.2: the weights fit one H100, N_max 3.2e10 at bf16,
# 6.4e10 at fp8), with every grid the optimum kinds read: the lowest loss targets, and the largest
# budgets, get their optimum on N = N_max (status constrained), also as regret and robust cells.
CONSTRAINED_CONFIG = """
[law]
preset = "sardana2024"
[objective]
kind = "usd"
[[hardware]]
name = "h100-bf16"
preset = "h100-bf16-serving"
[[hardware]]
name = "h100-fp8"
preset = "sardana2024-default"
[constraints]
memory = true
[axes]
T = { values = [0, 1e10, 1e11, 1e12, 1e13, 1e14] }
loss_target = { linear = [1.85, 2.3], points = 10 }
budget = { log10 = [6, 9], points = 7 }
N = { log10 = [8, 12], points = 41 }
D = { log10 = [9, 14], points = 41 }
spread = { values = [3, 30] }
[output]
dense = ["loss", "cost", "budget_curve", "regret"]
"""


@pytest.fixture(scope="module")
def constrained(tmp_path_factory, scalesweep):
    d = tmp_path_factory.mktemp("constrained")
    (d / "constrained.toml").write_text(CONSTRAINED_CONFIG)
    scalesweep("run", d / "constrained.toml", "-o", d / "constrained.h5", "--quiet")
    return d / "constrained.h5"


# Per kind: (options, a function of (figure, the file's arrays, T > 0) giving what the figure draws,
# the same computed from the file, and where the file's status is constrained), for the first
# scenario (h100-bf16) and, where a kind takes one, the lowest loss target or a budget and T at
# which the bound binds.
def _savings(fig, f, keep):
    status = f["opt_status"][0][keep]
    saving = 100 * (1 - f["opt_cost"][0][keep] / f["chinchilla_cost"][0][keep])
    expected = with_optimum(status, saving).T
    return _mesh_values(fig, 0, expected.shape), expected, (status == 6).T


def _size_ratio(fig, f, keep):
    status = f["opt_status"][0][keep]
    N, D, Nc, Dc = (f[c][0][keep] for c in ("opt_N", "opt_D", "chinchilla_N", "chinchilla_D"))
    expected = np.stack([with_optimum(status, x).T for x in (N / Nc, D / Dc, D / N)])
    drawn = np.stack([_mesh_values(fig, p, expected[p].shape) for p in range(3)])
    return drawn, expected, np.broadcast_to((status == 6).T, expected.shape)


def _ratios(fig, f, keep):
    status = f["opt_status"][0][keep]
    N, D, Nc, Dc = (f[c][0][keep] for c in ("opt_N", "opt_D", "chinchilla_N", "chinchilla_D"))
    expected = np.stack([with_optimum(status, N / Nc), with_optimum(status, D / Dc)])
    drawn = np.stack([np.column_stack([line.get_ydata() for line in ax.lines])
                      for ax in fig.axes[:2]])
    return drawn, expected, np.broadcast_to(status == 6, expected.shape)


def _budget(fig, f, keep):
    b = int(np.argmin(np.abs(np.log10(f["budget"]) - 7.5)))  # on N_max up to T = 1e12
    status = f["budget_status"][0][:, b]
    optimum = has_optimum(status)
    dots = [line for line in fig.axes[0].lines
            if line.get_marker() == "o" and len(line.get_xdata())]  # not the legend's samples
    drawn = np.array([line.get_xydata()[0] for line in dots])
    expected = np.column_stack([f["budget_N"][0][:, b], f["budget_loss"][0][:, b]])[optimum]
    # A constrained optimum is a hollow marker, an ok one filled.
    from matplotlib.colors import to_rgba
    hollow = [to_rgba(line.get_markerfacecolor())[3] == 0 for line in dots]
    assert hollow == list(status[optimum] == 6)
    return drawn, expected, np.broadcast_to((status[optimum] == 6)[:, None], expected.shape)


def _cost_map(fig, f, keep):
    t = list(f["T"][()]).index(1e12)
    status = f["opt_status"][0][t]
    optimum = has_optimum(status)
    line = next(line for line in fig.axes[0].lines if line.get_color() == "crimson")
    expected = np.column_stack([f["opt_N"][0][t], f["opt_D"][0][t]])[optimum]
    return line.get_xydata(), expected, np.broadcast_to((status[optimum] == 6)[:, None],
                                                        expected.shape)


def _hardware(fig, f, keep):
    status = f["opt_status"][:, keep]
    cost = np.where(has_optimum(status), f["opt_cost"][:, keep], np.inf)
    best_cost = np.min(cost, axis=0)
    feasible = np.isfinite(best_cost)  # a cell no scenario reaches is blank
    best = np.where(feasible, np.argmin(cost, axis=0), np.nan)
    best_cost[~feasible] = np.nan
    winner_status = np.take_along_axis(status, np.argmin(cost, axis=0)[None], axis=0)[0]
    expected = np.stack([best.T, best_cost.T])
    drawn = np.stack([_mesh_values(fig, p, best.T.shape) for p in range(2)])
    return drawn, expected, np.broadcast_to((winner_status == 6).T, expected.shape)


def _regret_map(fig, f, keep):
    status = f["regret_status"][0][:, :, 0][np.ix_(keep, keep)]
    regret = with_optimum(status, 100 * f["regret"][0][:, :, 0][np.ix_(keep, keep)])
    shown = np.where(regret > 0, regret, np.nan).T  # 0 (planned right) has no place on a log scale
    return _mesh_values(fig, 0, shown.shape), shown, ((status == 6) & (regret > 0)).T


def _robust(fig, f, keep):
    opt_status, robust_status = f["opt_status"][0][keep, 0], f["robust_status"][0][:, keep, 0]
    ratio = (with_optimum(robust_status, f["robust_N"][0][:, keep, 0]) /
             with_optimum(opt_status, f["opt_N"][0][keep, 0]))
    regret = with_optimum(robust_status, 100 * f["robust_regret"][0][:, keep, 0])
    expected = np.stack([ratio, np.where(regret > 0, regret, np.nan)])
    spreads = len(ratio)
    drawn = np.stack([[line.get_ydata() for line in ax.lines[:spreads]] for ax in fig.axes[:2]])
    on_bound = (robust_status == 6) | (opt_status == 6)
    return drawn, expected, np.stack([on_bound, on_bound & (regret > 0)])


CONSTRAINED_KINDS = {
    "savings": ({}, _savings),
    "size-ratio": ({}, _size_ratio),
    "ratios": ({}, _ratios),
    "budget": ({"budget": 10 ** 7.5}, _budget),
    "cost-map": ({"T": 1e12}, _cost_map),
    "hardware": ({}, _hardware),
    "regret-map": ({"loss_target": 1.85}, _regret_map),
    "robust": ({"loss_target": 1.85}, _robust),
}


@pytest.mark.parametrize("kind", CONSTRAINED_KINDS)
def test_constrained_cells_are_drawn_with_the_files_values(constrained, kind):
    """A cell of status constrained (the optimum on the serving bound N = N_max, exact like ok's)
    holds a real optimum: each kind that draws optima draws it, at the file's value (read here with
    h5py), as it draws an ok cell; only cells of other statuses are blank."""
    import h5py
    options, drawn_and_expected = CONSTRAINED_KINDS[kind]
    with h5py.File(constrained, "r") as f:
        arrays = {name: f[name][()] for name in f if isinstance(f[name], h5py.Dataset)}
    with open_result(constrained) as ds:
        fig = plot_module.plot(ds, kind, **options)
    drawn, expected, on_bound = drawn_and_expected(fig, arrays, arrays["T"] > 0)
    assert on_bound.any()  # the bound binds where this kind draws
    np.testing.assert_allclose(drawn, expected, rtol=1e-14, atol=0, equal_nan=True)
    assert np.isfinite(drawn[on_bound]).all()
