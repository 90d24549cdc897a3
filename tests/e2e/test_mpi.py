"""MPI runs (MPI builds only): `mpirun -np K scalesweep run` writes the file a serial run of the
same binary writes, for K = 2 and 3 (oversubscribed on small machines), also with shards and
after a kill and --resume under a different number of ranks."""
import os
import random
import signal
import subprocess
import time

import h5py
import numpy as np
import pytest

from conftest import assert_same_results, wait_for_file
from run_configs import write_config

MPIEXEC = os.environ.get("SCALESWEEP_MPIEXEC", "mpirun")
MEANINGS = ["ok", "infeasible", "not_converged", "invalid_input", "out_of_range", "not_computed",
            "constrained", "undertrained"]
# OpenMPI refuses root without these; more ranks than cores need --oversubscribe. One thread per
# rank and passive waiting keep oversubscribed ranks from starving each other.
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMP_WAIT_POLICY="passive", OMPI_MCA_mpi_yield_when_idle="1")


def kill_session(session):
    """SIGKILL every process of a session: mpirun and its ranks (OpenMPI gives each rank its own
    process group, so killing mpirun's group would leave the ranks running)."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getsid(int(entry)) == session:
                    os.kill(int(entry), signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def mpirun(binary, ranks, *args, check=True, timeout=300):
    proc = subprocess.run([MPIEXEC, "--oversubscribe", "-np", str(ranks), binary, *map(str, args),
                           "--threads", "1"], capture_output=True, text=True, env=ENV, timeout=timeout)
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def stop_serial_run(binary, cfg, out, sig, *extra, after):
    """A serial run of small tiles with frequent checkpoints, slowed down per round, stopped by
    `sig` `after` seconds into it: the partial file that an MPI run then resumes."""
    proc = subprocess.Popen([binary, "run", cfg, "-o", out, "--quiet", "--threads", "1", "--tile-cells", "512",
                             "--checkpoint-seconds", "0.05", *extra],
                            env=dict(ENV, SCALESWEEP_DEBUG_ROUND_DELAY_MS="5"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for_file(f"{out}.partial", proc)
    time.sleep(after)
    proc.send_signal(sig)
    proc.communicate(timeout=60)


def start_slow_mpi_run(binary, cfg, out):
    """A 2-rank run of small tiles, slowed down per round, returned once its partial file exists
    (signals sent after this land inside the run)."""
    proc = subprocess.Popen([MPIEXEC, "--oversubscribe", "-np", "2", binary, "run", cfg, "-o", out,
                             "--quiet", "--threads", "1", "--tile-cells", "512"],
                            env=dict(ENV, SCALESWEEP_DEBUG_ROUND_DELAY_MS="20"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for_file(f"{out}.partial", proc)
    return proc


@pytest.fixture(scope="module", params=["none", "deflate"])
def serial(request, tmp_path_factory, scalesweep):
    d = tmp_path_factory.mktemp(f"serial-{request.param}")
    cfg = write_config(d, extra=f'compression = "{request.param}"')
    scalesweep("run", cfg, "-o", d / "serial.h5", "--quiet")
    return cfg, d / "serial.h5"


@pytest.mark.parametrize("ranks", [2, 3])
def test_ranks_write_the_serial_file(binary, tmp_path, serial, ranks):
    cfg, reference = serial
    out = tmp_path / f"np{ranks}.h5"
    proc = mpirun(binary, ranks, "run", cfg, "-o", out)
    assert f"on each of {ranks} MPI ranks" in proc.stdout
    assert proc.stderr.count("MPI ranks") == 0 and proc.stderr.count(f"rank ") >= ranks
    assert_same_results(reference, out)
    # The status counts add every rank's cells: they equal a count of the file's statuses.
    with h5py.File(out, "r") as f:
        for name in ("opt_status", "budget_status"):
            counts = np.bincount(f[name][()].ravel(), minlength=len(MEANINGS))
            text = ", ".join(f"{n:,} {m}" for n, m in zip(counts, MEANINGS) if n > 0)
            assert f"{name}: {text} (" in proc.stdout, proc.stdout


def test_shards_under_mpi_merge_to_the_serial_file(binary, tmp_path, scalesweep, serial):
    cfg, reference = serial
    mpirun(binary, 2, "run", cfg, "--shard", "1/2", "-o", tmp_path / "a.h5", "--quiet")
    mpirun(binary, 3, "run", cfg, "--shard", "2/2", "-o", tmp_path / "b.h5", "--quiet")
    scalesweep("merge", tmp_path / "a.h5", tmp_path / "b.h5", "-o", tmp_path / "m.h5")
    assert_same_results(reference, tmp_path / "m.h5")


def test_kill_under_mpi_then_resume_with_other_ranks(binary, tmp_path, serial):
    cfg, reference = serial
    out = tmp_path / "k.h5"
    rng = random.Random(7)
    resumed = 0
    for attempt in range(3):
        for p in tmp_path.glob("k.h5*"):
            p.unlink()
        proc = subprocess.Popen([MPIEXEC, "--oversubscribe", "-np", "2", binary, "run", cfg, "-o", out,
                                 "--quiet", "--threads", "1", "--tile-cells", "512",
                                 "--checkpoint-seconds", "0.05"],
                                env=dict(ENV, SCALESWEEP_DEBUG_ROUND_DELAY_MS="5"),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        wait_for_file(tmp_path / "k.h5.partial", proc)
        time.sleep(rng.uniform(0.2, 1.2))
        kill_session(proc.pid)  # mpirun and every rank at once, like a node failure
        proc.wait()
        time.sleep(0.2)
        if out.exists():
            continue
        mpirun(binary, 3, "run", cfg, "-o", out, "--resume", "--quiet")
        assert_same_results(reference, out)
        resumed += 1
    assert resumed >= 2


def test_sigterm_under_mpi(binary, tmp_path, serial):
    cfg, reference = serial
    out = tmp_path / "t.h5"
    proc = start_slow_mpi_run(binary, cfg, out)
    time.sleep(0.3)
    # mpirun forwards it to the ranks (it exits 1 itself); a batch system's time limit signals
    # every process of the job.
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode != 0
    assert "interrupted (signal 15)" in err and "--resume" in err, err
    assert not out.exists() and (tmp_path / "t.h5.partial").exists()
    mpirun(binary, 2, "run", cfg, "-o", out, "--resume", "--quiet")
    assert_same_results(reference, out)


def test_refused_resume_under_mpi_exits_2_with_its_reason(binary, tmp_path, serial):
    """Every rank checks the partial file before collective work starts: a changed config is an
    input error (exit 2, the reason and a hint), not an MPI_Abort."""
    cfg, _ = serial
    out = tmp_path / "c.h5"
    proc = start_slow_mpi_run(binary, cfg, out)
    time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=120)
    assert not out.exists() and (tmp_path / "c.h5.partial").exists()
    cfg.write_text(cfg.read_text() + "\n# a comment changes the text\n")
    try:
        proc = mpirun(binary, 2, "run", cfg, "-o", out, "--resume", "--quiet", check=False)
    finally:
        cfg.write_text(cfg.read_text().replace("\n# a comment changes the text\n", ""))
    assert proc.returncode == 2, proc.stderr
    assert "the config's text differs" in proc.stderr and "hint: " in proc.stderr
    assert "MPI_ABORT" not in proc.stderr


def test_serial_run_resumed_under_mpi(binary, tmp_path, serial, scalesweep):
    """A compressed partial file written by a serial run holds some chunks: parallel HDF5 then
    allocates no others at open, and its collective writes of unallocated chunks hang unless
    resume first rebuilds the file with every chunk allocated (partial_rebuild.hpp)."""
    cfg, reference = serial
    out = tmp_path / "s.h5"
    stop_serial_run(binary, cfg, out, signal.SIGTERM, after=0.5)
    assert not out.exists() and (tmp_path / "s.h5.partial").exists()
    with h5py.File(tmp_path / "s.h5.partial", "r") as f:  # the scenario: some chunks saved
        assert sum(int(f[f"_scalesweep/{r}"][()].sum()) for r in f["_scalesweep"]) > 0
    mpirun(binary, 3, "run", cfg, "-o", out, "--resume", "--quiet", timeout=120)
    assert_same_results(reference, out)


def test_resume_under_mpi_ignores_chunks_stored_but_not_recorded_done(binary, tmp_path, serial):
    """A chunk written after the last checkpoint stays in the chunk index of a compressed file
    while its progress record says not done, and after a kill its file space may be handed out
    again. Here its bytes are garbage. Collective writes read back the existing chunks they cover
    only partly (the last chunk along an axis that the chunk size does not divide): the resumed
    file must neither read nor keep them (before partial_rebuild.cpp: 'inflate() failed')."""
    cfg, reference = serial
    if "deflate" not in cfg.read_text():
        pytest.skip("uncompressed chunks have fixed places, allocated at creation")
    out = tmp_path / "g.h5"
    proc = start_slow_mpi_run(binary, cfg, out)
    partial = tmp_path / "g.h5.partial"
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:  # until the dense cost is saved
        time.sleep(0.1)
        try:
            with h5py.File(partial, "r", locking=False) as f:
                if f["_scalesweep/done_1"][()].all():
                    break
        except Exception:  # noqa: BLE001 -- read while the run writes it: any failure, try again
            pass
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=120)
    assert not out.exists()
    with h5py.File(partial, "r+") as f:
        done = f["_scalesweep/done_1"]  # dense cost (hardware, T, N, D): N = 131 is not a
        flags = done[()]                # multiple of the chunk's N extent
        assert flags.all(), "the dense cost was not saved before the stop"
        c = len(flags) - 1
        flags[c] = 0  # stored, but no longer recorded done
        done[...] = flags
        # Every chunk is stored (a parallel open allocates them all), so the c-th stored chunk
        # is the c-th of the grid.
        info = f["cost"].id.get_chunk_info(c)
        address, size = info.byte_offset, info.size
    with open(partial, "r+b") as raw:
        raw.seek(address)
        raw.write(bytes(random.Random(1).getrandbits(8) for _ in range(size)))
    mpirun(binary, 3, "run", cfg, "-o", out, "--resume", "--quiet", timeout=120)
    assert_same_results(reference, out)


def test_mpi_batch_script(binary, tmp_path, serial):
    """scripts/slurm/mpi_sweep.sbatch with mpirun as the launcher (Slurm's srun is not here)."""
    cfg, reference = serial
    out = tmp_path / "results" / "mpi.h5"
    env = dict(ENV, CONFIG=str(cfg), OUT=str(out), SCALESWEEP=binary, SLURM_CPUS_PER_TASK="1",
               LAUNCHER=f"{MPIEXEC} --oversubscribe -np 2", SLURM_SUBMIT_DIR=str(tmp_path))
    script = os.path.join(os.environ.get("SCALESWEEP_SOURCE_DIR", "."), "scripts", "slurm", "mpi_sweep.sbatch")
    subprocess.run(["bash", script], env=env, check=True, capture_output=True, timeout=300)
    assert_same_results(reference, out)


def test_serial_shard_part_resumed_under_mpi(binary, tmp_path, scalesweep):
    """A serial run's part stores only its chunks; resumed under MPI it is rebuilt with every
    chunk allocated (unfilled: filling would cost the whole grid's disk), and merged with the
    other parts it gives the serial file of the whole run."""
    cfg = write_config(tmp_path)
    single = tmp_path / "single.h5"
    scalesweep("run", cfg, "-o", single, "--quiet")
    out = tmp_path / "p2.h5"
    stop_serial_run(binary, cfg, out, signal.SIGKILL, "--shard", "2/3", after=0.2)
    assert not out.exists() and (tmp_path / "p2.h5.partial").exists()
    mpirun(binary, 2, "run", cfg, "--shard", "2/3", "-o", out, "--resume", "--quiet", timeout=120)
    with h5py.File(out, "r") as f:
        assert f["cost"].id.get_create_plist().get_alloc_time() == h5py.h5d.ALLOC_TIME_EARLY
    for i in (1, 3):
        scalesweep("run", cfg, "--shard", f"{i}/3", "-o", tmp_path / f"p{i}.h5", "--quiet")
    merged = tmp_path / "merged.h5"
    scalesweep("merge", tmp_path / "p1.h5", out, tmp_path / "p3.h5", "-o", merged, "--quiet")
    assert_same_results(single, merged)
