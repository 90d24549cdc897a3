"""Checkpoint and resume: kill -9 at random moments, then --resume, gives the file an
uninterrupted run gives, every time; SIGTERM (a batch system's time limit) stops cleanly with a
resume hint; a changed config, a missing or a stale partial file are refused."""
import json
import os
import random
import signal
import subprocess
import time

import h5py
import numpy as np
import pytest

from conftest import assert_same_results, recorded_done_cells, signal_once_written, wait_for_file
from run_configs import write_config

# Slows every round of the writer by this much (a test hook), so that a run of this small config
# takes ~2 s at one tile per round and kills land at many different points of it.
SLOW = {"SCALESWEEP_DEBUG_ROUND_DELAY_MS": "4"}
TILE = ["--tile-cells", "512", "--threads", "1", "--checkpoint-seconds", "0.05"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory, scalesweep):
    d = tmp_path_factory.mktemp("reference")
    cfg = write_config(d, extra='compression = "deflate"')
    scalesweep("run", cfg, "-o", d / "ref.h5", "--quiet")
    return cfg, d / "ref.h5"


def start(binary, cfg, out, *extra, env=None):
    return subprocess.Popen([binary, "run", cfg, "-o", out, "--quiet", *TILE, *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, **(env or {})))


def test_kill_9_at_random_moments_then_resume(tmp_path, binary, scalesweep, reference):
    cfg, ref = reference
    rng = random.Random(20261123)
    out = tmp_path / "r.h5"
    kills = []
    for attempt in range(6):
        for p in tmp_path.glob("r.h5*"):
            p.unlink()
        proc = start(binary, cfg, out, env=SLOW)
        delay = rng.uniform(0.05, 1.5)
        wait_for_file(tmp_path / "r.h5.partial", proc)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if out.exists():  # finished before the kill: nothing to resume, try a shorter delay
            continue
        assert (tmp_path / "r.h5.partial").exists()
        with h5py.File(tmp_path / "r.h5.partial", "r") as f:
            done = sum(int(f[f"_scalesweep/done_{p}"][()].sum()) for p in range(len(f["_scalesweep"])))
        kills.append((round(delay, 2), done))
        # Resume with a different tile size and thread count: chunks, not tiles, record progress.
        scalesweep("run", cfg, "-o", out, "--resume", "--quiet", "--tile-cells", "4096", "--threads", "2")
        assert out.exists() and not (tmp_path / "r.h5.partial").exists()
        assert_same_results(ref, out)
    print("kill points (seconds, chunks saved):", kills)
    assert len(kills) >= 5
    assert len({d for _, d in kills}) >= 3, kills  # the kills hit different amounts of progress


def test_sigterm_stops_cleanly_and_resumes(tmp_path, binary, scalesweep, reference):
    cfg, ref = reference
    out = tmp_path / "t.h5"
    proc = start(binary, cfg, out, env=SLOW)
    err = signal_once_written(proc, tmp_path / "t.h5.partial")
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "interrupted (signal 15)" in err
    # The hint names the program as it was started, so it can be pasted as it stands.
    assert f"hint: resume with: {binary} run {cfg} --resume -o {out}" in err
    assert not out.exists() and (tmp_path / "t.h5.partial").exists()
    recorded = recorded_done_cells(tmp_path / "t.h5.partial")
    # Tiles of one chunk (as before the interrupt), so that no tile covers a done chunk again.
    resumed = scalesweep("run", cfg, "-o", out, "--resume", "--json", "--tile-cells", "512")
    summary = json.loads(resumed.stdout)
    whole = json.loads(scalesweep("run", cfg, "-o", tmp_path / "whole.h5", "--json").stdout)
    assert whole["cells_done_before"] == 0
    # The cells done before come from the progress record (counted here with h5py); this run
    # computes the rest.
    assert 0 < summary["cells_done_before"] == recorded < whole["cells"]
    assert summary["cells"] + recorded == whole["cells"]
    assert (f"resuming {out}.partial: {recorded:,} of {whole['cells']:,} cells recorded done; "
            f"computing {summary['cells']:,}\n") in resumed.stderr
    assert_same_results(ref, out)


