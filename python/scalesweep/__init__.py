"""scalesweep: batch sweeps of language-model scaling-law economics, from Python.

- ``scalesweep.optimum(...)``: one cell, as ``scalesweep optimum ... --json`` prints it.
- ``scalesweep.solve(...)``: arrays of cells (numpy or xarray), solved in memory.
- ``scalesweep.run(config, out=...)``: a sweep config (a TOML path or a dict) into a result file.
- ``scalesweep.open(path)``: a result file as an xarray Dataset; ``ds.scalesweep.problem(name)``
  selects one problem's variables.
- ``scalesweep.plot``: every figure kind of the command line, as functions returning matplotlib
  figures.

optimum, solve and run call the C++ engine in this process (the compiled scalesweep._engine);
reading and plotting result files is pure Python.
"""
from . import plot
from .engine import optimum, run, solve
from .results import ResultError, open
from .schema import FORMAT_VERSION, status_names

# TODO(eval): scalesweep.eval(...) binds `scalesweep eval` once it lands (issue 15), as optimum.

__all__ = ["FORMAT_VERSION", "ResultError", "open", "optimum", "plot", "run", "solve",
           "status_names"]
