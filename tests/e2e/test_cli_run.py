"""`scalesweep run` end to end: the HDF5 layout of SPEC §4 read back with h5py and xarray, dense
values against numpy, optimum cells against `scalesweep optimum --json`."""
import json
import os
import re
import resource
import signal
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest
import xarray as xr

CONFIG = """
title = "e2e"
[law]
preset = "epoch2024"
[objective]
kind = "usd"
[[hardware]]
name = "h100"
preset = "sardana2024-default"
[[hardware]]
name = "l40s-serve"
preset = "h100-train-l40s-serve"
[axes]
N = { log10 = [8, 12], points = 9 }
D = { log10 = [10, 14], points = 7 }
T = { values = [0, 1e9, 1e12, 1e15] }
loss_target = { linear = [1.9, 2.6], points = 6 }
budget = { log10 = [3, 8], points = 5 }
[output]
path = "ignored.h5"
chunk_cells = 16
"""

PRESETS = {"h100": "sardana2024-default", "l40s-serve": "h100-train-l40s-serve"}


@pytest.fixture(scope="module")
def result(tmp_path_factory, scalesweep):
    d = tmp_path_factory.mktemp("run")
    cfg = d / "e2e.toml"
    cfg.write_text(CONFIG)
    out = d / "out.h5"
    proc = scalesweep("run", cfg, "-o", out, "--backend", "cpu")
    return {"dir": d, "path": out, "config": cfg, "stdout": proc.stdout}


def test_run_prints_plan_and_summary(result):
    out = result["stdout"]
    assert "backend: cpu" in out
    assert re.search(r"done: [\d,]+ cells in [\d.]+ s \([\d.e+]+ cells/s", out)
    assert str(result["path"]) in out


def test_no_partial_file_is_left(result):
    assert result["path"].exists()
    assert not result["path"].with_name("out.h5.partial").exists()


def test_coordinates_are_dimension_scales_with_units(result):
    with h5py.File(result["path"], "r") as f:
        expected = {"hardware": 2, "T": 4, "N": 9, "D": 7, "loss_target": 6, "budget": 5}
        for name, size in expected.items():
            ds = f[name]
            assert ds.shape == (size,), name
            assert ds.attrs["CLASS"] == b"DIMENSION_SCALE", name
            assert "long_name" in ds.attrs, name
            # A string coordinate has no unit (CF); every number has one.
            assert ("units" in ds.attrs) == (name != "hardware"), name
        np.testing.assert_array_equal(f["T"][:], [0, 1e9, 1e12, 1e15])
        np.testing.assert_array_equal(f["N"][:], 10.0 ** np.arange(8, 12.5, 0.5))
        assert f["budget"].attrs["units"] == "USD"
        # The scenario names themselves, as variable-length UTF-8 strings (ECOSYSTEM.md).
        assert h5py.check_string_dtype(f["hardware"].dtype).encoding == "utf-8"
        assert h5py.check_string_dtype(f["hardware"].dtype).length is None
        assert list(f["hardware"].asstr()[:]) == ["h100", "l40s-serve"]
        assert "hardware_name" not in f and "hardware_names" not in f.attrs


def test_variables_have_named_dimensions_and_cf_attributes(result):
    layout = {
        "loss": ("N", "D"),
        "cost": ("hardware", "T", "N", "D"),
        **{v: ("hardware", "T", "loss_target") for v in
           ["opt_N", "opt_D", "opt_tokens_per_param", "opt_cost", "opt_train_cost", "opt_serve_cost",
            "chinchilla_N", "chinchilla_D", "chinchilla_tokens_per_param", "chinchilla_cost",
            "chinchilla_train_cost", "chinchilla_serve_cost", "opt_status"]},
        **{v: ("hardware", "T", "budget") for v in
           ["budget_N", "budget_D", "budget_tokens_per_param", "budget_loss", "budget_train_cost",
            "budget_serve_cost", "budget_chinchilla_N", "budget_chinchilla_D",
            "budget_chinchilla_tokens_per_param", "budget_chinchilla_loss",
            "budget_chinchilla_train_cost", "budget_chinchilla_serve_cost", "budget_status"]},
        **{v: ("hardware", "T", "budget", "N") for v in ["budget_curve_loss", "budget_curve_D"]},
    }
    with h5py.File(result["path"], "r") as f:
        for var, dims in layout.items():
            ds = f[var]
            names = tuple(f[ref[0]].name.lstrip("/") for ref in ds.attrs["DIMENSION_LIST"])
            assert names == dims, var
            assert "units" in ds.attrs and "long_name" in ds.attrs, var
        for status in ["opt_status", "budget_status"]:
            ds = f[status]
            assert ds.dtype == np.uint8
            np.testing.assert_array_equal(ds.attrs["flag_values"], [0, 1, 2, 3, 4, 5, 6, 7])
            assert ds.attrs["flag_meanings"] == ("ok infeasible not_converged invalid_input out_of_range "
                                                 "not_computed constrained undertrained")
            assert "_FillValue" not in ds.attrs
        assert f["opt_N"].chunks is not None


