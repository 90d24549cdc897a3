#!/usr/bin/env python3
"""Draws a figure of a scalesweep result file: the command line of scalesweep.plot (the package in
python/), runnable from a checkout without installing it.

    python3 scripts/plot.py RESULT.h5 --kind KIND -o FILE.png [--hardware NAME] [--T T] [--budget C]

Installed (`pip install .`), the same is `python -m scalesweep.plot`.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))

from scalesweep.plot.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(prog="scripts/plot.py"))
