"""Shared fixtures for the end-to-end tests: the scalesweep binary and a runner for it."""
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

SOURCE_DIR = Path(os.environ.get("SCALESWEEP_SOURCE_DIR", Path(__file__).resolve().parents[2]))
# The Python package: ctest puts the build's copy (with the compiled engine) on PYTHONPATH; run by
# hand, the checkout's python/ serves what needs no engine (reading files, plotting).
if importlib.util.find_spec("scalesweep") is None:
    sys.path.insert(0, str(SOURCE_DIR / "python"))


def scalesweep_binary() -> str:
    path = os.environ.get("SCALESWEEP")
    if not path:
        candidate = SOURCE_DIR / "build" / "scalesweep"
        path = str(candidate)
    if not Path(path).exists():
        pytest.exit(f"scalesweep binary not found at {path}; set SCALESWEEP or build first", 2)
    return str(Path(path).resolve())


@pytest.fixture(scope="session")
def binary() -> str:
    return scalesweep_binary()


class Runner:
    def __init__(self, binary: str):
        self.binary = binary

    def __call__(self, *args, check=True, cwd=None):
        proc = subprocess.run([self.binary, *map(str, args)], capture_output=True, text=True, cwd=cwd)
        if check and proc.returncode != 0:
            raise AssertionError(
                f"scalesweep {' '.join(map(str, args))} exited {proc.returncode}\n"
                f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
        return proc

    def json(self, *args, cwd=None):
        return json.loads(self(*args, "--json", cwd=cwd).stdout)


@pytest.fixture(scope="session")
def scalesweep(binary) -> Runner:
    return Runner(binary)


# Attributes that describe how a file was made rather than what it holds.
PROVENANCE = {"created", "command_line", "backend", "config_path"}


def read_results(path):
    """Every dataset (progress record included) and every non-provenance root attribute."""
    data, attrs = {}, {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                data[name] = obj[()]
        f.visititems(visit)
        for k, v in f.attrs.items():
            if k not in PROVENANCE:
                attrs[k] = v
    return data, attrs


def assert_same_results(a, b):
    """Bitwise-equal datasets (NaN where NaN) and equal scientific attributes: the files hold
    the same content, whatever wrote them (serial, MPI, shards + merge, resumed)."""
    da, aa = read_results(a)
    db, ab = read_results(b)
    assert sorted(da) == sorted(db), (sorted(da), sorted(db))
    for name in da:
        x, y = np.asarray(da[name]), np.asarray(db[name])
        assert x.dtype == y.dtype and x.shape == y.shape, name
        if x.dtype.kind == "f":
            assert np.array_equal(x.view(f"u{x.dtype.itemsize}"), y.view(f"u{y.dtype.itemsize}")), name
        else:
            assert np.array_equal(x, y), name
    assert sorted(aa) == sorted(ab)
    for k in aa:
        assert np.array_equal(np.asarray(aa[k]), np.asarray(ab[k])), k


def wait_for_file(path, proc, timeout=60):
    """Returns once `path` (a run's partial file) exists, or once `proc` has ended: signals and
    kills sent after this land inside the run, however slowly a loaded machine starts it."""
    deadline = time.monotonic() + timeout
    while not Path(path).exists() and proc.poll() is None:
        assert time.monotonic() < deadline, f"{path} did not appear in {timeout} s"
        time.sleep(0.01)


def wait_for_text(path, text, proc, timeout=60):
    """Returns once the file at `path` (a process's log) holds `text`, or once `proc` has ended:
    a wait on what the process has done, not on how long a loaded machine takes to do it."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None and text not in Path(path).read_text(errors="replace"):
        assert time.monotonic() < deadline, f"{text!r} did not appear in {path} in {timeout} s"
        time.sleep(0.01)


def signal_once_written(proc, partial, sig=signal.SIGTERM, after=0.3):
    """Waits for `partial` (the run's or merge's partial file) to appear, lets `proc` work `after`
    seconds more, sends `sig` and waits for it to end; returns its stderr (None if not piped)."""
    wait_for_file(partial, proc)
    time.sleep(after)
    proc.send_signal(sig)
    return proc.communicate(timeout=60)[1]


def interrupt_slow_run(binary, cfg, out, *extra, after=0.3, sig=None):
    """Starts `run CFG -o OUT` slowed down per writer round (one thread, 512-cell tiles), sends
    `sig` (SIGTERM: a batch system's time limit) `after` seconds into it and waits: leaves
    OUT.partial behind, as an interrupted run does."""
    proc = subprocess.Popen([binary, "run", cfg, "-o", out, "--quiet", "--threads", "1", "--tile-cells", "512",
                             *map(str, extra)], env=dict(os.environ, SCALESWEEP_DEBUG_ROUND_DELAY_MS="20"),
                            stderr=subprocess.DEVNULL)
    wait_for_file(f"{out}.partial", proc)
    time.sleep(after)
    proc.send_signal(sig if sig is not None else signal.SIGTERM)
    proc.wait(timeout=60)
    return proc


def chunk_cells(ds, indices):
    """Cells of the chunks of dataset `ds` with these row-major chunk indices (edge chunks are
    smaller): how progress records, one flag per chunk, translate into cells."""
    grid = [-(-n // c) for n, c in zip(ds.shape, ds.chunks)]
    total = 0
    for index in indices:
        cells = 1
        for d in reversed(range(len(grid))):
            k = index % grid[d]
            index //= grid[d]
            cells *= min(ds.chunks[d], ds.shape[d] - k * ds.chunks[d])
        total += cells
    return total


def recorded_done_cells(path):
    """Cells of the chunks that a file's progress records (a partial's, a shard part's) mark done,
    from h5py alone: each record lists its problem's variables, whose chunk grid (edge chunks
    smaller) it indexes."""
    with h5py.File(path, "r") as f:
        return sum(chunk_cells(f[record.attrs["variables"][0]], np.flatnonzero(record[()] == 1))
                   for record in f["_scalesweep"].values())