def test_every_variable_has_the_units_of_its_quantity(result):
    """Units follow from what each variable is (SPEC §4, §5.6; README "Result files"): counts of
    parameters and tokens, tokens per parameter, losses (nats per token, a dimensionless
    log-likelihood) and statuses are UDUNITS-2's dimensionless "1"; costs and budgets take the
    objective's unit (USD here, which UDUNITS-2 lacks). The hardware names have none."""
    quantity = {"1": ["N", "opt_N", "chinchilla_N", "budget_N", "budget_chinchilla_N",
                      "D", "T", "opt_D", "chinchilla_D", "budget_D", "budget_chinchilla_D",
                      "budget_curve_D", "opt_tokens_per_param", "chinchilla_tokens_per_param",
                      "budget_tokens_per_param", "budget_chinchilla_tokens_per_param",
                      "loss_target", "loss", "budget_loss", "budget_chinchilla_loss",
                      "budget_curve_loss", "opt_status", "budget_status"],
                "USD": ["budget", "cost", "opt_cost", "opt_train_cost", "opt_serve_cost",
                        "chinchilla_cost", "chinchilla_train_cost", "chinchilla_serve_cost",
                        "budget_train_cost", "budget_serve_cost", "budget_chinchilla_train_cost",
                        "budget_chinchilla_serve_cost"]}
    with h5py.File(result["path"], "r") as f:
        for units, names in quantity.items():
            for name in names:
                assert f[name].attrs["units"] == units, name
        with_units = {name for name in f if "units" in f[name].attrs}
        assert with_units == {n for names in quantity.values() for n in names}
        # CF: long names without units (no "(nats per token)" beside units "nats").
        for name in f:
            if isinstance(f[name], h5py.Dataset):
                long_name = f[name].attrs["long_name"]
                assert not re.search(r"\[|\b(nats|USD|FLOPs?)\b", long_name), (name, long_name)
        assert f.attrs["Conventions"] == "CF-1.8"


def test_root_attributes_record_the_run(result):
    with h5py.File(result["path"], "r") as f:
        a = f.attrs
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", a["created"])
        assert a["scalesweep_version"]
        assert a["scalesweep_format_version"] == 2
        assert a["config"] == CONFIG
        assert a["law_preset"] == "epoch2024" and a["law_overrides"] == ""
        # Besiroglu et al. 2024 constants, as SPEC §1.1 lists them.
        assert (a["law_E"], a["law_A"], a["law_B"], a["law_alpha"], a["law_beta"]) == (
            1.81686, 482.00572, 2085.4342, 0.34781, 0.36585)
        assert a["objective"] == "usd"
        assert a["backend"].startswith("cpu")
        assert list(a["hardware_train_gpu"]) == ["H100-SXM", "H100-SXM"]
        assert list(a["hardware_serve_gpu"]) == ["H100-SXM", "L40S"]
        np.testing.assert_array_equal(a["hardware_serve_decode_mfu"], [0.01, 0.007])


def test_dense_grids_equal_the_formulas(result):
    with h5py.File(result["path"], "r") as f:
        a = f.attrs
        N, D, T = f["N"][:], f["D"][:], f["T"][:]
        # SPEC §1.1 and §1.2, evaluated independently in numpy; both sides are ~4 correctly
        # rounded operations (pow may differ by an ulp between libms): 1e-14 relative.
        loss = a["law_E"] + a["law_A"] * N[:, None] ** -a["law_alpha"] + a["law_B"] * D[None, :] ** -a["law_beta"]
        np.testing.assert_allclose(f["loss"][:], loss, rtol=1e-14)
        k_tr = a["hardware_cost_per_train_flop"][:, None, None, None]
        k_inf = a["hardware_cost_per_inference_flop"][:, None, None, None]
        n, d, t = N[None, None, :, None], D[None, None, None, :], T[None, :, None, None]
        np.testing.assert_allclose(f["cost"][:], k_tr * 6 * n * d + k_inf * 2 * n * t, rtol=1e-14)
        # The budget line k_tr 6ND + k_inf 2NT = C solved for D (NaN where serving alone costs C).
        C = f["budget"][:][None, None, :, None]
        n, t = N[None, None, None, :], T[None, :, None, None]
        D_line = (C - k_inf * 2 * n * t) / (k_tr * 6 * n)
        expected_D = np.where(D_line > 0, D_line, np.nan)
        # Both sides round ~5 operations (in a different order); rtol 1e-13 holds because no cell
        # of this grid sits near the D = 0 edge, where the subtraction would amplify rounding.
        np.testing.assert_allclose(f["budget_curve_D"][:], expected_D, rtol=1e-13,
                                   atol=0, equal_nan=True, err_msg="budget_curve_D")
        curve_loss = a["law_E"] + a["law_A"] * n ** -a["law_alpha"] + a["law_B"] * expected_D ** -a["law_beta"]
        np.testing.assert_allclose(f["budget_curve_loss"][:], curve_loss, rtol=1e-13, equal_nan=True)


