"""Damaged files through the readers outside the C++ CLI's own (issue 18): scalesweep.open, the plot
command line (scripts/plot.py) and `scalesweep export`. libhdf5 trusts what it reads: h5py's
(HDF5 2.0 in the pinned wheel) dies of SIGSEGV walking a chunk index whose B-tree node names itself
as its child, and 1.10 (the CLI's, and Debian's h5py's) crashes reading it and on other changed
bytes. The readers check the file in a child
process first (scalesweep/file_check.py; export reads in one): a crash, spin or failed read is an
exception naming the file ("damaged or not a scalesweep result"), exit 2 on the command lines.

Also where plot and export write: a directory, device, FIFO, socket or the input is refused before
any work, and the file appears whole or not at all (docs/reliability.md, README Reliability)."""
import os
import random
import signal
import socket
import stat
import struct
import subprocess
import sys
import textwrap

import pytest

from conftest import SOURCE_DIR
from mutants import mutate

PLOT = SOURCE_DIR / "scripts" / "plot.py"
DAMAGED = "is damaged or not a scalesweep result"
PYTHON_PATH = os.environ.get("PYTHONPATH", str(SOURCE_DIR / "python"))

# Small results, mostly metadata: a dense grid of 100 chunks (its chunk index is a two-level
# B-tree), the budget optima (statuses, deflated) and one shard's part.
GRID = """title = "grid"
[law]
preset = "chinchilla"
[objective]
kind = "flops"
[axes]
N = { log10 = [8, 12], points = 20 }
D = { log10 = [9, 13], points = 20 }
T = { values = [0, 1e12] }
budget = { values = [1e21, 1e23] }
[output]
chunk_cells = 4
"""
BUDGET = """title = "budget"
[law]
preset = "chinchilla"
[objective]
kind = "usd"
[[hardware]]
name = "h100"
preset = "sardana2024-default"
[axes]
T = { values = [0, 1e12] }
budget = { values = [1e6, 1e8] }
[output]
compression = "deflate"
chunk_cells = 2
"""


@pytest.fixture(scope="module")
def results(tmp_path_factory, scalesweep):
    d = tmp_path_factory.mktemp("bases")
    out = {}
    for name, text, flags in [("grid", GRID, []), ("budget", BUDGET, []),
                              ("part", GRID, ["--shard", "1/2"])]:
        config = d / f"{name}.toml"
        config.write_text(text)
        out[name] = d / f"{name}.h5"
        scalesweep("run", config, "-o", out[name], "--quiet", *flags)
    return out


def self_referencing_btree(path, target):
    """Writes `path` with the first child address of the file's first interior chunk B-tree node
    (version 1, type 1, level >= 1) set to the node's own address: 8 changed bytes."""
    data = bytearray(path.read_bytes())
    at = 0
    while (at := data.find(b"TREE", at + 1)) >= 0:
        if data[at + 4] == 1 and data[at + 5] >= 1:
            break
    else:
        raise AssertionError("no interior chunk B-tree node in the file")
    # Node: signature, type, level, entries (2), two sibling addresses (8 each), then key 0 and
    # child 0. A chunk key: size (4), filter mask (4), one 8-byte offset per dimension plus one.
    # The rank is the one whose child 0 is a node.
    for rank in range(1, 8):
        child = at + 24 + 8 + 8 * (rank + 1)
        address = struct.unpack("<Q", data[child:child + 8])[0]
        if data[address:address + 4] == b"TREE":
            break
    else:
        raise AssertionError("the node's first child is not a B-tree node at any rank")
    data[child:child + 8] = struct.pack("<Q", at)
    target.write_bytes(data)
    return target


def plot(*args):
    return subprocess.run([sys.executable, PLOT, *map(str, args)], capture_output=True, text=True,
                          env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"})


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if ".partial" in p.name)


# Walking the chunk index (h5py's chunk_iter, HDF5's H5Dchunk_iter) recurses into the node
# without end: SIGSEGV. (HDF5 2.0's read path detects the cycle and raises; 1.10's, the CLI's,
# crashes.)
WALK_IN_PROCESS = """
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    f["loss"].id.chunk_iter(lambda info: None)
"""


