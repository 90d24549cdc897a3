"""Random mutation of result files (issue 18): a small result file, a shard part and a partial file
with 1-8 random bytes changed, each handed to `inspect`, `inspect --json`, `merge` and
`run --resume`. Every command must end by itself (no signal), within the time limit, with exit 0
or 2 ("damaged or not a scalesweep result" naming the file); an accepted file must give what the
undamaged one gives (the change hit bytes the command does not read, or bytes it reads as they are).

Used by test_mutants.py (CI: 500 mutants) and by hand for longer runs:
    python tests/e2e/mutants.py BUILD/scalesweep --mutants 5000 --seed 7 --workdir /tmp/m
"""
import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from run_configs import CONFIG as SHARED_CONFIG

# The distributed-run tests' law, objective and hardware (run_configs.py) on a small grid with
# small chunks: the file is mostly metadata, where a changed byte reaches libhdf5's parsers rather
# than one compressed chunk.
CONFIG = SHARED_CONFIG[:SHARED_CONFIG.index("[axes]")] + """[axes]
N = {{ log10 = [7, 13], points = 23 }}
D = {{ log10 = [8, 15], points = 19 }}
T = {{ values = [0, 1e12] }}
loss_target = {{ linear = [1.8, 3.0], points = 11 }}
budget = {{ log10 = [3, 9], points = 13 }}
[output]
chunk_cells = 64
compression = "{compression}"
"""

# A command that works longer than this on a file of this size hangs (an undamaged file takes well
# under a second). Counted in CPU seconds of the command and its reading child: on a machine
# shared with other jobs wall time stretches, CPU time does not. A command that takes WAIT_SECONDS
# of wall time, working or not, hangs too.
HANG_SECONDS = 10
WAIT_SECONDS = 60


class Finished:
    """What a command left: exit status (negative: the signal that ended it) and output."""

    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


@dataclass
class Outcome:
    mutant: int
    base: str
    command: str
    returncode: int
    seconds: float
    problem: str = ""  # empty when the outcome is acceptable
    caught: str = ""  # how the reading child ended, when it did not return: crashed, spun, memory


@dataclass
class Summary:
    outcomes: list = field(default_factory=list)

    def problems(self):
        return [o for o in self.outcomes if o.problem]

    def count(self, command, accepted):
        return sum(1 for o in self.outcomes
                   if o.command == command and (o.returncode == 0) == accepted and not o.problem)