def test_tokens_per_param_and_cost_split_are_stored_beside_the_optima(result):
    """SPEC §5.6: D/N and the cost's two parts, k_tr 6ND and k_inf 2NT (SPEC §1.2), evaluated
    here in numpy from the stored N, D, T and the hardware's cost per FLOP. The same correctly
    rounded operations in the same order (D/N; k (6N) D; k (2N) T; train + serve): bitwise."""
    with h5py.File(result["path"], "r") as f:
        a = f.attrs
        k_tr = a["hardware_cost_per_train_flop"][:, None, None]
        k_inf = a["hardware_cost_per_inference_flop"][:, None, None]
        T = f["T"][:][None, :, None]
        for prefix, cost in [("opt_", "opt_cost"), ("chinchilla_", "chinchilla_cost"),
                             ("budget_", None), ("budget_chinchilla_", None)]:
            N, D = f[prefix + "N"][:], f[prefix + "D"][:]
            train, serve = f[prefix + "train_cost"][:], f[prefix + "serve_cost"][:]
            np.testing.assert_array_equal(f[prefix + "tokens_per_param"][:], D / N, prefix)
            np.testing.assert_array_equal(train, k_tr * (6.0 * N * D), prefix)
            np.testing.assert_array_equal(serve, k_inf * (2.0 * N * T), prefix)
            if cost is not None:
                np.testing.assert_array_equal(f[cost][:], train + serve, prefix)
        ok = f["budget_status"][:] == 0
        assert ok.sum() > 10
        # The budget optimum spends the budget (to rounding: its N, D come from logs); the
        # Chinchilla budget model spends it all on training and overspends by its serving cost.
        C = f["budget"][:][None, None, :]
        spent = (f["budget_train_cost"][:] + f["budget_serve_cost"][:]) / C
        np.testing.assert_allclose(spent[ok], 1.0, rtol=1e-12)
        chin_train = np.broadcast_to(f["budget_chinchilla_train_cost"][:] / C, ok.shape)
        np.testing.assert_allclose(chin_train[ok], 1.0, rtol=1e-12)


def test_budget_optimum_is_the_minimum_of_its_curve(result):
    """Independent consistency: no grid model on the budget line beats the solved optimum, and
    the best grid model is close to it (the N grid has 2 points per decade here)."""
    with h5py.File(result["path"], "r") as f:
        curve, best, status = f["budget_curve_loss"][:], f["budget_loss"][:], f["budget_status"][:]
        ok = status == 0
        grid_min = np.nanmin(np.where(np.isnan(curve), np.inf, curve), axis=-1)
        assert np.all(grid_min[ok] >= best[ok] * (1 - 1e-15))


def test_optima_match_the_optimum_command(result, scalesweep):
    rng = np.random.default_rng(3)
    with h5py.File(result["path"], "r") as f:
        names = list(f["hardware"].asstr()[:])
        T, targets, budgets = f["T"][:], f["loss_target"][:], f["budget"][:]
        for _ in range(6):
            h, t, l = rng.integers(2), rng.integers(len(T)), rng.integers(len(targets))
            cell = scalesweep.json("optimum", "--law", "epoch2024", "--loss", repr(float(targets[l])),
                                   "--inference-tokens", repr(float(T[t])), "--objective", "usd",
                                   "--hardware", PRESETS[names[h]])
            assert f["opt_status"][h, t, l] == 0
            assert cell["status"] == "ok"
            # Same functions on the same inputs: only compiler differences could separate them.
            for prefix, figures in [("opt_", cell), ("chinchilla_", cell["chinchilla"])]:
                for key in ["N", "D", "cost", "tokens_per_param", "train_cost", "serve_cost"]:
                    var = prefix + key
                    assert f[var][h, t, l] == pytest.approx(figures[key], rel=1e-12, abs=0), var
        for _ in range(6):
            h, t, b = rng.integers(2), rng.integers(len(T)), rng.integers(len(budgets))
            cell = scalesweep.json("optimum", "--law", "epoch2024", "--budget", repr(float(budgets[b])),
                                   "--inference-tokens", repr(float(T[t])), "--objective", "usd",
                                   "--hardware", PRESETS[names[h]])
            status = ["ok", "infeasible", "not_converged", "invalid_input", "out_of_range"][f["budget_status"][h, t, b]]
            assert status == cell["status"]
            if status == "ok":
                for prefix, figures in [("budget_", cell), ("budget_chinchilla_", cell["chinchilla"])]:
                    for key in ["N", "D", "loss", "tokens_per_param", "train_cost", "serve_cost"]:
                        var = prefix + key
                        assert f[var][h, t, b] == pytest.approx(figures[key], rel=1e-12, abs=0), var
            else:
                assert np.isnan(f["budget_N"][h, t, b]) and cell["N"] is None


