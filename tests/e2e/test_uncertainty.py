"""Sweeps under law uncertainty (SPEC §5.5) end to end: [law] samples adds a sample axis whose
per-cell quantiles equal numpy's `quantile` over S separate one-law runs (the reference: each
sample's constants run as a custom law, then numpy), keep_samples writes those runs' variables
along `sample`, and bad samples or [uncertainty] input exits 2 with no output file."""
import math
import shutil

import h5py
import numpy as np
import pytest

from conftest import SOURCE_DIR

DATA = SOURCE_DIR / "data" / "chinchilla-fig4-besiroglu2024.csv"
COLUMNS = ["--N-column", "Model Size", "--flops-column", "Training FLOP",
           "--exclude-highest-loss", "5"]
HOFFMANN = "6.0073404,6.0179186,0.5267228,0.33917084,0.2849083"
CONSTANTS = ["E", "A", "B", "alpha", "beta"]
QUANTILES = [0.05, 0.25, 0.5, 0.9, 0.95]


@pytest.fixture(scope="module")
def samples(tmp_path_factory, binary):
    """Nine bootstrap fits of the shipped data: laws that differ as the preset's do."""
    import subprocess
    path = tmp_path_factory.mktemp("samples") / "law.h5"
    subprocess.run([binary, "fit", str(DATA), *COLUMNS, "--start", HOFFMANN, "--bootstrap", "9",
                    "--seed", "3", "--backend", "cpu", "-o", str(path)], check=True,
                   capture_output=True)
    with h5py.File(path, "r") as f:
        laws = [{c: float(f[c][s]) for c in CONSTANTS} for s in range(f["sample"].size)]
    return path, laws


SPREADS = [1.0, 4.0, 30.0]


def axes_text(T, loss_targets, budgets, spreads=SPREADS):
    """Every optimum problem: loss targets, budgets and (axes.spread) the robust choice."""
    fmt = lambda xs: ", ".join(repr(float(x)) for x in xs)
    return (f"[axes]\nT = {{ values = [{fmt(T)}] }}\n"
            f"loss_target = {{ values = [{fmt(loss_targets)}] }}\n"
            f"budget = {{ values = [{fmt(budgets)}] }}\n"
            f"spread = {{ values = [{fmt(spreads)}] }}\n")


def random_axes(seed):
    """Random cells: T from 0 to 1e14, loss targets from below the samples' E (infeasible for
    some samples: the feasible fraction between 0 and 1) to 3, budgets 1e19 to 1e25 FLOPs."""
    rng = np.random.default_rng(seed)
    T = np.sort(np.concatenate([[0.0], 10 ** rng.uniform(9, 14, 3)]))
    losses = np.sort(np.concatenate([[1.80, 1.815, 1.82], rng.uniform(1.9, 3.0, 4)]))
    budgets = np.sort(10 ** rng.uniform(19, 25, 4))
    return T, losses, budgets


def run(scalesweep, tmp_path, name, text):
    config, out = tmp_path / f"{name}.toml", tmp_path / f"{name}.h5"
    config.write_text(text + f'[output]\npath = "{out}"\n')
    scalesweep("run", config, "--backend", "cpu")
    return out


def per_sample_runs(scalesweep, tmp_path, laws, axes):
    """The reference: one run per sample with its constants as a custom law (repr: exact)."""
    runs = []
    for s, law in enumerate(laws):
        law_text = "[law]\n" + "".join(f"{c} = {law[c]!r}\n" for c in CONSTANTS)
        out = run(scalesweep, tmp_path, f"sample{s}", law_text + axes)
        with h5py.File(out, "r") as f:
            runs.append({k: f[k][()] for k in ["opt_N", "opt_D", "opt_cost", "chinchilla_cost",
                                               "chinchilla_N",
                                               "opt_status", "budget_N", "budget_D",
                                               "budget_loss", "budget_status", "robust_N",
                                               "robust_D", "robust_regret", "robust_status"]})
    return runs


def dims(dataset):
    """The names of the dimension scales attached to a dataset."""
    return [d[0].name.lstrip("/") for d in dataset.dims]


def numpy_quantiles(values, feasible):
    """numpy's default (linear) quantile over the feasible samples, per cell; NaN where none."""
    out = np.full((len(QUANTILES),) + values.shape[1:], np.nan)
    for cell in np.ndindex(values.shape[1:]):
        ok = feasible[(slice(None),) + cell]
        if ok.any():
            out[(slice(None),) + cell] = np.quantile(values[(slice(None),) + cell][ok], QUANTILES)
    return out


