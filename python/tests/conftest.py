"""Fixtures of the Python package's suites: the scalesweep executable (to compare the package's
answers with the command line's) and the source tree's configs. ctest puts the build's package
(with its compiled engine) on PYTHONPATH; pytest by hand needs PYTHONPATH=build/python too."""
import json
import os
import subprocess
from pathlib import Path

import pytest

SOURCE_DIR = Path(os.environ.get("SCALESWEEP_SOURCE_DIR", Path(__file__).resolve().parents[2]))


@pytest.fixture(scope="session")
def cli():
    """Runs the scalesweep executable; .json(...) parses its --json output."""
    binary = os.environ.get("SCALESWEEP", str(SOURCE_DIR / "build" / "scalesweep"))
    if not Path(binary).exists():
        pytest.exit(f"scalesweep binary not found at {binary}; set SCALESWEEP or build first", 2)

    class Runner:
        def __call__(self, *args):
            proc = subprocess.run([binary, *map(str, args)], capture_output=True, text=True)
            assert proc.returncode == 0, proc.stderr
            return proc

        def json(self, *args):
            return json.loads(self(*args, "--json").stdout)

    return Runner()