def test_xarray_h5netcdf_sees_named_dimensions(result):
    with xr.open_dataset(result["path"], engine="h5netcdf") as ds:
        assert set(ds.dims) == {"hardware", "T", "N", "D", "loss_target", "budget"}
        assert ds["cost"].dims == ("hardware", "T", "N", "D")
        assert ds["opt_N"].dims == ("hardware", "T", "loss_target")
        assert ds["budget_loss"].dims == ("hardware", "T", "budget")
        assert ds["opt_status"].dtype == np.uint8
        assert list(ds["hardware"].values) == ["h100", "l40s-serve"]
        cell = ds["opt_N"].sel(hardware="l40s-serve", T=1e12, loss_target=2.04)
        assert float(cell) == ds["opt_N"].isel(hardware=1, T=2, loss_target=1)
        # Plain xarray applies `method` to every label: the name first, then the nearest number.
        nearest = ds["opt_N"].sel(hardware="h100").sel(loss_target=2.05, method="nearest")
        assert nearest.dims == ("T",) and float(nearest.loss_target) == pytest.approx(2.04)


def test_an_existing_file_is_replaced_only_with_overwrite(result, scalesweep):
    """A finished sweep is never replaced by accident; with --overwrite it is replaced atomically
    (a new file renamed over it, not the old one rewritten in place)."""
    before = result["path"].stat()
    proc = scalesweep("run", result["config"], "-o", result["path"], "--quiet", check=False)
    assert proc.returncode == 2 and f"output file '{result['path']}' exists" in proc.stderr
    assert "--overwrite" in proc.stderr
    assert result["path"].stat().st_ino == before.st_ino
    assert result["path"].stat().st_mtime_ns == before.st_mtime_ns
    assert not Path(str(result["path"]) + ".partial").exists()
    scalesweep("run", result["config"], "-o", result["path"], "--quiet", "--overwrite")
    assert result["path"].exists() and result["path"].stat().st_ino != before.st_ino


@pytest.mark.parametrize("flags", [[], ["--memory-limit", "80M"], ["--tile-cells", "100"],
                                   ["--optima-only", "--memory-limit", "70M"]],
                         ids=["defaults", "memory-limit", "tile-cells", "optima-only"])
def test_validate_reports_the_tiles_and_memory_that_run_uses(result, scalesweep, tmp_path, flags):
    """validate plans tiles as run does with the same flags: the same tile count, and the host
    memory it reports is what the run's summary says it planned, within the same limit."""
    flags = ["--backend", "cpu", *flags]
    plan = scalesweep.json("validate", result["config"], *flags)
    run = scalesweep.json("run", result["config"], "-o", tmp_path / "v.h5", "--quiet", *flags)
    assert sum(p["tiles"] for p in plan["problems"]) == run["tiles"]
    assert plan["host_memory_bytes"] == run["planned_host_bytes"]
    assert plan["memory_limit_bytes"] == run["memory_limit_bytes"]
    assert plan["host_memory_bytes"] <= plan["memory_limit_bytes"]
    assert plan["gpu_memory_bytes"] == 0 and plan["warnings"] == []


def test_hardware_tables_under_objective_flops_are_checked_then_set_aside(scalesweep, tmp_path):
    """SPEC §3's example declares [[hardware]] under kind = "flops": accepted with a warning
    naming the table, the file has the single 'flops' scenario, and costs are FLOPs."""
    cfg = tmp_path / "flops.toml"
    cfg.write_text('[law]\npreset = "sardana2024"\n[objective]\nkind = "flops"\n'
                   '[axes]\nT = { values = [0, 1e12] }\nloss_target = { values = [2.0, 2.2] }\n'
                   '[[hardware]]\nname = "h100"\npreset = "sardana2024-default"\n')
    for command in (["validate", cfg], ["run", cfg, "-o", tmp_path / "f.h5", "--quiet"]):
        proc = scalesweep(*command)
        assert "warning: " + str(cfg) + ":8:1: hardware: the [[hardware]] tables are checked but not used" \
            in proc.stderr, proc.stderr
    with h5py.File(tmp_path / "f.h5", "r") as f:
        assert list(f["hardware"].asstr()[()]) == ["flops"]
        # A FLOP count is dimensionless in UDUNITS-2; the root attribute names the unit.
        assert f["opt_cost"].attrs["units"] == "1" and f.attrs["cost_units"] == "FLOP"