def test_quantiles_equal_numpy_over_separate_runs(scalesweep, tmp_path, samples):
    """Acceptance: quantiles equal numpy's over the per-sample results of S separate runs, to
    1e-12 (relative; both sides select the same order statistics and numpy's lerp is written
    after numpy's, so they agree to the last bit here), on random cells; monotone in q."""
    path, laws = samples
    axes = axes_text(*random_axes(16))
    out = run(scalesweep, tmp_path, "swept",
              f'[law]\nsamples = "{path}"\n[uncertainty]\nquantiles = {QUANTILES}\n' + axes)
    runs = per_sample_runs(scalesweep, tmp_path, laws, axes)
    stack = lambda k: np.stack([r[k] for r in runs])
    opt_ok = np.isin(stack("opt_status"), [0, 6])
    budget_ok = np.isin(stack("budget_status"), [0, 6])
    robust_ok = np.isin(stack("robust_status"), [0, 6])
    saving = 1 - stack("opt_cost") / stack("chinchilla_cost")
    expected = {
        "opt_N_quantile": numpy_quantiles(stack("opt_N"), opt_ok),
        "opt_D_quantile": numpy_quantiles(stack("opt_D"), opt_ok),
        "opt_cost_quantile": numpy_quantiles(stack("opt_cost"), opt_ok),
        "opt_saving_quantile": numpy_quantiles(saving, opt_ok),
        "opt_N_ratio_quantile": numpy_quantiles(stack("opt_N") / stack("chinchilla_N"), opt_ok),
        "budget_N_quantile": numpy_quantiles(stack("budget_N"), budget_ok),
        "budget_D_quantile": numpy_quantiles(stack("budget_D"), budget_ok),
        "budget_loss_quantile": numpy_quantiles(stack("budget_loss"), budget_ok),
        "robust_N_quantile": numpy_quantiles(stack("robust_N"), robust_ok),
        "robust_D_quantile": numpy_quantiles(stack("robust_D"), robust_ok),
        "robust_regret_quantile": numpy_quantiles(stack("robust_regret"), robust_ok),
    }
    with h5py.File(out, "r") as f:
        assert list(f["quantile"][()]) == QUANTILES
        # the quantiles replace the one-law optima
        assert "opt_N" not in f and "budget_N" not in f and "robust_N" not in f
        for name, want in expected.items():
            got = f[name][()]
            assert got.shape == want.shape, name
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=0, equal_nan=True, err_msg=name)
            finite = np.isfinite(got)
            assert (np.diff(np.where(finite, got, 0), axis=0)[finite[1:] & finite[:-1]] >= 0).all(), name
        fraction = f["opt_feasible_fraction"][()]
        np.testing.assert_array_equal(fraction, opt_ok.mean(axis=0))
        np.testing.assert_array_equal(f["budget_feasible_fraction"][()], budget_ok.mean(axis=0))
        np.testing.assert_array_equal(f["robust_feasible_fraction"][()], robust_ok.mean(axis=0))
        assert np.isfinite(f["robust_regret_quantile"][()]).any()
        assert 0 < fraction.min() < 1 or 0 < fraction.max() < 1  # some cells are partly feasible
        assert dims(f["opt_N_quantile"]) == ["quantile", "hardware", "T", "loss_target"]
        assert dims(f["opt_feasible_fraction"]) == ["hardware", "T", "loss_target"]
        assert dims(f["robust_N_quantile"]) == ["quantile", "hardware", "spread", "T",
                                                "loss_target"]
        assert dims(f["robust_feasible_fraction"]) == ["hardware", "spread", "T", "loss_target"]


