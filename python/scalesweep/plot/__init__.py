"""Figures of scalesweep result files, one function per kind, registered in KINDS.

From Python::

    import scalesweep
    with scalesweep.open("results/sardana2024-fig1.h5") as ds:
        fig = scalesweep.plot.plot(ds, "savings")   # a matplotlib Figure

From the command line: ``python -m scalesweep.plot RESULT.h5 --kind KIND -o FILE.png`` (or
``scripts/plot.py`` in a checkout).

Adding a kind: write ``def my_kind(ds, <options>) -> Figure`` in a module of this package (or a
new one), reading only variables scalesweep wrote (names from ``scalesweep.schema``; check them
with ``require``), and add one row to KINDS. Its keyword options must be in OPTIONS, which gives
each its command-line flag; a new option is one row there too.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ._common import PlotError, require
from .budget import budget_curves, cost_map
from .demand import implied_demand
from .hardware import cheapest_hardware
from .optima import ratios, savings, size_ratio
from .uncertainty import fit_figure, open_law_samples, quantile_bands
from .unknown_demand import regret_map, robust_choice


@dataclass(frozen=True)
class Kind:
    draw: Callable[..., Any]  # (ds, **options) -> matplotlib Figure
    summary: str              # one line for --help and the docs
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class Option:
    flag: str
    type: type
    help: str


# Keyword options of the kinds, with the command line's flag for each.
OPTIONS: dict[str, Option] = {
    "hardware": Option("--hardware", str, "hardware scenario name (default: the first)"),
    "T": Option("--T", float, "inference tokens (nearest grid value; default: the largest)"),
    "budget": Option("--budget", float, "budget (nearest grid value; default: the middle one)"),
    "mark": Option("--mark", str, "models to mark, NAME=N:D[,NAME=N:D...] (e.g. "
                   "llama3-8b=8.03e9:15e12; `scalesweep presets` lists the model presets)"),
    "loss_target": Option("--loss-target", float, "loss target (nearest grid value; default: "
                          "the lowest, middle and highest for bands, the middle one for "
                          "regret-map and robust)"),
    "data": Option("--data", str, "the CSV the samples were fitted to (default: the path the "
                   "samples file records)"),
}

# Kinds that draw a `scalesweep fit -o` law-samples file rather than a sweep's result.
SAMPLES_KINDS = ("fit",)

KINDS: dict[str, Kind] = {
    "savings": Kind(savings, "cost saved by the inference-aware optimum over the Chinchilla "
                    "model of the same loss, over (T, loss target) (Sardana et al. 2024, Fig. 1a)",
                    ("hardware",)),
    "size-ratio": Kind(size_ratio, "N*/N_chinchilla and tokens per parameter D*/N* over the same "
                       "axes (Fig. 1b)", ("hardware",)),
    "ratios": Kind(ratios, "N*/N_chinchilla and D*/D_chinchilla against T, one line per loss "
                   "target (Sardana et al. 2024, section 2)", ("hardware",)),
    "budget": Kind(budget_curves, "loss against model size at a fixed budget, one curve per "
                   "inference volume, optima marked (the lesson's chart)", ("hardware", "budget")),
    "cost-map": Kind(cost_map, "lifetime cost over (N, D) for one (hardware, T), iso-loss "
                     "contours and the curves of optima", ("hardware", "T")),
    "hardware": Kind(cheapest_hardware, "the cheapest hardware scenario per (T, loss target) and "
                     "its cost"),
    "implied-demand": Kind(implied_demand, "the implied lifetime inference demand of each trained "
                           "model (N, D), undertrained ones blank, given models marked",
                           ("hardware", "mark")),
    "bands": Kind(quantile_bands, "a sweep under law samples: N*/N_chinchilla and the saving "
                  "against T, median and 5-95 % band per loss target", ("hardware", "loss_target")),
    "fit": Kind(fit_figure, "a `scalesweep fit -o` samples file: the data with the fitted "
                "iso-loss curves, and the bootstrap's pairwise parameter scatter", ("data",)),
    "regret-map": Kind(regret_map, "the regret of planning for T_plan when the demand turns out "
                       "T, in % of the optimum's cost, over (T_plan, T) at one loss target",
                       ("hardware", "loss_target")),
    "robust": Kind(robust_choice, "the robust model against the point optimum (robust_N / opt_N, "
                   "and its largest regret) against T, one line per spread, at one loss target; "
                   "under law samples their quantile bands",
                   ("hardware", "loss_target")),
}


def plot(ds, kind: str, **options: Any):
    """The matplotlib Figure of `kind` for an open result (``scalesweep.open``).

    Options (each kind takes those KINDS lists): ``hardware`` (a scenario name), ``T``, ``budget``,
    ``loss_target`` (grid values; the nearest is used). Raises PlotError for an unknown kind, an option the kind
    does not take, or a file without the variables the kind needs.
    """
    if kind not in KINDS:
        raise PlotError(f"unknown kind '{kind}'; kinds are: {', '.join(KINDS)}")
    spec = KINDS[kind]
    given = {name: value for name, value in options.items() if value is not None}
    for name in given:
        if name not in spec.options:
            takers = [k for k, s in KINDS.items() if name in s.options]
            flag = OPTIONS[name].flag if name in OPTIONS else name
            raise PlotError(f"{flag} applies to kind {' or '.join(takers) or 'none'}, "
                            f"not '{kind}'")
    return spec.draw(ds, **given)


__all__ = ["KINDS", "OPTIONS", "SAMPLES_KINDS", "Kind", "Option", "PlotError", "plot", "require",
           "main", "open_law_samples"]


def main(argv: list[str] | None = None) -> int:
    """The command line: draw one kind of one result file into an image file."""
    from .cli import main as cli_main
    return cli_main(argv)