def test_constants_given_beside_a_preset_are_recorded_as_overrides(scalesweep, tmp_path):
    """A preset with some constants replaced is no longer that preset's law: the file says which
    constants were replaced, and inspect and the plan name the law accordingly."""
    cfg = tmp_path / "ov.toml"
    cfg.write_text('[law]\npreset = "chinchilla"\nbeta = 0.3\nalpha = 0.336\n'
                   '[axes]\nT = { values = [0, 1e12] }\nloss_target = { values = [2.0, 2.2] }\n')
    proc = scalesweep("run", cfg, "-o", tmp_path / "ov.h5")
    assert "law: chinchilla with alpha, beta overridden (E=1.69" in proc.stdout
    with h5py.File(tmp_path / "ov.h5", "r") as f:
        assert f.attrs["law_preset"] == "chinchilla" and f.attrs["law_overrides"] == "alpha beta"
        assert (f.attrs["law_alpha"], f.attrs["law_beta"]) == (0.336, 0.3)
    assert "law: chinchilla with alpha, beta overridden" in scalesweep("inspect", tmp_path / "ov.h5").stdout
    law = scalesweep.json("optimum", "--law", "chinchilla", "--alpha", "0.336", "--loss", "2")["law"]
    assert law["preset"] == "chinchilla" and law["overrides"] == ["alpha"]


def test_validate_disk_estimate_bounds_the_file_it_writes(scalesweep, tmp_path):
    """`validate` (and run's disk check) count whole chunks, as HDF5 stores them: the file is
    never larger than the estimate. Axis lengths just past a chunk boundary (257 rows when 256
    fit) once made the file twice the estimate; chunks are now cut evenly, so the estimate is
    also close (within the metadata margin, here under 10 %)."""
    cfg = tmp_path / "pad.toml"
    cfg.write_text('[law]\npreset = "sardana2024"\n[axes]\n'
                   'N = { log10 = [8, 12], points = 257 }\nD = { log10 = [10, 14], points = 512 }\n'
                   'T = { values = [0, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15] }\n')
    plan = scalesweep.json("validate", cfg)
    out = tmp_path / "pad.h5"
    scalesweep("run", cfg, "-o", out, "--quiet")
    size = out.stat().st_size
    cells = 257 * 512 * 9  # loss (N, D) and cost (1, 8, N, D), float64
    assert cells * 8 <= size <= plan["output_bytes"] <= 1.1 * size, (size, plan["output_bytes"])


@pytest.mark.parametrize("chunk_cells", [1, 3])
def test_validate_disk_estimate_counts_the_chunk_index(scalesweep, tmp_path, chunk_cells):
    """With tiny chunks HDF5's chunk index (about 60 bytes per chunk of each variable) outweighs
    the data: 1-cell chunks once made a file 7× the estimate that run's disk check trusts. The
    estimate of the whole file and of a shard's part still bound what run writes. A part counts
    the index entries of every chunk, as a part written by MPI ranks holds them (a serial part
    indexes its own chunks only: then the estimate is generous)."""
    cfg = tmp_path / "tiny.toml"
    cfg.write_text('[law]\npreset = "sardana2024"\n[axes]\nN = { log10 = [8, 12], points = 61 }\n'
                   'D = { log10 = [10, 14], points = 53 }\nT = { values = [0, 1e9, 1e12] }\n'
                   'loss_target = { linear = [1.9, 2.6], points = 17 }\n'
                   f'[output]\nchunk_cells = {chunk_cells}\n')
    for shard in ["1/1", "2/3"]:
        plan = scalesweep.json("validate", cfg, "--shard", shard, "-o", tmp_path / "t.h5")
        scalesweep("run", cfg, "--shard", shard, "-o", tmp_path / "t.h5", "--quiet", "--overwrite")
        size = (tmp_path / "t.h5").stat().st_size
        assert size <= plan["shard_output_bytes"], (shard, size, plan["shard_output_bytes"])
        if shard == "1/1":  # close too: under twice the file for 1-cell chunks
            assert plan["output_bytes"] == plan["shard_output_bytes"] <= 2 * size


def limit_file_size(max_bytes):
    """For subprocess.run(preexec_fn=...): `ulimit -f`, with SIGXFSZ ignored so that a write past
    the limit fails with EFBIG ("File too large") instead of killing the process."""
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))
    return apply


@pytest.mark.parametrize("compression", ["none", "deflate"])
def test_a_write_past_a_file_size_limit_fails_cleanly(binary, tmp_path, compression):
    """HDF5 1.10 crashed at exit after a file's close had failed (exit 139 instead of 1). An
    uncompressed file fails at creation (its chunks are allocated then), a compressed one
    mid-run; either way: exit 1, HDF5's reason, no result file, and no resume hint that
    cannot work (HDF5 refuses to open a file cut short of what it recorded)."""
    cfg = tmp_path / "big.toml"
    cfg.write_text('[law]\npreset = "sardana2024"\n[axes]\nN = { log10 = [8, 12], points = 700 }\n'
                   'D = { log10 = [10, 14], points = 700 }\nT = { values = [0, 1e12] }\n'
                   f'[output]\ncompression = "{compression}"\n')
    out = tmp_path / "big.h5"
    proc = subprocess.run([binary, "run", cfg, "-o", out, "--quiet"], capture_output=True, text=True,
                          preexec_fn=limit_file_size(1 << 20))
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    first = proc.stderr.splitlines()[0]  # the error, then what it leaves behind
    assert first.startswith("error: HDF5: ") and first.endswith("File too large"), proc.stderr
    assert not out.exists() and "resume with" not in proc.stderr
    if compression == "deflate":  # the partial file was created, then cut short
        assert (tmp_path / "big.h5.partial").exists()
        assert "big.h5.partial cannot be resumed: delete it, raise the limit" in proc.stderr
    else:  # creation failed: nothing is left
        assert not (tmp_path / "big.h5.partial").exists()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_output_that_cannot_be_written_is_an_error(binary):
    """JSON printed into a full disk or a closed stdout is lost: exit 1 and say so, as coreutils
    do (these exited 0)."""
    args = [binary, "optimum", "--law", "chinchilla", "--loss", "2", "--json"]
    with open("/dev/full", "w") as full:
        proc = subprocess.run(args, stdout=full, stderr=subprocess.PIPE, text=True)
    assert proc.returncode == 1
    assert proc.stderr == "error: cannot write to standard output: No space left on device\n"
    closed = subprocess.run(" ".join(args) + " >&-", shell=True, stderr=subprocess.PIPE, text=True)
    assert closed.returncode == 1 and "cannot write to standard output" in closed.stderr