def test_regret_quantiles_equal_numpy_over_separate_runs(scalesweep, tmp_path, samples):
    """The regret grid under law samples (output.dense = ["regret"]): each sample's regret is that
    law's (both models its optima), reduced like the optima: equal to numpy's quantile over S
    one-law runs' regret grids to 1e-12, monotone in q; keep_samples writes each run's grid (to
    1e-12); the dimensions carry T_plan."""
    path, laws = samples
    T, losses, _ = random_axes(16)
    axes = (f"[axes]\nT = {{ values = [{', '.join(repr(float(x)) for x in T)}] }}\n"
            f"loss_target = {{ values = [{', '.join(repr(float(x)) for x in losses)}] }}\n")
    dense = '[output]\ndense = ["regret"]\n'
    config, out = tmp_path / "swept.toml", tmp_path / "swept.h5"
    config.write_text(f'[law]\nsamples = "{path}"\n[uncertainty]\nquantiles = {QUANTILES}\n'
                      f'keep_samples = true\n' + axes + dense + f'path = "{out}"\n')
    scalesweep("run", config, "--backend", "cpu")
    runs = []
    for s, law in enumerate(laws):
        one = tmp_path / f"regret{s}.toml"
        one.write_text("[law]\n" + "".join(f"{c} = {law[c]!r}\n" for c in CONSTANTS) + axes +
                       dense + f'path = "{tmp_path / f"regret{s}.h5"}"\n')
        scalesweep("run", one, "--backend", "cpu")
        with h5py.File(tmp_path / f"regret{s}.h5", "r") as f:
            runs.append((f["regret"][()], f["regret_status"][()]))
    regret = np.stack([r for r, _ in runs])
    ok = np.isin(np.stack([st for _, st in runs]), [0, 6])
    want = numpy_quantiles(regret, ok)
    with h5py.File(out, "r") as f:
        assert dims(f["regret_quantile"]) == ["quantile", "hardware", "T_plan", "T", "loss_target"]
        assert dims(f["regret"]) == ["sample", "hardware", "T_plan", "T", "loss_target"]
        got = f["regret_quantile"][()]
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=0, equal_nan=True)
        finite = np.isfinite(got)
        assert (np.diff(np.where(finite, got, 0), axis=0)[finite[1:] & finite[:-1]] >= 0).all()
        assert (got[np.isfinite(got)] > 0).any()
        np.testing.assert_array_equal(f["regret_feasible_fraction"][()], ok.mean(axis=0))
        # The one-law runs compute their regret on the SIMD lanes, the sample cells with the
        # scalar share form: 1e-12 as the lanes-vs-scalar unit tests allow.
        np.testing.assert_allclose(f["regret"][()], regret, rtol=1e-12, atol=0, equal_nan=True)
        assert 0 < f["regret_feasible_fraction"][()].min() < 1  # below some laws' E


def test_keep_samples_and_xarray(scalesweep, tmp_path, samples):
    """keep_samples writes §4's variables with a leading `sample` dimension, equal to the separate
    runs bit for bit (the same cells on the same lanes); xarray names every dimension."""
    import xarray as xr
    path, laws = samples
    axes = axes_text(*random_axes(7))
    out = run(scalesweep, tmp_path, "kept",
              f'[law]\nsamples = "{path}"\n[uncertainty]\nkeep_samples = true\n' + axes)
    runs = per_sample_runs(scalesweep, tmp_path, laws[:3], axes)
    with h5py.File(out, "r") as f:
        assert dims(f["opt_N"]) == ["sample", "hardware", "T", "loss_target"]
        for s, r in enumerate(runs):
            for k, v in r.items():
                np.testing.assert_array_equal(f[k][s], v, err_msg=f"{k} of sample {s}")
        assert list(f["quantile"][()]) == [0.05, 0.5, 0.95]  # the default levels
    ds = xr.open_dataset(out, engine="h5netcdf")
    assert ds["opt_N_quantile"].sel(quantile=0.5).dims == ("hardware", "T", "loss_target")
    assert ds["opt_N"].sizes["sample"] == len(laws)
    assert ds["robust_N"].dims == ("sample", "hardware", "spread", "T", "loss_target")
    assert ds["robust_regret_quantile"].sel(quantile=0.95).dims == ("hardware", "spread", "T",
                                                                   "loss_target")
    ds.close()


def test_keep_samples_under_serving_constraints(scalesweep, tmp_path, samples):
    """[constraints] with [law] samples: each sample's cells are the constrained problem's under
    that sample's law (its own model on the bound), equal bit for bit to a one-law run of its
    constants under the same constraints; the bound binds for some samples' cells."""
    path, laws = samples
    serving = ('[objective]\nkind = "usd"\n[[hardware]]\nname = "h100"\n'
               'preset = "sardana2024-default"\n[constraints]\nmemory = true\n')
    axes = axes_text(*random_axes(7)) + serving
    out = run(scalesweep, tmp_path, "kept",
              f'[law]\nsamples = "{path}"\n[uncertainty]\nkeep_samples = true\n' + axes)
    runs = per_sample_runs(scalesweep, tmp_path, laws[:3], axes)
    with h5py.File(out, "r") as f:
        for s, r in enumerate(runs):
            for k, v in r.items():
                np.testing.assert_array_equal(f[k][s], v, err_msg=f"{k} of sample {s}")
        assert (f["opt_status"][()] == 6).any() and (f["budget_status"][()] == 6).any()
        assert (f["robust_status"][()] == 6).any()


