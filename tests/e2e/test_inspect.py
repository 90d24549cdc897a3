"""`scalesweep inspect`: a human summary, and --json that round-trips the file's axes and
attributes (compared with what h5py reads)."""
import h5py
import numpy as np
import pytest

from conftest import SOURCE_DIR
from run_configs import write_config


@pytest.fixture(scope="module")
def result(tmp_path_factory, scalesweep):
    d = tmp_path_factory.mktemp("inspect")
    cfg = write_config(d, extra='dtype = { cost = "float32" }')
    scalesweep("run", cfg, "-o", d / "r.h5", "--quiet")
    return d / "r.h5"


def test_json_round_trips_axes_and_attributes(scalesweep, result):
    info = scalesweep.json("inspect", result)
    with h5py.File(result, "r") as f:
        assert info["format_version"] == f.attrs["scalesweep_format_version"] == 1
        assert set(info["attributes"]) == set(f.attrs)
        for name, value in f.attrs.items():
            got = info["attributes"][name]
            if isinstance(value, np.ndarray):
                assert list(value) == got, name
            elif isinstance(value, (float, np.floating)):
                assert got == float(value), name
            else:
                assert got == value, name
        for axis in ["hardware", "T", "N", "D", "loss_target", "budget"]:
            assert info["axes"][axis]["values"] == list(f[axis][()]), axis
            assert info["axes"][axis]["units"] == f[axis].attrs["units"]
            assert info["axes"][axis]["size"] == f[axis].shape[0]
        for var in ["cost", "opt_N", "budget_status", "budget_curve_loss"]:
            v = info["variables"][var]
            names = [f[ref[0]].name.lstrip("/") for ref in f[var].attrs["DIMENSION_LIST"]]
            assert v["dims"] == names and v["shape"] == list(f[var].shape), var
        assert info["variables"]["cost"]["dtype"] == "float32"
        assert info["variables"]["opt_status"]["dtype"] == "uint8"
        counts = info["variables"]["opt_status"]["status_counts"]
        assert sum(counts.values()) == f["opt_status"].size
        assert counts["ok"] == int((f["opt_status"][()] == 0).sum())
        assert info["variables"]["hardware_name"]["values"] == ["h100", "l40s"]
    assert info["progress"]["complete"] is True


def test_text_summary(scalesweep, result):
    out = scalesweep("inspect", result).stdout
    assert "scalesweep result (format 1)" in out and "progress: complete" in out
    assert "law: epoch2024" in out and "objective: usd (costs in USD)" in out
    assert "hardware" in out and "h100, l40s" in out
    # One line per scenario with its resolved numbers (presets sardana2024-default and
    # h100-train-l40s-serve, README "Hardware scenarios").
    assert "train H100-SXM bf16 0.5 $2/h; serve H100-SXM fp8 0.5/0.01 $2/h, 70/215" in out
    assert "serve L40S fp8 0.5/0.007 $0.8/h, 70/215" in out
    assert "opt_status: ok" in out
    assert "cost                     (hardware, T, N, D)" in out


def test_partial_file_shows_progress(tmp_path, scalesweep, binary):
    import os, signal, subprocess, time
    cfg = write_config(tmp_path)
    proc = subprocess.Popen([binary, "run", cfg, "-o", tmp_path / "p.h5", "--quiet", "--threads", "1",
                             "--tile-cells", "512"], env=dict(os.environ, SCALESWEEP_DEBUG_ROUND_DELAY_MS="20"),
                            stderr=subprocess.DEVNULL)
    time.sleep(0.6)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    out = scalesweep("inspect", tmp_path / "p.h5.partial").stdout
    assert "chunks written (an unfinished run: resume it)" in out


@pytest.mark.parametrize("content,message", [
    (None, "does not exist"),
    (b"junk", "is not an HDF5 file"),
])
def test_bad_files(tmp_path, scalesweep, content, message):
    path = tmp_path / "x.h5"
    if content is not None:
        path.write_bytes(content)
    proc = scalesweep("inspect", path, check=False)
    assert proc.returncode == 2 and message in proc.stderr


def test_hdf5_that_is_not_a_result(tmp_path, scalesweep):
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["x"] = np.arange(3)
    proc = scalesweep("inspect", tmp_path / "other.h5", check=False)
    assert proc.returncode == 2 and "is not a scalesweep result" in proc.stderr