def test_a_reader_that_stops_reading_does_not_stop_the_run(binary, tmp_path):
    """`run ... | head -1`: the reader goes away after the first line. The run once died of
    SIGPIPE between checkpoints; it now finishes its file and exits 0 (pipefail, afterok)."""
    cfg = tmp_path / "p.toml"
    cfg.write_text('[law]\npreset = "sardana2024"\n[axes]\nN = { log10 = [8, 12], points = 300 }\n'
                   'D = { log10 = [10, 14], points = 300 }\nT = { values = [0, 1e12] }\n'
                   '[output]\nchunk_cells = 1024\n')
    out = tmp_path / "p.h5"
    proc = subprocess.run(f"set -o pipefail; {binary} run {cfg} -o {out} --threads 1 --tile-cells 1024 "
                          "2>&1 | head -1", shell=True, executable="/bin/bash", capture_output=True,
                          text=True, env=dict(os.environ, SCALESWEEP_DEBUG_ROUND_DELAY_MS="2"))
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.splitlines()) == 1
    assert out.exists() and not (tmp_path / "p.h5.partial").exists()
    with h5py.File(out, "r") as f:
        assert all(int(r[()].min()) == 1 for r in f["_scalesweep"].values())  # every chunk done


def test_validate_warns_about_an_output_that_run_would_refuse(scalesweep, tmp_path):
    """validate checks the output path as run does, but only warns: the config itself is fine."""
    cfg = tmp_path / "v.toml"
    cfg.write_text('[law]\npreset = "sardana2024"\n[axes]\nT = { values = [0] }\n'
                   'loss_target = { values = [2.0] }\n')
    proc = scalesweep("validate", cfg, "-o", cfg)
    assert f"warning: run would refuse this output: output path '{cfg}' is the config this run reads" in proc.stderr
    (tmp_path / "old.h5").write_bytes(b"")
    proc = scalesweep("validate", cfg, "-o", tmp_path / "old.h5")
    assert f"warning: run would refuse this output: output file '{tmp_path / 'old.h5'}' exists" in proc.stderr
    proc = scalesweep("validate", cfg, "-o", tmp_path / "missing" / "x.h5")
    assert "warning: run would refuse this output: output directory" in proc.stderr
    assert "warning" not in scalesweep("validate", cfg, "-o", tmp_path / "new.h5").stderr