def test_shipped_preset_runs(scalesweep, tmp_path):
    """The preset name finds the shipped file; a law given only by samples is their estimate."""
    out = run(scalesweep, tmp_path, "preset",
              '[law]\nsamples = "epoch2024-bootstrap"\n'
              "[axes]\nT = { values = [0, 1e13] }\nloss_target = { values = [2.0] }\n")
    with h5py.File(out, "r") as f:
        assert f["sample"].size == 4000
        assert f.attrs["law_preset"] == "samples"
        assert abs(f.attrs["law_E"] - 1.8172) < 1e-3  # Besiroglu et al.'s estimate, E 1.81724
        assert (f["opt_feasible_fraction"][()] == 1).all()


# Bad input: exit 2, the message names the problem, no output file (not even a partial one).
def bad_samples_files(tmp_path, samples, scalesweep):
    path, _ = samples
    nan = tmp_path / "nan.h5"
    shutil.copy(path, nan)
    with h5py.File(nan, "r+") as f:
        f["alpha"][2] = math.nan
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f.attrs["file_kind"] = "something else"
    text = tmp_path / "text.h5"
    text.write_text("not HDF5\n")
    empty = tmp_path / "empty.h5"
    scalesweep("fit", DATA, *COLUMNS, "--start", HOFFMANN, "-o", empty)
    return [(nan, "alpha of sample 2"), (other, "not a law-samples file"),
            (text, "not an HDF5 file"), (tmp_path / "missing.h5", "no such file"),
            (empty, "S = 0")]


def test_bad_samples_files(scalesweep, tmp_path, samples):
    for file, message in bad_samples_files(tmp_path, samples, scalesweep):
        config, out = tmp_path / "bad.toml", tmp_path / "bad-out.h5"
        config.write_text(f'[law]\nsamples = "{file}"\n[axes]\nT = {{ values = [0] }}\n'
                          f'loss_target = {{ values = [2.0] }}\n[output]\npath = "{out}"\n')
        r = scalesweep("run", config, check=False)
        assert r.returncode == 2, (file, r.stderr)
        assert "law.samples" in r.stderr and message in r.stderr, r.stderr
        assert not list(tmp_path.glob("bad-out.h5*"))


@pytest.mark.parametrize("uncertainty, message", [
    ("quantiles = [0.05, 1.5]", "uncertainty.quantiles[1]: 1.5 is outside [0, 1]"),
    ("quantiles = [-0.1]", "-0.1 is outside [0, 1]"),
    ("quantiles = [0.5, 0.05]", "must be larger than the level before it"),
    ("quantiles = [0.5, 0.5]", "must be larger than the level before it"),
    ("quantiles = []", "at least one level"),
    ("quantiles = 0.5", "must be an array"),
    ('keep_samples = "yes"', "must be true or false"),
    ("levels = [0.5]", "unknown key 'levels'"),
])
def test_bad_uncertainty(scalesweep, tmp_path, samples, uncertainty, message):
    path, _ = samples
    config, out = tmp_path / "bad.toml", tmp_path / "bad-out.h5"
    config.write_text(f'[law]\nsamples = "{path}"\n[uncertainty]\n{uncertainty}\n'
                      '[axes]\nT = { values = [0] }\nloss_target = { values = [2.0] }\n'
                      f'[output]\npath = "{out}"\n')
    r = scalesweep("run", config, check=False)
    assert r.returncode == 2 and message in r.stderr, r.stderr
    assert not list(tmp_path.glob("bad-out.h5*"))


def test_uncertainty_without_samples(scalesweep, tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('[law]\npreset = "sardana2024"\n[uncertainty]\nquantiles = [0.5]\n'
                      '[axes]\nT = { values = [0] }\nloss_target = { values = [2.0] }\n')
    r = scalesweep("run", config, check=False)
    assert r.returncode == 2 and "needs law samples" in r.stderr, r.stderr