def test_a_btree_node_that_is_its_own_child_is_refused_not_a_crash(tmp_path, results, scalesweep):
    cyclic = self_referencing_btree(results["grid"], tmp_path / "cyclic.h5")
    # The input is a real crash: h5py itself, walking the variable's chunks in its process, dies.
    bare = subprocess.run([sys.executable, "-c", WALK_IN_PROCESS, cyclic], capture_output=True)
    assert bare.returncode < 0, f"h5py no longer crashes on it (exit {bare.returncode})"

    import scalesweep as package
    with pytest.raises(package.ResultError) as refused:
        package.open(cyclic)
    assert str(refused.value).startswith(f"'{cyclic}' {DAMAGED}: reading it crashed (Segmentation fault)")

    proc = plot(cyclic, "--kind", "cost-map", "--T", "1e12", "-o", tmp_path / "x.png")
    assert proc.returncode == 2, proc.stderr
    assert f"error: '{cyclic}' {DAMAGED}: reading it crashed (Segmentation fault)" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "x.png").exists()

    proc = scalesweep("export", cyclic, "--problem", "dense-loss", "--csv", "-o",
                      tmp_path / "x.csv", check=False)
    assert proc.returncode == 2 and f"'{cyclic}' {DAMAGED}" in proc.stderr, proc.stderr
    assert not (tmp_path / "x.csv").exists() and leftovers(tmp_path) == []


# scalesweep.open on each mutant, then every value read (xarray's load), in one child: a crash
# anywhere shows as its exit status, with the mutants done so far on its output.
OPEN_EACH = """
import sys
import scalesweep
for path in sys.argv[1:]:
    try:
        ds = scalesweep.open(path)
    except scalesweep.ResultError as e:
        print("refused", path, str(e).replace("\\n", " "), flush=True)
        continue
    try:
        with ds:
            ds.load()
        print("read", path, flush=True)
    except Exception as e:
        print("load-failed", path, type(e).__name__, flush=True)
"""


def test_mutants_through_open_plot_and_export(tmp_path, results, scalesweep):
    """Seeded mutants (1-8 random bytes changed, as tests/e2e/mutants.py makes them) of the three
    small results, and the self-referencing B-tree, through scalesweep.open (then loading every
    value), export and plot: nothing dies of a signal; a refusal names the file; exit 0 or 2."""
    rng = random.Random(int(os.environ.get("SCALESWEEP_MUTANT_SEED", "18")))
    count = int(os.environ.get("SCALESWEEP_PYTHON_MUTANTS", "40"))
    names = list(results)
    mutants = [self_referencing_btree(results["grid"], tmp_path / "cyclic.h5")]
    for i in range(count):
        base = results[names[i % len(names)]]
        path = tmp_path / f"m{i}-{base.stem}.h5"
        path.write_bytes(mutate(base.read_bytes(), rng))
        mutants.append(path)

    env = {**os.environ, "PYTHONPATH": PYTHON_PATH}
    proc = subprocess.run([sys.executable, "-c", OPEN_EACH, *map(str, mutants)],
                          capture_output=True, text=True, env=env, timeout=1200)
    lines = proc.stdout.splitlines()
    assert proc.returncode == 0, (f"the reading process ended with {proc.returncode} after "
                                  f"{len(lines)} of {len(mutants)} files\n{proc.stderr[-2000:]}")
    outcomes = {}
    for line in lines:
        outcome, path, *rest = line.split(" ", 2)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if outcome == "refused":
            assert rest[0].startswith(f"'{path}' "), line
    assert sum(outcomes.values()) == len(mutants)
    print("scalesweep.open:", outcomes)
    # The test can fail: some mutants are refused as damaged, and the cyclic one is among them.
    assert any(line.startswith(f"refused {mutants[0]} ") and DAMAGED in line for line in lines)

    exports = {}
    for path in mutants:
        out = tmp_path / "out.csv"
        proc = scalesweep("export", path, "--problem", "budget" if "budget" in path.name else
                          "dense-loss", "--csv", "--allow-incomplete", "-o", out, "--overwrite",
                          check=False)
        assert proc.returncode in (0, 2), f"export {path.name}: exit {proc.returncode}\n{proc.stderr}"
        if proc.returncode == 2:
            assert f"error: '{path}' " in proc.stderr or "error: --problem: " in proc.stderr, \
                proc.stderr
        exports[proc.returncode] = exports.get(proc.returncode, 0) + 1
        assert leftovers(tmp_path) == []
    print("export:", exports)
    assert exports.get(2, 0) > 0

    # The plot command line: a few mutants (each run starts matplotlib).
    for path in mutants[:1] + [m for m in mutants if "grid" in m.name][:3]:
        proc = plot(path, "--kind", "budget", "--budget", "1e23", "-o", tmp_path / "x.png")
        assert proc.returncode in (0, 2), f"plot {path.name}: exit {proc.returncode}\n{proc.stderr}"
        assert "Traceback" not in proc.stderr, proc.stderr
        assert leftovers(tmp_path) == []


