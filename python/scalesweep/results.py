"""Opening result files: checks that a file is a whole result of the format this package reads,
then xarray (h5netcdf) with the `.scalesweep` accessor, which selects one problem's variables so
that `.to_dataframe()` spans that problem's dimensions only."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

from .file_check import check_result_file
from .schema import ATTRIBUTES, DIM_HARDWARE, FORMAT_VERSION, PROBLEMS, PROGRESS, SCHEMA

if TYPE_CHECKING:
    import xarray as xr


class ResultError(ValueError):
    """A file that is not a readable, whole scalesweep result of this format (the message says
    what it is and what to do)."""


def require_format(f, path: str | os.PathLike) -> None:
    """Refuses an open h5py file that is no scalesweep result, or one of another format version:
    its names may mean other things than this package's schema says."""
    version = f.attrs.get(ATTRIBUTES["format_version"])
    if version is None:
        raise ResultError(f"'{path}' is not a scalesweep result (it has no "
                          f"{ATTRIBUTES['format_version']} attribute)")
    if int(version) != FORMAT_VERSION:
        raise ResultError(f"'{path}' has result format {int(version)}; this scalesweep package "
                          f"reads format {FORMAT_VERSION} only (use the scalesweep that wrote it, "
                          "or run the config again with this one)")


def require_complete(path: str | os.PathLike) -> None:
    """Refuses a file that is not a whole result of this format: one part of a sharded run (`run
    --shard`) or an unfinished run, whose cells not computed read as NaN with status
    not_computed, or as 0 with status ok where their chunks were allocated unwritten. The
    progress record (a group hidden from xarray) tells, as `scalesweep inspect` reads it.

    The file is read by a child process first (file_check.py): a damaged file that would crash,
    spin or exhaust memory in libhdf5 is refused before this process opens it."""
    import h5py
    check_result_file(path, ResultError)
    try:
        f = h5py.File(path, "r")
    except OSError as e:  # changed since the check
        raise ResultError(f"'{path}' is not a readable HDF5 file ({e})") from None
    with f:
        require_format(f, path)
        record = f.get(PROGRESS["group"])
        if record is None:  # no progress record: nothing to tell
            return
        shard = record.attrs.get(PROGRESS["shard"], "1/1")
        done = [record[name][()] for name in record if name.startswith(PROGRESS["record_prefix"])]
    written, chunks = sum(int(d.sum()) for d in done), sum(d.size for d in done)
    unfinished = str(path).endswith(SCHEMA["partial_suffix"])
    if shard != "1/1" and not unfinished:
        raise ResultError(f"'{path}' is shard {shard} of a sharded run, not a whole result: cells "
                          "outside it are not computed (merge the parts first: scalesweep merge "
                          "PARTS... -o OUT)")
    if unfinished or written < chunks:
        flag = f"--shard {shard} " if shard != "1/1" else ""
        raise ResultError(f"'{path}' is an unfinished run ({written} of {chunks} chunks written): "
                          "the rest is not computed (finish it first: scalesweep run "
                          f"CONFIG -o OUT {flag}--resume)")


def open(path: str | os.PathLike) -> "xr.Dataset":  # noqa: A001 (scalesweep.open, as xr.open_dataset)
    """Opens a result file as an xarray Dataset (lazily, h5netcdf engine), after checking that it
    is a whole result of this package's format.

    ``ds.scalesweep.problem("loss-target")`` selects one problem's variables (see
    :class:`ResultAccessor`); ``ds.scalesweep.problems`` lists those the file holds.

    The ``hardware`` coordinate (scenario names) selects names exactly whatever ``method`` a
    ``sel`` call gives, so ``ds.sel(hardware="h100-fp8", loss_target=2.0, method="nearest")``
    works in one call (see :func:`_name_index_class`).

    Raises ResultError for a missing, unreadable or damaged file (read by a child process first:
    a file on which libhdf5 would crash or spin is refused, see scalesweep.file_check), another
    format version, a shard part or an unfinished run.
    """
    import xarray as xr
    require_complete(path)
    ds = xr.open_dataset(path, engine="h5netcdf")
    if DIM_HARDWARE in ds.indexes:
        ds = ds.drop_indexes(DIM_HARDWARE).set_xindex(DIM_HARDWARE, _name_index_class())
    return ds


def _name_index_class():
    """An index for a coordinate of names (hardware scenarios) that matches labels exactly,
    ignoring the ``method`` of the sel call: xarray passes one call's method to every index, and
    pandas has no nearest string, so with the default index
    ``ds.sel(hardware=NAME, loss_target=x, method="nearest")`` raises (plain xarray needs
    ``ds.sel(hardware=NAME).sel(loss_target=x, method="nearest")``)."""
    from xarray.indexes import PandasIndex

    class NameIndex(PandasIndex):
        def sel(self, labels, method=None, tolerance=None):
            return super().sel(labels)

    return NameIndex


def problem_key(name: str) -> str:
    """The schema's key of a problem named as the CLI names it ("loss-target", "budget-curve",
    "dense-cost"; '_' or '-'), or by its dense grid's variable ("cost", "loss")."""
    key = name.replace("-", "_")
    if key in PROBLEMS:
        return key
    if f"dense_{key}" in PROBLEMS:
        return f"dense_{key}"
    names = ", ".join(k.replace("_", "-") for k in PROBLEMS)
    raise KeyError(f"no problem '{name}'; problems are: {names}")


def _register_accessor() -> None:
    import xarray as xr

    @xr.register_dataset_accessor("scalesweep")
    class ResultAccessor:
        """``ds.scalesweep``: a result file's problems, one at a time.

        A file holding several problems has variables over different dimensions;
        ``ds.to_dataframe()`` would span all of them at once (their Cartesian product). Select a
        problem first: ``ds.scalesweep.problem("loss-target").to_dataframe()`` has one row per
        cell of that problem.
        """

        def __init__(self, ds: xr.Dataset):
            self._ds = ds

        @property
        def problems(self) -> list[str]:
            """The problems this file holds, as the CLI names them ("loss-target", ...)."""
            # By name and dimensions: under law samples with keep_samples the loss-target
            # variables (opt_N, ...) have a leading `sample` dimension, the samples problem's.
            return [key.replace("_", "-") for key, p in PROBLEMS.items()
                    if any(v in self._ds.variables and self._ds[v].dims == tuple(p["dims"])
                           for v in p["variables"].values())]

        def problem(self, name: str) -> xr.Dataset:
            """The variables of one problem ("loss-target", "budget", "budget-curve",
            "dense-cost" or "cost", "dense-loss" or "loss") with the coordinates of its
            dimensions only; KeyError names the problems this file holds when it has no such
            problem."""
            key = problem_key(name)
            names = [v for v in PROBLEMS[key]["variables"].values() if v in self._ds.variables]
            if not names:
                raise KeyError(f"this file holds no '{name}' problem; it holds: "
                               f"{', '.join(self.problems) or 'none'}")
            return self._ds[names]

    globals()["ResultAccessor"] = ResultAccessor


try:
    _register_accessor()
except ImportError:  # xarray absent: open() says so when called
    pass
