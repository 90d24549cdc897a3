"""`python -m scalesweep.plot`: see scalesweep.plot.cli."""
import sys

from .cli import main

sys.exit(main(prog="python -m scalesweep.plot"))
