"""The engine called from Python: one optimum as `scalesweep optimum --json` gives it, arrays of
optima solved in memory, and sweeps run from a config file or dict. Each calls the C++ engine in
this process (the compiled module scalesweep._engine), not the command line."""
from __future__ import annotations

import os
import warnings
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

if TYPE_CHECKING:
    import xarray as xr

ArrayLike = Any  # a number, a numpy array or anything np.asarray takes, or an xarray DataArray


def _engine():
    try:
        from . import _engine as engine
    except ImportError as e:
        raise ImportError(
            "scalesweep's compiled engine (scalesweep._engine) is not available: install the "
            "package with `pip install .` from the repository, or build it with CMake "
            "(SCALESWEEP_PYTHON=ON) and put build/python on PYTHONPATH") from e
    return engine


def _text(value: Any) -> str:
    """A flag's value as the command line takes it; floats in their shortest round-trip form, so
    the engine reads back the very same double."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError("a flag's value cannot be a bool")
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return str(value)


def flags_of(options: Mapping[str, Any]) -> list[str]:
    """The command line of keyword options: `train_mfu=0.5` is `--train-mfu 0.5`, `E=1.69` is
    `--E 1.69`; None leaves the flag out. A bool is a switch: `fit_memory=True` is `--fit-memory`,
    False leaves it out."""
    args: list[str] = []
    for key, value in options.items():
        if value is None:
            continue
        flag = "--" + key.replace("_", "-")
        if isinstance(value, (bool, np.bool_)):
            args += [flag] if value else []
            continue
        args += [flag, _text(value)]
    return args


def optimum(*, law: str | None = None, loss: float | None = None, budget: float | None = None,
            inference_tokens: float | None = None, requests: float | None = None,
            input_tokens: float | None = None, output_tokens: float | None = None,
            objective: str | None = None, hardware: str | None = None, E: float | None = None,
            A: float | None = None, B: float | None = None, alpha: float | None = None,
            beta: float | None = None, **hardware_flags: float | str) -> dict[str, Any]:
    """One cell's optimum: exactly what ``scalesweep optimum ... --json`` prints, as a dict.

    Every keyword is the command's flag of the same name (underscores for hyphens): ``law`` a
    preset (``scalesweep presets`` lists them) and/or the constants ``E A B alpha beta``; the
    problem, ``loss`` (the cheapest model reaching that loss) or ``budget`` (the lowest loss for
    that lifetime cost); the demand, ``inference_tokens`` or ``requests`` with ``input_tokens``
    and ``output_tokens``; ``objective`` ("flops" or "usd") with ``hardware`` (a scenario preset)
    and any ``train_*``/``serve_*`` flag (``train_mfu=0.5``, ``serve_gpu="A100-40GB"``, ...).

    Example: ``scalesweep.optimum(law="sardana2024", loss=1.947, inference_tokens=2e12)["N"]``.

    Raises ValueError with the command line's message for a bad or missing option. The command's
    warnings (an optimum below one parameter, a figure that overflows) are issued as Python
    warnings (RuntimeWarning).
    """
    import json
    options = dict(law=law, loss=loss, budget=budget, inference_tokens=inference_tokens,
                   requests=requests, input_tokens=input_tokens, output_tokens=output_tokens,
                   objective=objective, hardware=hardware, E=E, A=A, B=B, alpha=alpha, beta=beta,
                   **hardware_flags)
    text, messages = _engine().optimum(flags_of(options))
    for message in messages:
        warnings.warn(message, RuntimeWarning, stacklevel=2)
    return json.loads(text)


def _as_inputs(*values: ArrayLike) -> tuple[list[np.ndarray], tuple[int, ...], Any]:
    """numpy arrays broadcastable to one shape, without copying broadcast data: DataArrays are
    aligned (exactly: their shared coordinates must agree) and given size-1 axes for the
    dimensions they lack, in the order the dimensions first appear. Returns the arrays, the shape,
    and for DataArrays what the results need to be DataArrays too (dims and coords), else None."""
    try:
        import xarray as xr
        labelled = [v for v in values if isinstance(v, xr.DataArray)]
    except ImportError:
        labelled = []
    if not labelled:
        arrays = [np.asarray(v, dtype=np.float64, order="C") for v in values]  # 0-d stays 0-d
        try:
            shape = np.broadcast_shapes(*(a.shape for a in arrays))
        except ValueError as e:
            raise ValueError(f"the inputs do not broadcast together: {e}") from None
        return arrays, shape, None
    for v in values:
        if not isinstance(v, xr.DataArray) and np.ndim(v) > 0:
            raise ValueError("give every array input as an xarray DataArray, or none: a plain "
                             "array beside a DataArray has no dimension names to align on")
    aligned = iter(xr.align(*labelled, join="exact"))
    das = [next(aligned) if isinstance(v, xr.DataArray) else xr.DataArray(float(v))
           for v in values]
    dims: list[str] = []
    for da in das:
        dims += [d for d in da.dims if d not in dims]
    arrays = []
    for da in das:
        order = [d for d in dims if d in da.dims]
        data = np.asarray(da.transpose(*order).values, dtype=np.float64, order="C")
        arrays.append(data.reshape([da.sizes[d] if d in da.dims else 1 for d in dims]))
    shape = tuple(max(a.shape[i] for a in arrays) for i in range(len(dims)))
    coords = xr.merge([da.coords.to_dataset() for da in das], join="exact").coords
    return arrays, shape, (dims, coords)


def _broadcast(values: np.ndarray, shape: tuple[int, ...]) -> tuple[np.ndarray, list[int]]:
    """The distinct values (contiguous, 1-D) and their element strides over `shape`."""
    view = np.broadcast_to(values, shape)
    return values.reshape(-1), [s // values.itemsize for s in view.strides]


def solve(*, loss: ArrayLike = None, budget: ArrayLike = None, inference_tokens: ArrayLike = None,
          requests: ArrayLike = None, input_tokens: float | None = None,
          output_tokens: float | None = None, law: str | None = None,
          objective: str | None = None, hardware: str | None = None, E: float | None = None,
          A: float | None = None, B: float | None = None, alpha: float | None = None,
          beta: float | None = None, threads: int = 0,
          **hardware_flags: float | str) -> "dict[str, np.ndarray] | xr.Dataset":
    """Optima of many cells at once, in memory: ``optimum``'s keywords, with arrays.

    ``loss`` (loss targets) or ``budget`` (budgets in the objective's unit), and
    ``inference_tokens`` (T; default 0), or ``requests`` with scalar ``input_tokens`` and ``output_tokens``
    (T = requests (input + output), the scenario's token split), broadcast against each other
    as numpy broadcasts. Law, objective and hardware keywords as for ``optimum``; ``threads``
    (0: all cores). Serving constraints as ``optimum``'s flags (``fit_memory=True``,
    ``serve_gpus``, ``memory_reserve``, ``max_seconds_per_token``, ``bandwidth_efficiency``) bound
    N by the scenario's serving GPU: cells where the bound binds get status ``constrained``, those
    it rules out ``infeasible``.

    Returns a dict of numpy arrays of the broadcast shape, keyed as the result file's columns:
    for loss targets ``N D cost chinchilla_N chinchilla_D chinchilla_cost status``, for budgets
    ``N D loss chinchilla_N chinchilla_D chinchilla_loss status`` (``status``: uint8 codes,
    ``scalesweep.status_names()``). With xarray DataArrays as inputs, an xarray Dataset over
    their dimensions and coordinates.

    Each cell is computed by the per-cell functions and SIMD lanes of ``run``'s CPU backend: the
    values equal those ``run`` writes for the same cells, bit for bit. A cell with a NaN or
    negative input gets status ``invalid_input``.
    """
    if (loss is None) == (budget is None):
        raise ValueError("give loss= (loss-target problem) or budget= (budget problem), one of them")
    if requests is not None:
        if inference_tokens is not None:
            raise ValueError("give inference_tokens= or requests=, not both")
        if input_tokens is None or output_tokens is None:
            raise ValueError("requests= needs input_tokens= and output_tokens= (tokens per request)")
        if np.ndim(input_tokens) or np.ndim(output_tokens):
            raise ValueError("input_tokens= and output_tokens= are one split for every cell: "
                             "give numbers, not arrays")
    elif input_tokens is not None or output_tokens is not None:
        raise ValueError("input_tokens= and output_tokens= go with requests=")
    economy = dict(law=law, objective=objective, hardware=hardware, E=E, A=A, B=B, alpha=alpha,
                   beta=beta, **hardware_flags)
    if requests is not None:
        # Only the split matters to the costs; the demand of each cell comes from its own array.
        economy.update(requests=1.0, input_tokens=input_tokens, output_tokens=output_tokens)
    engine = _engine()
    economics = engine.economics(flags_of(economy))

    problem = "loss_target" if loss is not None else "budget"
    target = loss if loss is not None else budget
    if requests is not None:
        per_request = float(input_tokens) + float(output_tokens)  # as `optimum` computes T
        demand = (requests if _is_labelled(requests)
                  else np.asarray(requests, dtype=np.float64)) * per_request
    else:
        demand = 0.0 if inference_tokens is None else inference_tokens  # T = 0: training only
    (target_values, T_values), shape, labels = _as_inputs(target, demand)
    target_flat, target_strides = _broadcast(target_values, shape)
    T_flat, T_strides = _broadcast(T_values, shape)
    names = engine.solve_columns(problem)
    columns = [np.empty(shape, dtype=np.float64) for _ in names[:-1]]
    status = np.empty(shape, dtype=np.uint8)
    engine.solve(problem, economics, list(shape), target_flat, target_strides, T_flat, T_strides,
                 [c.reshape(-1) for c in columns], status.reshape(-1), threads)
    out = dict(zip(names, [*columns, status]))
    if labels is None:
        return out
    import xarray as xr
    dims, coords = labels
    ds = xr.Dataset({name: (dims, values) for name, values in out.items()}, coords=coords)
    from .schema import SCHEMA
    ds["status"].attrs.update(flag_values=np.arange(len(SCHEMA["statuses"]), dtype=np.uint8),
                              flag_meanings=SCHEMA["flag_meanings"])
    return ds


def _is_labelled(value: Any) -> bool:
    try:
        import xarray as xr
    except ImportError:
        return False
    return isinstance(value, xr.DataArray)


def _toml_text(config: Mapping[str, Any]) -> str:
    import tomli_w
    return tomli_w.dumps(dict(config))


def run(config: str | os.PathLike | Mapping[str, Any], out: str | os.PathLike | None = None, *,
        overwrite: bool = False, resume: bool = False, backend: str = "auto", threads: int = 0,
        progress: bool = False) -> dict[str, Any]:
    """Runs a sweep into its result file, as ``scalesweep run CONFIG -o OUT`` does (one process).

    ``config`` is a TOML file's path, or a dict in the config schema (docs/config.md), e.g.
    ``{"law": {"preset": "chinchilla"}, "axes": {"T": {"values": [0, 1e12]}, "loss_target":
    {"values": [2.0, 2.1]}}}``. ``out``: the result file (default: the config's ``[output]
    path``). ``overwrite`` replaces an existing file, ``resume`` continues an interrupted run;
    ``backend`` "auto", "cpu" or "cuda"; ``threads`` 0 for all cores; ``progress`` prints
    progress lines on stderr.

    Returns the run's summary with the names of ``run --json``: output, backend, cells, seconds,
    cells_per_second, bytes_written, statuses (per status variable, cells per status). The
    config's warnings are issued as Python warnings (UserWarning). Raises ValueError for a bad
    config or request (the CLI's message), RuntimeError when the system fails.
    """
    engine = _engine()
    options = engine.RunOptions()
    options.output = "" if out is None else os.fspath(out)
    options.overwrite, options.resume = overwrite, resume
    options.backend, options.threads, options.progress = backend, threads, progress
    if isinstance(config, Mapping):
        if out is None and "path" not in config.get("output", {}):
            raise ValueError("a config given as a dict needs out= (or an [output] path)")
        summary, messages = engine.run(_toml_text(config), True, "<dict config>", options)
    else:
        summary, messages = engine.run(os.fspath(config), False, "", options)
    for message in messages:
        warnings.warn(message, UserWarning, stacklevel=2)
    return summary