def test_optimum_status_is_the_one_run_writes_when_a_reported_cost_overflows(scalesweep, tmp_path):
    """At the top of double range the budget optimum (N, D, loss: what a result file holds) is
    finite while a cost that `optimum` derives for its report overflows: its own 6ND rounds past
    1.8e308 at a budget of 1.797e308, and Chinchilla's model, trained with the whole budget, costs
    more than that to serve T = 1e290. The status is the one `run` writes for the same cell (ok;
    it once said out_of_range there), the overflowing figures read null and a warning names them
    (SPEC §1.4: never a silent NaN)."""
    budgets, demands = [1e300, 1.7976931348623157e308], [1e12, 1e290]
    cfg = tmp_path / "edge.toml"
    cfg.write_text('[law]\npreset = "sardana2024"\n[axes]\n'
                   f'T = {{ values = {demands} }}\nbudget = {{ values = {budgets} }}\n')
    scalesweep("run", cfg, "-o", tmp_path / "edge.h5", "--quiet")
    with h5py.File(tmp_path / "edge.h5", "r") as f:
        status, n = f["budget_status"][0], f["budget_N"][0]
    overflows = {
        (1e12, 1e300): [],
        (1e12, 1.7976931348623157e308): ["cost", "train_flops", "train_cost"],
        (1e290, 1e300): ["chinchilla.cost", "chinchilla.inference_flops", "chinchilla.serve_cost"],
        (1e290, 1.7976931348623157e308): ["cost", "inference_flops", "serve_cost", "chinchilla.cost",
                                          "chinchilla.inference_flops", "chinchilla.serve_cost"],
    }
    for t, T in enumerate(demands):
        for b, budget in enumerate(budgets):
            args = ["optimum", "--law", "sardana2024", "--budget", repr(budget), "--inference-tokens", repr(T)]
            proc = scalesweep(*args, "--json")
            r = json.loads(proc.stdout)
            # run's SIMD lanes agree with optimum's scalar cell to 7.2e-15 (docs/benchmarks.md).
            assert status[t, b] == 0 and r["status"] == "ok"
            assert r["N"] == pytest.approx(n[t, b], rel=1e-14)
            keys = ["cost", "train_flops", "inference_flops", "train_cost", "serve_cost"]
            nulls = [k for k in keys if r[k] is None]
            nulls += [f"chinchilla.{k}" for k in keys if r["chinchilla"][k] is None]
            expected = overflows[(T, budget)]
            assert nulls == expected, (T, budget)
            if expected:
                assert (f"warning: the optimum is finite, but {', '.join(expected)} overflow double "
                        "precision (above 1.8e308) and read null") in proc.stderr
            else:
                assert "warning" not in proc.stderr
    text = scalesweep("optimum", "--law", "sardana2024", "--budget", "1e300", "--inference-tokens", "1e290")
    assert "status: ok" in text.stdout and "Chinchilla's cost overflows" in text.stdout
    # A ratio far from 100 % reads in powers of ten (it was 68942503056...472.00 %).
    edge = scalesweep.json("optimum", "--law", "sardana2024", "--budget", "1e300", "--inference-tokens", "1e290")
    row = next(line for line in text.stdout.splitlines() if line.startswith("  tokens D "))
    assert row.endswith(f" {100 * edge['D'] / edge['chinchilla']['D']:.3g} %"), row
    assert "read inf" in text.stderr


def test_optimum_text_names_the_law_constants(scalesweep):
    """SPEC §1.1: every output records the law with its five constants, overrides included."""
    out = scalesweep("optimum", "--law", "sardana2024", "--beta", "0.3", "--loss", "2").stdout
    assert "  law sardana2024 with beta overridden (E=1.69 A=406.4 B=410.7 alpha=0.336 beta=0.3)" \
        in out.splitlines()


def test_optimum_json_prints_the_shortest_round_trip_numbers(scalesweep):
    """1.947 reads back as 1.947, not %.17g's 1.9470000000000001, and every number still parses
    to the double it stands for (json.loads rounds correctly)."""
    args = ["optimum", "--law", "sardana2024", "--loss", "1.947", "--inference-tokens", "2e12", "--json"]
    text = scalesweep(*args).stdout
    assert '"loss_target": 1.947,' in text and '"E": 1.69,' in text and '"beta": 0.283' in text
    assert scalesweep.json(*args[:-1])["loss_target"] == 1.947


def test_optimum_budget_ratios_compare_spend_not_savings(scalesweep):
    """A budget fixes the spend: the JSON says how far Chinchilla's model (all of the budget spent on
    training) overspends once it serves T, and the loss the optimum gives up to stay within the
    budget, from the cell's own figures; no "saving" (a loss-target word)."""
    r = scalesweep.json("optimum", "--law", "chinchilla", "--budget", "1e23", "--inference-tokens", "1e12")
    ratios, chin = r["ratios"], r["chinchilla"]
    assert "saving" not in ratios
    # Exact: the JSON numbers read back as the doubles printed, and Python's IEEE arithmetic on
    # them repeats the C++ expression operation for operation.
    assert ratios["chinchilla_overspend"] == chin["cost"] / r["cost"] - 1
    assert ratios["chinchilla_overspend"] > 0 and ratios["loss_difference"] > 0
    assert ratios["loss_difference"] == r["loss"] - chin["loss"]
    loss = scalesweep.json("optimum", "--law", "chinchilla", "--loss", "2.2", "--inference-tokens", "1e12")
    assert loss["ratios"]["saving"] == 1 - loss["cost"] / loss["chinchilla"]["cost"]
    assert "chinchilla_overspend" not in loss["ratios"]


def test_optimum_text_names_the_hardware_and_the_cause_of_infeasibility(scalesweep):
    out = scalesweep("optimum", "--law", "sardana2024", "--loss", "2", "--objective", "usd",
                     "--hardware", "b200-fp8", "--inference-tokens", "1e13").stdout
    assert "  hardware b200-fp8: train B200 bf16, peak_flops 2.25e+15 FLOP/s, mfu 0.5" in out
    assert "decode_mfu 0.0105" in out and "usd_per_hour 4 USD/h" in out and "power_w 1000 W" in out
    # 1e10 FLOP pays for a one-parameter model's training, not for serving 1e12 tokens with it.
    out = scalesweep("optimum", "--law", "sardana2024", "--budget", "1e10", "--inference-tokens", "1e12").stdout
    assert ("status: infeasible (the budget cannot pay for the smallest model, one parameter trained on "
            "one token, serving the T inference tokens)") in out


