"""The README's examples run as written and print the published numbers (SPEC §1.5): the
commands are read out of README.md, so the documentation cannot drift from the program."""
import os
import re
import shlex
import subprocess
import sys

import h5py
import numpy as np
import pytest

from conftest import SOURCE_DIR

README = (SOURCE_DIR / "README.md").read_text()


def readme_commands(program="build/scalesweep"):
    """Every `program ...` command in README code blocks, continuation lines joined."""
    blocks = re.findall(r"```sh\n(.*?)```", README, re.S)
    text = "\n".join(blocks).replace("\\\n", " ")
    commands = []
    for line in text.splitlines():
        line = line.strip().removeprefix("$ ")
        if line.startswith(program):
            commands.append(line.split("#")[0].strip())
    return commands


def run_readme_command(binary, command, cwd):
    return subprocess.run([binary, *shlex.split(command)[1:]], capture_output=True, text=True, cwd=cwd)


def readme_transcripts(program="build/scalesweep"):
    """(command, printed lines) for every `$ program ...` line of a README code block followed by
    its output, up to the next `$ ` line or the end of the block."""
    transcripts = []
    for block in re.findall(r"```sh\n(.*?)```", README, re.S):
        lines = block.splitlines()
        for i, line in enumerate(lines):
            if line.startswith(f"$ {program}"):
                output = []
                for following in lines[i + 1:]:
                    if following.startswith("$ "):
                        break
                    output.append(following)
                transcripts.append((line[2:], output))
    return transcripts


def test_readme_has_a_transcript():
    assert any("--loss 1.947" in command for command, _ in readme_transcripts())


@pytest.mark.parametrize("command,output", readme_transcripts())
def test_readme_transcript_is_what_the_program_prints(binary, tmp_path, command, output):
    """The output shown in the README is the program's, line for line."""
    proc = run_readme_command(binary, command, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.rstrip("\n").splitlines() == output


@pytest.fixture(scope="module")
def setup_result(tmp_path_factory, scalesweep):
    """What `scripts/setup.sh` leaves in results/, and the results the README's own `run` commands
    write, for the commands that read them."""
    directory = tmp_path_factory.mktemp("setup")
    for name in ("sardana2024-fig1", "implied-demand", "unknown-demand"):
        scalesweep("run", SOURCE_DIR / "configs" / f"{name}.toml", "-o", directory / f"{name}.h5",
                   "--quiet")
    scalesweep("run", SOURCE_DIR / "configs" / "sardana2024-fig1-uncertainty.toml", "-o",
               directory / "fig1-uncertainty.h5", "--quiet")
    return directory


def readme_directory(tmp_path, setup_result, written_by_readme=False):
    """A checkout-like directory; with `written_by_readme`, results/ also holds what the README's
    own `run` commands write (left out for those commands: run refuses an existing output)."""
    (tmp_path / "results").mkdir()
    for path in setup_result.glob("*.h5"):
        if written_by_readme or path.name == "sardana2024-fig1.h5":
            (tmp_path / "results" / path.name).symlink_to(path)
    for name in ("configs", "scripts", "data"):
        (tmp_path / name).symlink_to(SOURCE_DIR / name)
    return tmp_path


def test_readme_has_the_flops_and_usd_examples():
    commands = readme_commands()
    assert any("--loss 1.947 --inference-tokens 2e12" in c for c in commands)
    assert any("--objective usd" in c and "--requests 1e10" in c for c in commands)


@pytest.mark.parametrize("command", readme_commands())
def test_readme_command_runs(binary, tmp_path, setup_result, command):
    proc = run_readme_command(binary, command, readme_directory(tmp_path, setup_result))
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("command", readme_commands(".venv/bin/python scripts/plot.py"))
def test_readme_plot_command_runs(tmp_path, setup_result, command):
    cwd = readme_directory(tmp_path, setup_result, written_by_readme=True)
    args = shlex.split(command)[1:]
    proc = subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd,
                          env=dict(os.environ, MPLBACKEND="Agg"))
    assert proc.returncode == 0, proc.stderr
    assert (cwd / args[args.index("-o") + 1]).read_bytes()[:4] == b"\x89PNG"


def test_readme_shows_every_figure_that_make_figures_draws():
    script = (SOURCE_DIR / "scripts" / "make_figures.sh").read_text()
    drawn = set(re.findall(r"^plot \S+ \S+ (\S+)", script, re.M))
    assert len(drawn) >= 6
    for name in drawn:
        assert f"(docs/figures/{name}.png)" in README, name
        assert (SOURCE_DIR / "docs" / "figures" / f"{name}.png").exists(), name


def published(scalesweep, *args):
    return scalesweep.json("optimum", *args)


def test_flops_example_prints_the_published_numbers(scalesweep):
    # Sardana et al.'s reference code README: N* = 2.418e10, D* = 2.657e12; 70.96 % of the
    # Chinchilla parameters, 146.77 % of its tokens, 95.22 % of its FLOPs. Half a unit in the last
    # printed digit.
    r = published(scalesweep, "--law", "sardana2024", "--loss", "1.947", "--inference-tokens", "2e12")
    assert r["status"] == "ok"
    assert r["N"] == pytest.approx(2.418e10, abs=0.0005e10)
    assert r["D"] == pytest.approx(2.657e12, abs=0.0005e12)
    assert 100 * r["ratios"]["N"] == pytest.approx(70.96, abs=0.005)
    assert 100 * r["ratios"]["D"] == pytest.approx(146.77, abs=0.005)
    assert 100 * r["ratios"]["cost"] == pytest.approx(95.22, abs=0.005)
    for key in ["N", "D", "loss", "cost", "train_flops", "inference_flops", "tokens_per_param", "status"]:
        assert key in r
    assert set(r["chinchilla"]) >= {"N", "D", "cost"}