PROBE_LIMITS = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, sys.argv[1])
    import _probe
    limits = _probe.Limits(1)
    if sys.argv[2] == "spin":
        while True:
            pass
    if sys.argv[2] == "progress":
        start = time.process_time()
        while time.process_time() - start < 3:
            limits.progress()
    if sys.argv[2] == "memory":
        try:
            bytearray(3 << 30)
        except MemoryError:
            sys.exit(7)
""")


@pytest.mark.parametrize("work,expected", [("spin", -signal.SIGXCPU), ("progress", 0),
                                           ("memory", 7)])
def test_the_probe_bounds_cpu_without_progress_and_memory(work, expected):
    """The probe's limits: 1 s of CPU without progress ends it with SIGXCPU (within the 1 s
    granularity of RLIMIT_CPU and the half second between raises), 3 s of CPU with progress do
    not, and 3 GiB more than it held is refused (limit: held + 2 GiB)."""
    proc = subprocess.run([sys.executable, "-c", PROBE_LIMITS, str(SOURCE_DIR / "python" /
                                                                   "scalesweep"), work],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == expected, proc.stderr


# Where plot and export write -------------------------------------------------------------------

def special_files(tmp_path):
    """Non-regular files of this test's own: (path, kind words), each still what it was after."""
    fifo = tmp_path / "fifo.png"
    os.mkfifo(fifo)
    listening = socket.socket(socket.AF_UNIX)
    listening.bind(str(tmp_path / "sock.png"))
    files = [(fifo, "a FIFO (named pipe)"), (tmp_path / "sock.png", "a socket"),
             (tmp_path / "dir.png", "a directory"), ("/dev/null", "a character device")]
    (tmp_path / "dir.png").mkdir()
    if os.geteuid() == 0:
        device = tmp_path / "null-copy.png"
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        files.append((device, "a character device"))
    return files, listening


def file_kind(path):
    st = os.stat(path)
    return stat.S_IFMT(st.st_mode), st.st_rdev


def test_plot_and_export_write_regular_files_only(tmp_path, results, scalesweep):
    files, listening = special_files(tmp_path)
    result = results["budget"]
    with listening:
        for path, words in files:
            before = file_kind(path)
            proc = plot(result, "--kind", "budget", "-o", path)
            assert proc.returncode == 2 and f"'{path}' is {words}" in proc.stderr, proc.stderr
            for overwrite in ([], ["--overwrite"]):
                proc = scalesweep("export", result, "--problem", "budget", "--csv", "-o", path,
                                  *overwrite, check=False)
                assert proc.returncode == 2 and f"'{path}' is {words}" in proc.stderr, proc.stderr
            assert file_kind(path) == before
    if os.geteuid() != 0:
        pytest.skip("mknod of a character device needs root; the other kinds were checked")


def test_plot_and_export_refuse_their_input_as_output(tmp_path, results, scalesweep):
    copy = tmp_path / "r.png"  # an image name, so that plot's format check passes
    copy.write_bytes(results["budget"].read_bytes())
    link = tmp_path / "link.csv"
    link.symlink_to(copy)
    before = copy.read_bytes()
    proc = plot(copy, "--kind", "budget", "-o", copy)
    assert proc.returncode == 2 and "is the file being plotted" in proc.stderr, proc.stderr
    proc = scalesweep("export", copy, "--problem", "budget", "--csv", "-o", link, "--overwrite",
                      check=False)
    assert proc.returncode == 2 and "is the result being exported" in proc.stderr, proc.stderr
    assert copy.read_bytes() == before and link.is_symlink()


def test_plot_and_export_replace_a_regular_file_whole(tmp_path, results, scalesweep):
    """The new file takes the name by a rename (a new inode; nothing left under a temporary
    name); a refused or failed command leaves the old file as it was."""
    image, table = tmp_path / "x.png", tmp_path / "x.csv"
    image.write_text("old")
    table.write_text("old")
    old = {p: os.stat(p).st_ino for p in (image, table)}
    proc = plot(results["grid"], "--kind", "budget", "--budget", "1e23", "-o", image)
    assert proc.returncode == 0, proc.stderr
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and os.stat(image).st_ino != old[image]
    proc = scalesweep("export", results["budget"], "--problem", "budget", "--csv", "-o", table,
                      "--overwrite")
    assert table.read_text().startswith("hardware,T") and os.stat(table).st_ino != old[table]
    proc = scalesweep("export", results["budget"], "--problem", "dense-loss", "--csv", "-o", table,
                      "--overwrite", check=False)
    assert proc.returncode == 2 and table.read_text().startswith("hardware,T")
    assert leftovers(tmp_path) == []
