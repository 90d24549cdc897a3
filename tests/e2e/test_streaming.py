"""The streaming pipeline: results do not depend on tile or chunk sizes; memory stays within
--memory-limit while the output is many times larger; float32, deflate and --optima-only."""
import json
import os
import re
import subprocess

import h5py
import numpy as np
import pytest

CONFIG = """
[law]
preset = "chinchilla-unrounded"
[axes]
N = {{ log10 = [7, 13], points = {n} }}
D = {{ log10 = [8, 15], points = {d} }}
T = {{ values = [0, 1e9, 1e12, 1e15] }}
loss_target = {{ linear = [1.75, 3.0], points = 97 }}
budget = {{ log10 = [18, 27], points = 61 }}
[output]
chunk_cells = {chunk}
{extra}
"""

VARIABLES = ["loss", "cost", "budget_curve_loss", "budget_curve_D", "opt_N", "opt_D", "opt_cost",
             "chinchilla_N", "chinchilla_D", "chinchilla_cost", "opt_status", "budget_N", "budget_D",
             "budget_loss", "budget_chinchilla_N", "budget_chinchilla_D", "budget_chinchilla_loss",
             "budget_status"]


def run(scalesweep, tmp_path, name, n=301, d=257, chunk=131072, extra="", args=()):
    cfg = tmp_path / f"{name}.toml"
    cfg.write_text(CONFIG.format(n=n, d=d, chunk=chunk, extra=extra))
    out = tmp_path / f"{name}.h5"
    summary = scalesweep.json("run", cfg, "-o", out, "--backend", "cpu", "--quiet", *args)
    return out, summary


def read_all(path):
    with h5py.File(path, "r") as f:
        return {v: f[v][()] for v in VARIABLES if v in f}


def assert_same_content(a, b):
    """Bitwise equal values (NaN where NaN): same backend, same per-cell code path."""
    da, db = read_all(a), read_all(b)
    assert set(da) == set(db)
    for name in da:
        x, y = da[name], db[name]
        assert x.shape == y.shape and x.dtype == y.dtype, name
        if x.dtype.kind == "f":
            assert np.array_equal(x.view(np.uint64 if x.dtype == np.float64 else np.uint32),
                                  y.view(np.uint64 if y.dtype == np.float64 else np.uint32)), name
        else:
            assert np.array_equal(x, y), name


def test_many_tiny_tiles_give_the_same_file_as_one_big_tile(scalesweep, tmp_path):
    big, s_big = run(scalesweep, tmp_path, "big", chunk=1 << 24, args=("--tile-cells", str(1 << 24)))
    tiny, s_tiny = run(scalesweep, tmp_path, "tiny", chunk=97, args=("--tile-cells", "1"))
    assert s_big["tiles"] <= 8
    assert s_tiny["tiles"] > 5000
    assert_same_content(big, tiny)
    with h5py.File(tiny, "r") as f:
        assert np.prod(f["cost"].chunks) <= 97


def test_memory_stays_within_the_limit_for_output_many_times_larger(scalesweep, tmp_path):
    """Dense output of ~240 MB through an 80 MiB limit (64 MiB of it the fixed allowance, so tiles
    get ~16 MiB): at least 8x what the tiles may hold, and peak RSS stays under the limit."""
    limit = 80 * 2**20
    out, s = run(scalesweep, tmp_path, "bounded", n=2401, d=2401, chunk=16384,
                 args=("--memory-limit", "80M"))
    dense_bytes = 2401 * 2401 * 8 * (1 + 4)  # loss(N, D) and cost(hardware=1, T=4, N, D)
    assert dense_bytes >= 8 * (limit - 64 * 2**20)
    assert s["memory_limit_bytes"] == limit
    assert s["planned_host_bytes"] <= limit
    assert s["peak_rss_bytes"] <= limit, s
    reference, _ = run(scalesweep, tmp_path, "unbounded", n=2401, d=2401, chunk=16384,
                       args=("--memory-limit", "8G"))
    assert_same_content(out, reference)