def test_an_interrupted_overwrite_says_the_old_result_is_still_there(tmp_path, binary, scalesweep,
                                                                     reference):
    """--overwrite replaces OUT only when the run finishes: one stopped halfway leaves the earlier
    result in place, untouched, and says so (it could pass for this run's); the resume then
    replaces it."""
    cfg, ref = reference
    out = tmp_path / "o.h5"
    out.write_bytes(b"an earlier result")
    proc = start(binary, cfg, out, "--overwrite", env=SLOW)
    err = signal_once_written(proc, tmp_path / "o.h5.partial")
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert (f"note: {out} still holds an earlier run's result: --overwrite replaces it only when this "
            "run finishes") in err
    assert out.read_bytes() == b"an earlier result"
    scalesweep("run", cfg, "-o", out, "--resume", "--quiet")
    assert_same_results(ref, out)
    # A run that stops with no earlier result says nothing of one.
    fresh = start(binary, cfg, tmp_path / "f.h5", env=SLOW)
    assert "earlier run's result" not in signal_once_written(fresh, tmp_path / "f.h5.partial")


def test_sighup_stops_cleanly_and_nohup_keeps_running(tmp_path, binary, scalesweep, reference):
    """A dropped ssh session sends SIGHUP: handled as SIGTERM (checkpoint, hint, 128 + 1); under
    nohup (SIGHUP ignored from the start) the run ignores it and finishes."""
    cfg, ref = reference
    out = tmp_path / "h.h5"
    proc = start(binary, cfg, out, env=SLOW)
    err = signal_once_written(proc, tmp_path / "h.h5.partial", signal.SIGHUP)
    assert proc.returncode == 128 + signal.SIGHUP, err
    assert "interrupted (signal 1)" in err and f"--resume -o {out}" in err
    scalesweep("run", cfg, "-o", out, "--resume", "--quiet")
    assert_same_results(ref, out)
    ignored = subprocess.Popen(["nohup", binary, "run", cfg, "-o", tmp_path / "n.h5", "--quiet", *TILE],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               env=dict(os.environ, **SLOW))
    wait_for_file(tmp_path / "n.h5.partial", ignored)
    ignored.send_signal(signal.SIGHUP)
    assert ignored.wait(timeout=60) == 0, ignored.stderr.read()
    assert_same_results(ref, tmp_path / "n.h5")


def test_a_partial_file_deleted_mid_run_is_not_published(tmp_path, binary):
    """If OUT.partial is deleted while the run writes it (a user, another run on the same
    output), the run stops at its next checkpoint with exit 1 and says why: it must never rename
    a file it did not write into place (it once published another run's partial file)."""
    cfg = write_config(tmp_path)
    out = tmp_path / "d.h5"
    proc = start(binary, cfg, out, env=SLOW)
    wait_for_file(tmp_path / "d.h5.partial", proc)
    time.sleep(0.3)  # past the creation: the run writes its tiles
    (tmp_path / "d.h5.partial").unlink()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    assert f"error: '{out}.partial' was deleted or moved while this process wrote it" in err
    assert not out.exists() and not (tmp_path / "d.h5.partial").exists()


def test_resume_refuses_a_changed_config(tmp_path, binary, scalesweep):
    cfg = write_config(tmp_path)
    out = tmp_path / "c.h5"
    proc = start(binary, cfg, out, env=SLOW)
    wait_for_file(tmp_path / "c.h5.partial", proc)  # not a fixed time: CI machines are loaded
    time.sleep(0.4)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    cfg.write_text(cfg.read_text().replace("points = 89", "points = 90"))
    proc = scalesweep("run", cfg, "-o", out, "--resume", check=False)
    assert proc.returncode == 2
    assert "the config's text differs from the text the interrupted run stored" in proc.stderr
    assert "resume with" not in proc.stderr  # not the command that was just refused
    assert (tmp_path / "c.h5.partial").exists() and not out.exists()


def test_a_partial_file_is_never_overwritten_silently(tmp_path, binary, scalesweep):
    cfg = write_config(tmp_path)
    out = tmp_path / "p.h5"
    proc = start(binary, cfg, out, env=SLOW)
    wait_for_file(tmp_path / "p.h5.partial", proc)  # not a fixed time: CI machines are loaded
    time.sleep(0.4)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    proc = scalesweep("run", cfg, "-o", out, check=False)
    assert proc.returncode == 2
    assert "p.h5.partial holds an interrupted run" in proc.stderr and "--resume" in proc.stderr


