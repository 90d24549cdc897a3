"""`scalesweep fit` end to end: Besiroglu et al.'s figures from the shipped data (reference values:
data/README.md), the law-samples file, the shipped epoch2024-bootstrap preset regenerated from
the command it records, and bad input (exit 2, a clear message, no output file)."""
import hashlib
import json
import math
import shlex
import subprocess

import h5py
import numpy as np
import pytest
import xarray as xr

from conftest import SOURCE_DIR

DATA = SOURCE_DIR / "data" / "chinchilla-fig4-besiroglu2024.csv"
PRESET = SOURCE_DIR / "data" / "epoch2024-bootstrap.h5"
COLUMNS = ["--N-column", "Model Size", "--flops-column", "Training FLOP",
           "--exclude-highest-loss", "5"]
# Hoffmann et al.'s fit at full precision, log space (a, b, e, alpha, beta), as Besiroglu et al.
# start their bootstrap from it.
HOFFMANN = "6.0073404,6.0179186,0.5267228,0.33917084,0.2849083"


def within(value, reference, relative):
    return abs(value - reference) <= relative * abs(reference)


def test_huber_grid_fit(scalesweep):
    """Acceptance: objective <= 0.0010182740346 + 1e-12 (their notebook's best), parameters within
    0.1 % of theirs (A 477.84, B 2143.86, E 1.81724, alpha 0.347313, beta 0.367183)."""
    r = scalesweep.json("fit", DATA, *COLUMNS)
    assert r["n_points"] == 240 and r["starts"] == 4500
    assert r["objective"] <= 0.0010182740346 + 1e-12
    for key, ref in [("A", 477.84171), ("B", 2143.8638), ("E", 1.8172355),
                     ("alpha", 0.34731266), ("beta", 0.36718262)]:
        assert within(r[key], ref, 1e-3), (key, r[key], ref)
    assert 1500 < r["starts_reaching_best"] < 2000  # 1,722 here; moves with rounding (tens)
    assert r["method"] == "huber" and r["delta"] == 1e-3


def test_huber_mle_fit(scalesweep):
    """Their reported estimate (A 482.006, B 2085.43, E 1.81686, alpha 0.34781, beta 0.36585) to
    0.1 %, and its negative log-likelihood -879.77314."""
    r = scalesweep.json("fit", DATA, *COLUMNS, "--method", "huber-mle")
    for key, ref in [("A", 482.00572), ("B", 2085.43420), ("E", 1.81686),
                     ("alpha", 0.34781), ("beta", 0.36585)]:
        assert within(r[key], ref, 1e-3), (key, r[key], ref)
    assert abs(r["objective"] - -879.77314) < 1e-4
    assert within(r["sigma"], math.exp(-12.266622737728452), 1e-4)


def test_samples_file(scalesweep, tmp_path):
    """-o writes the samples along `sample` (xarray opens it) with the data's provenance; the
    resamples do not depend on the thread count; --json has SPEC §5.5's keys."""
    out1, out2 = tmp_path / "one.h5", tmp_path / "two.h5"
    args = ["fit", DATA, *COLUMNS, "--start", HOFFMANN, "--bootstrap", "24", "--seed", "7",
            "--backend", "cpu"]
    r = scalesweep.json(*args, "--threads", "1", "-o", out1)
    scalesweep(*args, "--threads", "2", "-o", out2)
    for key in ["E", "A", "B", "alpha", "beta", "objective", "n_points", "starts"]:
        assert key in r
    assert r["bootstrap"]["samples"] == 24
    assert set(r["bootstrap"]["se"]) == {"E", "A", "B", "alpha", "beta"}
    q = r["bootstrap"]["quantiles"]
    assert q["levels"] == [0.025, 0.05, 0.5, 0.95, 0.975]
    ds = xr.open_dataset(out1, engine="h5netcdf")
    assert ds.sizes["sample"] == 24
    for v in ["E", "A", "B", "alpha", "beta", "objective", "status"]:
        assert ds[v].dims == ("sample",)
    # The JSON's SEs and quantiles are numpy's over the file's samples (ddof = 1, linear).
    assert within(r["bootstrap"]["se"]["B"], float(ds.B.std(ddof=1)), 1e-12)
    assert np.allclose(q["alpha"], np.quantile(ds.alpha.values, q["levels"]), rtol=1e-14)
    a = ds.attrs
    assert a["file_kind"] == "scalesweep law samples"
    assert a["data_sha256"] == hashlib.sha256(DATA.read_bytes()).hexdigest()
    assert a["N_column"] == "Model Size" and a["flops_column"] == "Training FLOP"
    assert list(a["excluded_rows"]) == [1, 2, 3, 4, 5]
    assert a["method"] == "huber" and a["delta"] == 1e-3 and a["bootstrap_seed"] == 7
    assert "'Model Size'" in a["command_line"]  # shell-quoted, so it can be run again
    assert within(a["estimate_A"], r["A"], 1e-15)
    with h5py.File(out1) as f1, h5py.File(out2) as f2:
        for v in ["E", "A", "B", "alpha", "beta", "objective"]:
            assert np.array_equal(f1[v][()], f2[v][()]), v