# Chinchilla's constants (SPEC §1.1) and the T = 0 closed forms of SPEC §1.4, for the figures the
# warning must name (printed %.3g, so the closed forms need not match to the last digit).
A, B, E, ALPHA, BETA = 406.4, 410.7, 1.69, 0.34, 0.28
G = (ALPHA * A / (BETA * B)) ** (1 / (ALPHA + BETA))
LOSS_N = (A * (1 + ALPHA / BETA) / (1e16 - E)) ** (1 / ALPHA)  # 4.27e-39
LOSS_D = (B * (1 + BETA / ALPHA) / (1e16 - E)) ** (1 / BETA)  # 1.33e-47
BUDGET_D = (7 / 6) ** (ALPHA / (ALPHA + BETA)) / G  # 0.809; its N = 1.44 is above one


@pytest.mark.parametrize("args, below, cause", [
    (["--loss", "1e16"], f"N = {LOSS_N:.3g} parameters and D = {LOSS_D:.3g} tokens",
     "the target loss is above that of any real model"),
    (["--budget", "7"], f"D = {BUDGET_D:.3g} tokens", "the budget is too small for any real model"),
])
def test_optimum_warns_when_the_optimum_is_below_one_parameter_or_token(scalesweep, args, below,
                                                                       cause):
    """A target far above any model's loss, or a budget of 7 FLOP (6ND = 7 leaves N·D ≈ 1.2), solves
    to N or D below one: still status ok (the arithmetic is right), but a warning on stderr says
    these figures describe no model, and the JSON on stdout stays parseable."""
    proc = scalesweep("optimum", "--law", "chinchilla", *args, "--json")
    r = json.loads(proc.stdout)
    assert r["status"] == "ok" and min(r["N"], r["D"]) < 1
    # The warning names the figures below one, as the JSON has them (%.3g).
    assert below == " and ".join(f"{k} = {r[k]:.3g} {unit}" for k, unit in
                                 [("N", "parameters"), ("D", "tokens")] if r[k] < 1)
    assert f"warning: the optimum has {below}, fewer than one: {cause}, so these figures describe no model" \
        in proc.stderr
    ok = scalesweep("optimum", "--law", "chinchilla", "--loss", "30", "--json")
    assert json.loads(ok.stdout)["N"] > 1 and "warning" not in ok.stderr


def test_run_summary_counts_the_statuses_it_wrote(tmp_path, scalesweep):
    """The summary's status counts equal a count of the file's status variables (h5py), and a
    problem with no ok cell warns, under --quiet too."""
    cfg = tmp_path / "mixed.toml"
    # epoch2024's E is 1.81686: the first two loss targets are infeasible, budget 1e3 FLOP too.
    cfg.write_text('[law]\npreset = "epoch2024"\n[axes]\nT = { values = [0, 1e9, 1e12] }\n'
                   'loss_target = { values = [1.7, 1.8, 2.0, 2.4] }\nbudget = { values = [1e3, 1e20, 1e24] }\n')
    proc = scalesweep("run", cfg, "-o", tmp_path / "mixed.h5", "--json")
    summary = json.loads(proc.stdout)
    meanings = ["ok", "infeasible", "not_converged", "invalid_input", "out_of_range", "not_computed",
                "constrained", "undertrained"]
    with h5py.File(tmp_path / "mixed.h5", "r") as f:
        for name in ("opt_status", "budget_status"):
            counted = np.bincount(f[name][()].ravel(), minlength=len(meanings))
            assert summary["statuses"][name] == dict(zip(meanings, map(int, counted))), name
    assert summary["statuses"]["opt_status"]["infeasible"] == 2 * 3
    assert "opt_status: 6 ok, 6 infeasible (loss-target optima)" in proc.stderr
    assert "warning" not in proc.stderr

    cfg.write_text('[law]\npreset = "epoch2024"\n[axes]\nT = { values = [0, 1e12] }\n'
                   'loss_target = { values = [1.5, 1.8] }\n')
    proc = scalesweep("run", cfg, "-o", tmp_path / "none.h5", "--quiet")
    assert proc.stdout == ""
    assert ("warning: none of the 4 loss-target optima is ok (4 infeasible); the README's table of "
            "status codes says why") in proc.stderr


def test_optimum_hardware_flags_imply_the_usd_objective(scalesweep):
    """Issue 17: --hardware (or a --train-*/--serve-* flag) without --objective prices in dollars,
    as if --objective usd were given; the answer is the same object."""
    args = ["optimum", "--law", "sardana2024", "--loss", "1.947", "--hardware", "b200-fp8",
            "--requests", "1e10", "--input-tokens", "70", "--output-tokens", "215"]
    implied = scalesweep.json(*args)
    explicit = scalesweep.json(*args, "--objective", "usd")
    assert implied["objective"] == "usd" and implied == explicit
    text = scalesweep(*args).stdout
    assert "Chinchilla model" in text and "T=0" not in text
