"""The Slurm examples run as programs: the job-array script for every task, then the merge
script, give the file of a single run (Slurm's variables set by hand; no Slurm needed)."""
import os
import subprocess

from conftest import SOURCE_DIR, assert_same_results, recorded_done_cells, wait_for_text
from run_configs import write_config

SLURM = SOURCE_DIR / "scripts" / "slurm"


def test_array_then_merge_equals_a_single_run(tmp_path, binary, scalesweep):
    cfg = write_config(tmp_path)
    scalesweep("run", cfg, "-o", tmp_path / "single.h5", "--quiet")
    out = tmp_path / "results" / "hw.h5"
    env = dict(os.environ, CONFIG=str(cfg), OUT=str(out), SCALESWEEP=binary, SLURM_SUBMIT_DIR=str(tmp_path),
               SLURM_ARRAY_TASK_COUNT="3", SLURM_CPUS_PER_TASK="1")
    for i in (1, 2, 3):
        subprocess.run(["bash", SLURM / "array_sweep.sbatch"], env=dict(env, SLURM_ARRAY_TASK_ID=str(i)),
                       check=True, capture_output=True)
        assert (tmp_path / "results" / f"hw.shard-{i}-of-3.h5").exists()
    proc = subprocess.run(["bash", SLURM / "merge.sbatch"], env=dict(env, PARTS="3"), check=True,
                          capture_output=True, text=True)
    assert "merged 3 parts" in proc.stdout
    assert_same_results(tmp_path / "single.h5", out)


def test_array_task_resumes_its_interrupted_part(tmp_path, binary, scalesweep):
    cfg = write_config(tmp_path)
    out = tmp_path / "hw.h5"
    part = tmp_path / "hw.shard-1-of-2.h5"
    log = tmp_path / "task.log"
    # Slowed down per writer round, with a progress line after every round (a line appears once
    # a round's tiles are written): the signal lands mid-run with part of the work saved.
    env = dict(os.environ, CONFIG=str(cfg), OUT=str(out), SCALESWEEP=binary, SLURM_SUBMIT_DIR=str(tmp_path),
               SLURM_ARRAY_TASK_COUNT="2", SLURM_ARRAY_TASK_ID="1",
               SCALESWEEP_DEBUG_ROUND_DELAY_MS="20", SCALESWEEP_PROGRESS_SECONDS="0.001")
    with open(log, "w") as stderr:
        proc = subprocess.Popen(["bash", SLURM / "array_sweep.sbatch"], env=env, stdout=subprocess.DEVNULL,
                                stderr=stderr)
        wait_for_text(log, "progress: ", proc)
        assert proc.poll() is None, log.read_text()
        proc.terminate()  # the script execs scalesweep: the signal reaches it, as Slurm's would
        proc.wait(timeout=60)
    assert proc.returncode == 143, log.read_text()
    assert recorded_done_cells(tmp_path / "hw.shard-1-of-2.h5.partial") > 0  # a resume, not a restart
    env.pop("SCALESWEEP_DEBUG_ROUND_DELAY_MS")
    subprocess.run(["bash", SLURM / "array_sweep.sbatch"], env=env, check=True, capture_output=True)
    scalesweep("run", cfg, "--shard", "1/2", "-o", tmp_path / "fresh.h5", "--quiet")
    assert_same_results(tmp_path / "fresh.h5", part)


def fake_sbatch(tmp_path):
    """A `sbatch` on PATH that records its arguments, one call per line, and prints a job id."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "sbatch.log"
    (bin_dir / "sbatch").write_text(f'#!/bin/bash\necho "$*" >> {log}\necho 42\n')
    (bin_dir / "sbatch").chmod(0o755)
    return dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}"), log


def test_array_tasks_ask_for_a_gpu_only_when_told(tmp_path):
    """Issue 17: the array script runs on CPU-only clusters as it is (no #SBATCH --gpus), and
    submit_array.sh asks for GPUS per task when given."""
    script = (SLURM / "array_sweep.sbatch").read_text()
    assert not [line for line in script.splitlines() if line.startswith("#SBATCH --gpus")]
    env, log = fake_sbatch(tmp_path)
    for gpus, expected in ((None, False), ("1", True)):
        log.unlink(missing_ok=True)
        run_env = dict(env, GPUS=gpus) if gpus else env
        subprocess.run(["bash", SLURM / "submit_array.sh", "c.toml", "o.h5", "4"], env=run_env,
                       check=True, capture_output=True)
        array_call = log.read_text().splitlines()[0]
        assert ("--gpus=1" in array_call) == expected and "--array=1-4" in array_call
