"""Shared fixtures for the end-to-end tests: the scalesweep binary and a runner for it."""
import json
import os
import subprocess
from pathlib import Path

import pytest

SOURCE_DIR = Path(os.environ.get("SCALESWEEP_SOURCE_DIR", Path(__file__).resolve().parents[2]))


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

    def json(self, *args):
        return json.loads(self(*args, "--json").stdout)


@pytest.fixture(scope="session")
def scalesweep(binary) -> Runner:
    return Runner(binary)