def test_float32_and_deflate_store_the_same_numbers(scalesweep, tmp_path):
    plain, _ = run(scalesweep, tmp_path, "plain")
    packed, s = run(scalesweep, tmp_path, "packed", chunk=4096,
                    extra='dtype = { cost = "float32", budget_curve = "float32" }\n'
                          'compression = "deflate"\ndeflate_level = 6')
    with h5py.File(plain, "r") as a, h5py.File(packed, "r") as b:
        assert b["cost"].dtype == np.float32 and b["budget_curve_D"].dtype == np.float32
        assert b["loss"].dtype == np.float64 and b["opt_N"].dtype == np.float64
        assert b["cost"].compression == "gzip" and b["cost"].shuffle
        # float32 storage is the float64 value rounded once (IEEE round-to-nearest).
        np.testing.assert_array_equal(b["cost"][()], a["cost"][()].astype(np.float32))
        np.testing.assert_array_equal(b["budget_curve_D"][()], a["budget_curve_D"][()].astype(np.float32))
        for name in ["loss", "opt_N", "opt_status", "budget_loss"]:
            np.testing.assert_array_equal(b[name][()], a[name][()])
        assert b["cost"].attrs["_FillValue"].dtype == np.float32
    assert s["bytes_written"] < os.path.getsize(plain)


def test_optima_only_writes_no_dense_grids(scalesweep, tmp_path):
    out, s = run(scalesweep, tmp_path, "optima", args=("--optima-only",))
    with h5py.File(out, "r") as f:
        assert "loss" not in f and "cost" not in f and "budget_curve_loss" not in f
        assert "opt_N" in f and "budget_N" in f
    assert s["cells"] == 4 * 97 + 4 * 61


def test_progress_lines_in_batch_logs(binary, tmp_path):
    cfg = tmp_path / "p.toml"
    cfg.write_text(CONFIG.format(n=1001, d=1001, chunk=4096, extra=""))
    env = dict(os.environ, SCALESWEEP_PROGRESS_SECONDS="0.001")
    proc = subprocess.run([binary, "run", cfg, "-o", tmp_path / "p.h5", "--tile-cells", "4096"],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    lines = [l for l in proc.stderr.splitlines() if l.startswith("progress: ")]
    assert lines, proc.stderr
    assert "cells/s" in lines[0] and "ETA" in lines[0]
    # Counts with thousands separators, as every other line prints them.
    assert re.match(r"progress: [\d,]+/\d{1,3}(,\d{3})+ cells \(", lines[0]), lines[0]
    assert "done: " in proc.stdout and "peak memory" in proc.stdout and "GB/s" in proc.stdout


@pytest.mark.parametrize("args,message", [
    (("--memory-limit", "65M"), "--memory-limit 65.0 MiB cannot hold the"),
    (("--memory-limit", "lots"), "--memory-limit: 'lots' is not a size"),
    (("--gpu-memory-limit", "-3G"), "--gpu-memory-limit: '-3G' is not a size"),
])
def test_memory_limit_errors(scalesweep, tmp_path, args, message):
    cfg = tmp_path / "m.toml"
    cfg.write_text(CONFIG.format(n=301, d=257, chunk=1 << 20, extra=""))
    proc = scalesweep("run", cfg, "-o", tmp_path / "m.h5", "--backend", "cpu", *args, check=False)
    assert proc.returncode == 2
    assert message in proc.stderr, proc.stderr
    assert not (tmp_path / "m.h5").exists() and not (tmp_path / "m.h5.partial").exists()


def test_a_memory_limit_above_the_machine_is_a_warning(scalesweep, tmp_path):
    """Accepted (a node may differ from the login node that validates), but said."""
    cfg = tmp_path / "m.toml"
    cfg.write_text(CONFIG.format(n=31, d=27, chunk=1 << 20, extra=""))
    proc = scalesweep("validate", cfg, "--memory-limit", "1000T")
    assert "warning: --memory-limit 1000T is more than this machine's" in proc.stderr