def test_resume_without_a_partial_file(tmp_path, scalesweep):
    cfg = write_config(tmp_path)
    proc = scalesweep("run", cfg, "-o", tmp_path / "n.h5", "--resume", check=False)
    assert proc.returncode == 2 and "there is no interrupted run to continue" in proc.stderr


def interrupted_partial(tmp_path, binary, cfg, name):
    """A partial file of `cfg` stopped by SIGTERM part way: some chunks recorded done, some not."""
    out = tmp_path / f"{name}.h5"
    proc = start(binary, cfg, out, env=SLOW)
    wait_for_file(tmp_path / f"{name}.h5.partial", proc)
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    partial = tmp_path / f"{name}.h5.partial"
    assert partial.exists() and not out.exists()
    return out, partial


def test_resume_recomputes_chunks_recorded_done_but_not_stored(tmp_path, binary, scalesweep,
                                                                reference):
    """A checkpoint cut short can record a chunk done whose index entry never reached the file:
    the resumed run computes it again instead of leaving fill values."""
    cfg, ref = reference
    out, partial = interrupted_partial(tmp_path, binary, cfg, "m")
    with h5py.File(partial, "r+") as f:
        done = f["_scalesweep/done_2"]  # budget curves
        flags = done[()]
        missing = (flags == 0).nonzero()[0]
        if len(missing) == 0:
            pytest.skip("the run had finished the budget curves when it was stopped")
        flags[missing[-1]] = 1
        done[...] = flags
        provenance = {k: f.attrs[k] for k in ("created", "command_line", "backend", "git_revision",
                                                "config_path")}
    proc = scalesweep("run", cfg, "-o", out, "--resume", "--quiet")
    assert "1 chunk recorded done was not in" in proc.stderr
    assert_same_results(ref, out)
    with h5py.File(out, "r") as f:  # the rebuilt file keeps the interrupted run's provenance
        assert {k: f.attrs[k] for k in provenance} == provenance


def test_resume_refuses_other_problems_and_accepts_an_existing_output(tmp_path, binary, scalesweep,
                                                                      reference):
    """--optima-only changes the problems, not the config text: resuming a full run with it (or
    the reverse) is refused, not mapped onto the wrong progress records. A run started with
    --overwrite over a finished file resumes without repeating the flag."""
    cfg, ref = reference
    out = tmp_path / "o.h5"
    out.write_bytes(b"an older result")
    proc = start(binary, cfg, out, "--overwrite", env=SLOW)
    wait_for_file(tmp_path / "o.h5.partial", proc)
    time.sleep(0.4)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    proc = scalesweep("run", cfg, "-o", out, "--resume", "--optima-only", check=False)
    assert proc.returncode == 2
    assert "holds the dense loss where this run computes the loss-target optima" in proc.stderr
    assert out.read_bytes() == b"an older result"
    scalesweep("run", cfg, "-o", out, "--resume", "--quiet")
    assert_same_results(ref, out)


def test_resume_refuses_a_partial_file_of_another_chunk_layout(tmp_path, scalesweep):
    """Progress records count chunks; a build that cuts the same config into other chunks (of the
    same count) would map them onto other cells. The stored chunk shape must be the plan's."""
    cfg = write_config(tmp_path)
    out = tmp_path / "c.h5"
    scalesweep("run", cfg, "-o", out, "--quiet")
    partial = tmp_path / "c.h5.partial"
    out.rename(partial)
    with h5py.File(partial, "a") as f:
        data, chunks = f["loss"][()], f["loss"].chunks
        del f["loss"]
        # Chunks wider than the grid (allowed for a resizable dataset): the same chunk count.
        f.create_dataset("loss", data=data, chunks=(chunks[0], chunks[1] + 3), maxshape=(None, None))
    proc = scalesweep("run", cfg, "-o", out, "--resume", check=False)
    assert proc.returncode == 2, proc.stderr
    assert f"stores 'loss' in chunks of ({chunks[0]}, {chunks[1] + 3}) cells" in proc.stderr
    assert not out.exists()


