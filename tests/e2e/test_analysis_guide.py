"""docs/analysis.md runs as written: its `build/scalesweep` commands make the results, then its
Python blocks run in order in one interpreter, as a reader pasting them would."""
import os
import re
import shlex
import subprocess
import sys

from conftest import SOURCE_DIR

GUIDE = (SOURCE_DIR / "docs" / "analysis.md").read_text()


def test_guide_commands_and_python_blocks_run(binary, tmp_path):
    (tmp_path / "results").mkdir()
    (tmp_path / "configs").symlink_to(SOURCE_DIR / "configs")
    (tmp_path / "scripts").symlink_to(SOURCE_DIR / "scripts")
    commands = [line.split("#")[0].strip()
                for block in re.findall(r"```sh\n(.*?)```", GUIDE, re.S)
                for line in block.splitlines() if line.startswith("build/scalesweep")]
    assert any(c.startswith("build/scalesweep inspect") for c in commands)
    for command in commands:
        proc = subprocess.run([binary, *shlex.split(command)[1:]], capture_output=True, text=True,
                              cwd=tmp_path)
        assert proc.returncode == 0, (command, proc.stderr)
    blocks = re.findall(r"```python\n(.*?)```", GUIDE, re.S)
    assert len(blocks) >= 6
    proc = subprocess.run([sys.executable, "-c", "\n".join(blocks)], capture_output=True, text=True,
                          cwd=tmp_path, env=dict(os.environ, MPLBACKEND="Agg",
                                                 PYTHONPATH=os.environ.get("PYTHONPATH",
                                                                           str(SOURCE_DIR / "python"))))
    assert proc.returncode == 0, proc.stderr
    # The cell of "Select a cell" is 13B Chinchilla quality at ~2e12 tokens: 17.4 % saved
    # (Sardana et al. 2024, Fig. 1), to the printed one decimal.
    assert "saves 17.4 % over the Chinchilla model of the same loss" in proc.stdout
    csv = (tmp_path / "results" / "hardware-compare-optima.csv").read_text().splitlines()
    assert csv[0].startswith("hardware,T,loss_target,opt_N,opt_D,opt_cost,chinchilla_cost")
    assert len(csv) == 1 + 7 * 61 * 51  # header + one row per (hardware, T, loss_target) cell
    # The CLI's export of the same problem: every variable, units in the header, the same rows.
    cli = (tmp_path / "results" / "hardware-compare-optima-cli.csv").read_text().splitlines()
    assert cli[0].startswith("hardware,T [1],loss_target [1],opt_N [1],opt_D [1]")
    assert len(cli) == len(csv)
    assert (tmp_path / "results" / "savings.png").read_bytes()[:4] == b"\x89PNG"