def test_usd_example_prints_the_published_numbers(scalesweep):
    # The reference code's README, usd example: N* = 2.053e10, D* = 3.302e12; 60.23 %, 182.41 %,
    # 88.76 % of the Chinchilla model's parameters, tokens and cost.
    r = published(scalesweep, "--law", "sardana2024", "--loss", "1.947", "--objective", "usd",
                  "--requests", "1e10", "--input-tokens", "1000", "--output-tokens", "250",
                  "--train-gpu", "A100-80GB", "--train-dtype", "bf16", "--train-mfu", "0.5",
                  "--train-usd-per-hour", "1.40", "--serve-gpu", "A100-40GB", "--serve-dtype", "int8",
                  "--prefill-mfu", "0.4", "--decode-mfu", "0.2", "--serve-usd-per-hour", "0.60")
    assert r["status"] == "ok" and r["cost_units"] == "USD"
    assert r["N"] == pytest.approx(2.053e10, abs=0.0005e10)
    assert r["D"] == pytest.approx(3.302e12, abs=0.0005e12)
    assert 100 * r["ratios"]["N"] == pytest.approx(60.23, abs=0.005)
    assert 100 * r["ratios"]["D"] == pytest.approx(182.41, abs=0.005)
    assert 100 * r["ratios"]["cost"] == pytest.approx(88.76, abs=0.005)
    # The preset that names the same scenario gives the same cell.
    p = published(scalesweep, "--law", "sardana2024", "--loss", "1.947", "--objective", "usd",
                  "--requests", "1e10", "--input-tokens", "1000", "--output-tokens", "250",
                  "--hardware", "sardana2024-readme-a100")
    assert p["N"] == r["N"] and p["cost"] == r["cost"]


def test_readme_python_snippet_runs(scalesweep, tmp_path):
    (tmp_path / "results").mkdir()
    scalesweep("run", SOURCE_DIR / "configs" / "sardana2024-fig1.toml", "-o",
               tmp_path / "results" / "sardana2024-fig1.h5", "--quiet")
    snippet = re.search(r"```python\n(.*?)```", README, re.S).group(1)
    proc = subprocess.run([sys.executable, "-c", snippet],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    # 13B Chinchilla quality at 2e12 tokens saves 17.4 % (Sardana et al. 2024, Fig. 1); the
    # snippet reads the nearest grid cell (T = 1.995e12, loss 2.045), within 0.2 % of it.
    assert float(proc.stdout) == pytest.approx(0.174, abs=0.002)


def test_every_preset_is_documented(scalesweep):
    presets = scalesweep.json("presets")
    for group in ("laws", "samples", "gpus", "hardware"):
        for p in presets[group]:
            assert f"`{p['name']}`" in README, p["name"]


def python_package_blocks():
    """The Python blocks of the README's "Python package" section."""
    section = README.split("## Python package\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_readme_python_package_example_runs(tmp_path, scalesweep):
    """The package's example, against the build's engine module (ctest's PYTHONPATH): optimum's
    N is the CLI's, solve fills the 1000 x 1000 grid, hardware-compare's loss-target frame has one
    row per (hardware, T, loss target) cell."""
    if os.environ.get("SCALESWEEP_PYTHON_ENGINE") != "1":
        pytest.skip("this build has no Python engine module (SCALESWEEP_PYTHON found no nanobind)")
    (tmp_path / "results").mkdir()
    (tmp_path / "configs").symlink_to(SOURCE_DIR / "configs")
    blocks = python_package_blocks()
    assert len(blocks) == 1 and "scalesweep.solve(" in blocks[0]
    proc = subprocess.run([sys.executable, "-c", blocks[0]], capture_output=True, text=True,
                          cwd=tmp_path, env=dict(os.environ, MPLBACKEND="Agg"))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    cli = published(scalesweep, "--law", "sardana2024", "--loss", "1.947", "--inference-tokens", "2e12")
    N, cost_ratio = map(float, lines[0].split())
    assert N == cli["N"] and cost_ratio == cli["ratios"]["cost"]  # the same doubles
    # The largest saving on the grid: 1 - cost ratio at T = 1e16 and the highest loss; from the
    # same cells through the CLI's optimum (scalar path), to the 3 printed decimals.
    corner = published(scalesweep, "--law", "sardana2024", "--loss", "3.0", "--inference-tokens", "1e16")
    assert lines[1] == f"(1000, 1000) {round(corner['ratios']['saving'], 3)}"
    assert lines[2] == "['dense-cost', 'loss-target', 'budget']"
    rows, N_h100 = lines[3].split()
    with h5py.File(tmp_path / "results" / "hw.h5") as f:
        assert int(rows) == f["opt_N"].size
        # sel(hardware="h100-fp8") by name, then the nearest T and loss target: the same cell
        # picked here by position from the stored coordinates.
        names = [n.decode() if isinstance(n, bytes) else n for n in f["hardware"][()]]
        T, targets = f["T"][()], f["loss_target"][()]
        cell = f["opt_N"][names.index("h100-fp8"), np.abs(T - 1e12).argmin(),
                          np.abs(targets - 2.0).argmin()]
        assert float(N_h100) == cell