@pytest.mark.parametrize("damage", ["array_format", "float_format", "array_config"])
def test_damaged_files_are_named_bad_input_for_inspect_merge_and_resume(tmp_path, scalesweep,
                                                                         damage):
    """Attributes of another shape or type than scalesweep writes (a damaged or hand-edited
    file) are refused with exit 2 naming the file. An array once overflowed a one-value read."""
    import numpy as np
    cfg = write_config(tmp_path)
    good = tmp_path / "g.h5"
    scalesweep("run", cfg, "-o", good, "--quiet")
    bad = tmp_path / "b.h5"
    bad.write_bytes(good.read_bytes())
    with h5py.File(bad, "a") as f:
        if damage == "array_format":
            f.attrs["scalesweep_format_version"] = np.array([1, 1])
        elif damage == "float_format":
            f.attrs["scalesweep_format_version"] = 1.5
        else:
            f.attrs["config"] = np.array(["a", "b"], dtype=h5py.string_dtype())
    partial = tmp_path / "r.h5.partial"
    partial.write_bytes(bad.read_bytes())
    commands = [["merge", bad, "-o", tmp_path / "m.h5"],
                ["run", cfg, "-o", tmp_path / "r.h5", "--resume"]]
    if damage != "array_config":  # inspect shows any config attribute as it is
        commands.append(["inspect", bad])
    for command in commands:
        proc = scalesweep(*command, check=False)
        assert proc.returncode == 2, (command, proc.returncode, proc.stderr)
        assert "is damaged or not a scalesweep result" in proc.stderr, proc.stderr
        assert not (tmp_path / "m.h5").exists() and not (tmp_path / "r.h5").exists()


def test_resume_hint_repeats_the_flags_that_decide_the_files_contents(tmp_path, binary, reference):
    """An --optima-only run holds no dense grids: the hints of `run` and `inspect` must say
    --optima-only, or the pasted command is refused for asking for other variables."""
    import shlex
    cfg, _ = reference
    out = tmp_path / "o.h5"
    # The optima are three tiles of 512 cells: slow rounds keep the run going until the signal.
    proc = start(binary, cfg, out, "--optima-only", env={"SCALESWEEP_DEBUG_ROUND_DELAY_MS": "400"})
    wait_for_file(tmp_path / "o.h5.partial", proc)
    time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, err
    hint = err.split("hint: resume with: ")[1].splitlines()[0]
    assert hint == f"{binary} run {cfg} --resume -o {out} --optima-only"
    inspected = subprocess.run([binary, "inspect", f"{out}.partial"], capture_output=True, text=True)
    assert "--optima-only" in inspected.stdout.split("recorded command: ")[1].splitlines()[0]
    resumed = subprocess.run(shlex.split(hint) + ["--quiet"], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    with h5py.File(out, "r") as f:
        assert "cost" not in f and "opt_N" in f


def test_kill_9_of_a_sparse_shard_part_then_resume(tmp_path, binary, scalesweep):
    """An uncompressed part of a serial run gets chunk space as it writes (its other cells read as
    not computed), so, like a compressed file, it is rebuilt from its recorded chunks on resume:
    after kill -9 at several moments the resumed part equals an uninterrupted one."""
    cfg = write_config(tmp_path)
    reference = tmp_path / "ref.h5"
    scalesweep("run", cfg, "--shard", "2/3", "-o", reference, "--quiet")
    rng = random.Random(20261125)
    out = tmp_path / "k.h5"
    resumed = 0
    for attempt in range(4):
        for p in tmp_path.glob("k.h5*"):
            p.unlink()
        proc = start(binary, cfg, out, "--shard", "2/3", env=SLOW)
        wait_for_file(tmp_path / "k.h5.partial", proc)
        time.sleep(rng.uniform(0.05, 0.6))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if out.exists():
            continue
        killed = (tmp_path / "k.h5.partial").stat().st_ino
        scalesweep("run", cfg, "--shard", "2/3", "-o", out, "--resume", "--quiet", "--tile-cells", "4096")
        assert_same_results(reference, out)
        # Rebuilt, not resumed in place (which a kill can leave with chunk space handed out
        # twice): the rebuild is a new file renamed over the partial one.
        assert out.stat().st_ino != killed
        with h5py.File(out, "r") as f:
            assert f["cost"].id.get_create_plist().get_alloc_time() == h5py.h5d.ALLOC_TIME_INCR
        resumed += 1
    assert resumed >= 3