def run(binary, args, env=None):
    """Runs scalesweep; returns (Finished, CPU seconds), or (None, seconds) for a hang, killed."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([binary, *map(str, args)], stdout=out, stderr=err, env=env)
        start = time.monotonic()
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - start > WAIT_SECONDS:
                proc.kill()
                os.wait4(proc.pid, 0)
                return None, WAIT_SECONDS
            time.sleep(0.005)
        proc.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait for it again
        cpu = usage.ru_utime + usage.ru_stime  # the reading child's, once waited for, included
        if cpu > HANG_SECONDS:
            return None, cpu
        out.seek(0)
        err.seek(0)
        text = lambda f: f.read().decode(errors="replace")  # noqa: E731
        return Finished(proc.returncode, text(out), text(err)), cpu


def read_results(path):
    """Every dataset and every root attribute but provenance, as h5py reads them (h5py in this
    process reads only files that scalesweep itself wrote just now)."""
    import h5py
    import numpy as np
    provenance = {"created", "command_line", "backend", "config_path", "git_revision"}
    data, attrs = {}, {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                data[name] = np.asarray(obj[()])
        f.visititems(visit)
        attrs = {k: np.asarray(v) for k, v in f.attrs.items() if k not in provenance}
    return data, attrs


def same_results(path, expected):
    """Whether the file scalesweep wrote at `path` holds `expected` (read_results)."""
    import numpy as np
    try:
        da, aa = read_results(path)
    except Exception:  # an unreadable output of an accepted input is wrong output
        return False
    db, ab = expected
    if sorted(da) != sorted(db) or sorted(aa) != sorted(ab):
        return False
    for name in da:
        x, y = da[name], db[name]
        if x.dtype != y.dtype or x.shape != y.shape:
            return False
        if x.dtype.kind == "f":
            x, y = x.view(f"u{x.dtype.itemsize}"), y.view(f"u{y.dtype.itemsize}")
        if not np.array_equal(x, y):
            return False
    return all(np.array_equal(aa[k], ab[k]) for k in aa)


class Bases:
    """The undamaged files and what each command gives on them."""

    def __init__(self, binary, workdir):
        self.binary, self.dir = binary, Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        # Deflated chunks carry zlib's checksum: a changed value byte is refused, so every
        # accepted file can be held to the undamaged file's output. Uncompressed chunk bytes have
        # no checksum (docs/reliability.md): the uncompressed file ("raw") is held to no crash, no
        # hang and exit 0 or 2 only.
        self.cfg = self.dir / "sweep.toml"
        self.cfg.write_text(CONFIG.format(compression="deflate"))
        self.raw_cfg = self.dir / "raw.toml"
        self.raw_cfg.write_text(CONFIG.format(compression="none"))
        self.raw = self.dir / "raw.h5"
        self._check(["run", self.raw_cfg, "-o", self.raw, "--quiet"])
        self.whole = self.dir / "whole.h5"
        self.part1 = self.dir / "part1.h5"
        self.part2 = self.dir / "part2.h5"
        self.partial = self.dir / "partial.h5"
        self._check(["run", self.cfg, "-o", self.whole, "--quiet"])
        self._check(["run", self.cfg, "-o", self.part1, "--shard", "1/2", "--quiet"])
        self._check(["run", self.cfg, "-o", self.part2, "--shard", "2/2", "--quiet"])
        self._make_partial()
        # base name -> (file, its config, flags `run` takes for it, the file a resume equals)
        self.files = {"whole": (self.whole, self.cfg, [], self.whole),
                      "part": (self.part1, self.cfg, ["--shard", "1/2"], self.part1),
                      "partial": (self.partial, self.cfg, [], self.whole),
                      "raw": (self.raw, self.raw_cfg, [], None)}
        self.expected = {}
        for name, (path, _, _, _) in self.files.items():
            copy = self.dir / f"undamaged-{name}" / "mutant.h5"  # named as the mutants are
            copy.parent.mkdir()
            shutil.copyfile(path, copy)
            for flags in ([], ["--json"]):
                proc = self._check(["inspect", copy, *flags])
                self.expected[(name, tuple(flags))] = proc.stdout.replace(str(copy), "FILE")
        self.results = {p: read_results(p) for p in (self.whole, self.part1)}

    def _check(self, args):
        proc, _ = run(self.binary, args)
        if proc is None or proc.returncode != 0:
            raise RuntimeError(f"scalesweep {args} failed: {proc.stderr if proc else 'timeout'}")
        return proc

    def _make_partial(self):
        """An interrupted run (SIGTERM after its first rounds): a partial file with some chunks done."""
        out = self.dir / "interrupted.h5"
        env = dict(os.environ, SCALESWEEP_DEBUG_ROUND_DELAY_MS="50")
        proc = subprocess.Popen([self.binary, "run", self.cfg, "-o", out, "--quiet", "--threads", "1",
                                 "--tile-cells", "64"], env=env, stderr=subprocess.DEVNULL)
        partial = Path(f"{out}.partial")
        deadline = time.monotonic() + 60
        while proc.poll() is None and not partial.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        if not partial.exists():
            raise RuntimeError("the interrupted run left no partial file")
        shutil.move(partial, self.partial)


def mutate(data, rng):
    """1-8 bytes at random places, each set to a different random value."""
    data = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        at = rng.randrange(len(data))
        data[at] = (data[at] + rng.randint(1, 255)) % 256
    return bytes(data)


READ_COORDINATES = """
import json, sys
import h5py
with h5py.File(sys.argv[1], "r") as f:
    print(json.dumps({n: [v.decode() if isinstance(v, bytes) else float(v) for v in f[n][()]]
                      for n in sys.argv[2:]}))
