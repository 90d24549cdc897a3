"""scalesweep: batch sweeps of language-model scaling-law economics, from Python.

- ``scalesweep.open(path)``: a result file as an xarray Dataset; ``ds.scalesweep.problem(name)``
  selects one problem's variables.
- ``scalesweep.plot``: every figure kind of the command line, as functions returning matplotlib
  figures.

Result files are read by pure Python (numpy, h5py, xarray, h5netcdf).
"""
from . import plot
from .results import ResultError, open
from .schema import FORMAT_VERSION, status_names

__all__ = ["FORMAT_VERSION", "ResultError", "open", "plot", "status_names"]