def test_shipped_preset_regenerates(scalesweep, tmp_path):
    """data/epoch2024-bootstrap.h5 is what the command it records makes. The same build on the same
    machine gives the same bits. Another machine (libm's and the lanes' code paths differ between
    AVX-512 and AVX2 hosts) moves the fits' end points along the flat valley: on an AVX2 host
    (2026-12-05) the median resample moved by 5e-9 relative, the 99th percentile by 1.9e-7 and the
    worst (resample 597, B) by 2.6e-5, while the standard errors moved by at most 1.2e-8. Hence
    1e-6 for the 99th percentile and the standard errors, 1e-4 for every resample."""
    with h5py.File(PRESET) as f:
        command = f.attrs["command_line"]
        stored = {v: f[v][()] for v in ["E", "A", "B", "alpha", "beta"]}
    args = shlex.split(command)
    assert args[1] == "fit" and "-o" in args
    args[args.index("-o") + 1] = str(tmp_path / "again.h5")
    subprocess.run([scalesweep.binary, *args[1:], "--quiet"], cwd=SOURCE_DIR, check=True,
                   capture_output=True)
    with h5py.File(tmp_path / "again.h5") as f:
        for v, values in stored.items():
            moved = np.abs(f[v][()] / values - 1)
            assert moved.max() <= 1e-4, (v, int(moved.argmax()), moved.max())
            assert np.quantile(moved, 0.99) <= 1e-6, v
            assert abs(np.std(f[v][()], ddof=1) / np.std(values, ddof=1) - 1) <= 1e-6, v
    assert command in (SOURCE_DIR / "data" / "README.md").read_text()


def test_shipped_preset_standard_errors():
    """Acceptance: the 4,000 resamples' SEs within 10 % of Besiroglu et al.'s (A 124.52232,
    B 1293.28410, E 0.02566, alpha 0.01540, beta 0.02060)."""
    ds = xr.open_dataset(PRESET, engine="h5netcdf")
    assert ds.sizes["sample"] == 4000 and int((ds.status <= 2).sum()) == 4000
    for v, ref in [("A", 124.52232), ("B", 1293.28410), ("E", 0.02566), ("alpha", 0.01540),
                   ("beta", 0.02060)]:
        se = float(ds[v].std(ddof=1))
        assert within(se, ref, 0.10), (v, se, ref)


BAD = [
    ("missing_column", ["--N-column", "Size"], ["--N-column", "has no column 'Size'", "'Model Size'"]),
    ("non_numeric_column", ["--N-column", "color"], ["column 'color' (--N-column): '#faebdd' is not a number"]),
    ("zero_bootstrap", ["--bootstrap", "0"], ["--bootstrap must be at least 1"]),
    ("unknown_method", ["--method", "l2"], ["--method: unknown method 'l2'", "huber, huber-mle"]),
    ("unknown_backend", ["--backend", "tpu"], ["--backend: tpu not in {auto,cpu,cuda}"]),
    ("bad_start", ["--start", "1,2,3"], ["--start: '1,2,3' is neither"]),
    ("negative_delta", ["--delta", "-1"], ["--delta must be finite and > 0"]),
    ("too_many_excluded", ["--exclude-highest-loss", "245"], ["allowed: 0 to 244"]),
    ("seed_without_bootstrap", ["--seed", "3"], ["--seed applies to --bootstrap only"]),
    ("bad_bootstrap_starts", ["--bootstrap", "2", "--bootstrap-starts", "all"], ["allowed: point"]),
]


@pytest.mark.parametrize("name,extra,messages", BAD, ids=[b[0] for b in BAD])
def test_bad_flags(scalesweep, tmp_path, name, extra, messages):
    out = tmp_path / "law.h5"
    base = ["fit", DATA, "--flops-column", "Training FLOP"]
    if "--N-column" not in extra:
        base += ["--N-column", "Model Size"]
    proc = scalesweep(*base, *extra, "-o", out, check=False)
    assert proc.returncode == 2, proc.stderr
    for m in messages:
        assert m in proc.stderr, (m, proc.stderr)
    assert not out.exists() and not (tmp_path / "law.h5.partial").exists()


BAD_CSV = [
    ("non_positive_loss", "N,D,loss\n1e8,2e9,0\n" + "1e9,2e10,2.5\n" * 5,
     ["line 2, column 'loss' (--loss-column): must be finite and > 0, got 0"]),
    ("negative_tokens", "N,D,loss\n1e8,-2e9,3\n" + "1e9,2e10,2.5\n" * 5,
     ["column 'D' (--D-column): must be finite and > 0, got -2e9"]),
    ("text_in_numbers", "N,D,loss\n1e8,2e9,three\n", ["'three' is not a number"]),
    ("too_few_rows", "N,D,loss\n1e8,2e9,3\n1e9,2e10,2.5\n",
     ["2 points to fit, fewer than the 5 parameters"]),
    ("missing_loss_column", "N,D,L\n1e8,2e9,3\n", ["--loss-column", "no column 'loss'"]),
    ("empty", "", ["empty file"]),
]


@pytest.mark.parametrize("name,text,messages", BAD_CSV, ids=[b[0] for b in BAD_CSV])
def test_bad_csv(scalesweep, tmp_path, name, text, messages):
    data, out = tmp_path / "runs.csv", tmp_path / "law.h5"
    data.write_text(text)
    proc = scalesweep("fit", data, "-o", out, check=False)
    assert proc.returncode == 2, proc.stderr
    for m in messages:
        assert m in proc.stderr, (m, proc.stderr)
    assert not out.exists() and not (tmp_path / "law.h5.partial").exists()


def test_missing_data_file(scalesweep, tmp_path):
    proc = scalesweep("fit", tmp_path / "nope.csv", check=False)
    assert proc.returncode == 2 and "cannot read" in proc.stderr


def test_mle_needs_six_points(scalesweep, tmp_path):
    data = tmp_path / "runs.csv"
    data.write_text("N,D,loss\n" + "".join(f"1e{8 + i},2e{9 + i},{3 - 0.1 * i}\n" for i in range(5)))
    proc = scalesweep("fit", data, "--method", "huber-mle", check=False)
    assert proc.returncode == 2 and "fewer than the 6 parameters" in proc.stderr