"""


def coordinates_as_h5py_reads_them(path, names):
    """The coordinates `names` of the file at `path` as h5py reads them, in a child process (h5py
    is libhdf5 too: a damaged file may crash it); None if it cannot."""
    try:
        proc = subprocess.run([sys.executable, "-c", READ_COORDINATES, str(path), *names],
                              capture_output=True, text=True, timeout=HANG_SECONDS)
        return json.loads(proc.stdout) if proc.returncode == 0 else None
    except (subprocess.TimeoutExpired, ValueError):
        return None


def only_unchecked_values_differ(got, expected, path):
    """Whether two `inspect --json` outputs differ only in what HDF5 stores without a checksum and
    scalesweep shows as the file holds it: text (variable-length strings in the global heap) and
    coordinate values (contiguous raw data), the latter equal to what h5py reads from the same
    file. Anything else that differs (a shape, a dimension, a count, progress) is a damaged file
    read as if whole."""
    try:
        got = json.loads(got)
    except ValueError:
        return False
    expected = json.loads(expected)
    changed = [n for n in got.get("axes", {}) if n in expected.get("axes", {})
               and got["axes"][n].get("values") != expected["axes"][n].get("values")]
    if changed:
        independent = coordinates_as_h5py_reads_them(path, changed)
        if independent is None or any(independent[n] != got["axes"][n]["values"] for n in changed):
            return False
        for n in changed:
            got["axes"][n]["values"] = expected["axes"][n]["values"]

    def same(a, b, text_may_differ):
        if isinstance(a, dict) and isinstance(b, dict):
            return a.keys() == b.keys() and all(
                same(a[k], b[k], text_may_differ and k not in ("dims", "dtype", "shard"))
                for k in a)
        if isinstance(a, list) and isinstance(b, list):
            return len(a) == len(b) and all(same(x, y, text_may_differ) for x, y in zip(a, b))
        return a == b or (text_may_differ and isinstance(a, str) and isinstance(b, str))

    def same_variable(a, b):
        # A dimension whose scale reference cannot be followed is listed as dim_<axis> (as in a
        # copy made by a tool that does not carry references over): shown as the file holds it.
        dims_ok = len(a.get("dims", [])) == len(b.get("dims", [])) and all(
            x == y or x == f"dim_{d}" for d, (x, y) in enumerate(zip(a.get("dims", []), b.get("dims", []))))
        rest = lambda v: {k: x for k, x in v.items() if k != "dims"}  # noqa: E731
        return dims_ok and same(rest(a), rest(b), True)

    if got.keys() != expected.keys() or got["variables"].keys() != expected["variables"].keys():
        return False
    return (same({k: v for k, v in got.items() if k != "variables"},
                 {k: v for k, v in expected.items() if k != "variables"}, True)
            and all(same_variable(got["variables"][n], expected["variables"][n])
                    for n in got["variables"]))


def check_mutant(bases, index, base, data):
    """Runs the four commands on one mutant; returns their outcomes."""
    d = bases.dir / f"m{index}"
    d.mkdir()
    _, cfg, shard_flags, resumed_equals = bases.files[base]
    checked = base != "raw"  # whether accepted output is held to the undamaged file's
    mutant = d / "mutant.h5"
    mutant.write_bytes(data)
    outcomes = []

    def judge(command, proc, seconds, accepted_ok):
        if proc is None:
            problem = f"hang: over {HANG_SECONDS} s of CPU or {WAIT_SECONDS} s of wall time"
        elif proc.returncode < 0:
            problem = f"crash: killed by {signal.Signals(-proc.returncode).name}"
        elif proc.returncode not in (0, 2):
            problem = f"exit {proc.returncode}: {proc.stderr.strip()[-300:]}"
        elif proc.returncode == 2 and not proc.stderr.startswith("error: "):
            problem = f"refused without an error message: {proc.stderr.strip()[-300:]}"
        elif proc.returncode == 0 and checked and not accepted_ok(proc):
            problem = "accepted, with output that differs from the undamaged file's"
        else:
            problem = ""
        caught = next((word for word in ("crashed", "spun", "ran out of memory")
                       if proc is not None and f"reading it {word}" in proc.stderr), "")
        outcomes.append(Outcome(index, base, command, proc.returncode if proc else -999, seconds,
                                problem, caught))

    # inspect: what the undamaged file gives, or differences only in values HDF5 keeps without a
    # checksum (only_unchecked_values_differ), the same in the JSON as in the text.
    proc, seconds = run(bases.binary, ["inspect", mutant, "--json"])
    text_only = proc is not None and proc.returncode == 0 and only_unchecked_values_differ(
        proc.stdout.replace(str(mutant), "FILE"), bases.expected[(base, ("--json",))], mutant)
    judge("inspect --json", proc, seconds, lambda p: text_only)
    proc, seconds = run(bases.binary, ["inspect", mutant])
    judge("inspect", proc, seconds, lambda p: text_only or p.stdout.replace(str(mutant), "FILE") ==
          bases.expected[(base, ())])

    # merge: the mutant as the first part beside an undamaged second part (a whole file or a
    # partial as a part is refused, whatever its damage).
    merged = d / "merged.h5"
    proc, seconds = run(bases.binary, ["merge", mutant, bases.part2, "-o", merged])
    judge("merge", proc, seconds,
          lambda p: same_results(merged, bases.results[bases.whole]))

    # run --resume: the mutant as the partial file of the run that wrote its base.
    out = d / "out.h5"
    shutil.copyfile(mutant, f"{out}.partial")
    proc, seconds = run(bases.binary, ["run", cfg, "-o", out, "--resume", "--quiet",
                                       "--threads", "1", *shard_flags])
    judge("run --resume", proc, seconds,
          lambda p: same_results(out, bases.results[resumed_equals]))
    if not any(o.problem for o in outcomes):
        shutil.rmtree(d)
    return outcomes


def run_mutants(binary, workdir, mutants, seed, workers=None):
    bases = Bases(binary, workdir)
    rng = random.Random(seed)
    names = list(bases.files)
    originals = {name: bases.files[name][0].read_bytes() for name in names}
    jobs = []
    for i in range(mutants):
        base = names[i % len(names)]
        jobs.append((i, base, mutate(originals[base], rng)))
    summary = Summary()
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 2) as pool:
        for outcomes in pool.map(lambda job: check_mutant(bases, *job), jobs):
            summary.outcomes.extend(outcomes)
    return summary


def describe(summary):
    lines = []
    for command in ("inspect", "inspect --json", "merge", "run --resume"):
        lines.append(f"{command:15s} refused (exit 2) {summary.count(command, False):5d}  "
                     f"accepted {summary.count(command, True):5d}  max "
                     f"{max(o.seconds for o in summary.outcomes if o.command == command):.2f} "
                     "CPU s")
    caught = {}
    for o in summary.outcomes:
        if o.caught:
            caught[o.caught] = caught.get(o.caught, 0) + 1
    lines.append("refusals whose reading child " + (", ".join(
        f"{word}: {n}" for word, n in sorted(caught.items())) or "never died"))
    for o in summary.problems()[:30]:
        lines.append(f"mutant {o.mutant} ({o.base}) {o.command}: {o.problem}")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary")
    parser.add_argument("--mutants", type=int, default=500)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--workdir", default="mutants-work")
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    start = time.monotonic()
    summary = run_mutants(args.binary, args.workdir, args.mutants, args.seed, args.workers)
    print(describe(summary))
    print(f"{args.mutants} mutants x 4 commands in {time.monotonic() - start:.0f} s; "
          f"{len(summary.problems())} problems")
    sys.exit(1 if summary.problems() else 0)


if __name__ == "__main__":
    main()
