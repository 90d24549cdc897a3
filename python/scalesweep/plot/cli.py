"""`python -m scalesweep.plot RESULT.h5 --kind KIND -o FILE.png`: one figure into a file; exit 2
with one clear line for a file or option that cannot make it."""
from __future__ import annotations

import argparse
import sys

from ..results import ResultError, open as open_result
from . import KINDS, OPTIONS, SAMPLES_KINDS, PlotError, open_law_samples, plot


def _description() -> str:
    kinds = "\n".join(f"  {name:<11} {k.summary}" for name, k in KINDS.items())
    return f"Heatmaps and charts of scalesweep result files.\n\nkinds:\n{kinds}"


def _save(fig, output, dpi) -> None:
    try:
        fig.savefig(output, dpi=dpi)
    except (OSError, ValueError) as e:
        raise PlotError(f"cannot write '{output}': {e}") from None


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    ap = argparse.ArgumentParser(prog=prog, description=_description(),
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("result", help="scalesweep result file (HDF5)")
    ap.add_argument("--kind", required=True, help="one of: " + ", ".join(KINDS))
    ap.add_argument("-o", "--output", required=True, help="image file (.png, .pdf, .svg)")
    for name, option in OPTIONS.items():
        ap.add_argument(option.flag, dest=name, type=option.type, help=option.help)
    ap.add_argument("--dpi", type=int, default=120)
    a = ap.parse_args(argv)
    import matplotlib
    matplotlib.use("Agg")  # files only: no display needed
    try:
        options = {name: getattr(a, name) for name in OPTIONS}
        if a.kind not in KINDS:
            raise PlotError(f"unknown kind '{a.kind}'; kinds are: {', '.join(KINDS)}")
        if a.kind in SAMPLES_KINDS:
            fig = plot(open_law_samples(a.result), a.kind, **options)
            _save(fig, a.output, a.dpi)
        else:
            with open_result(a.result) as ds:
                _save(plot(ds, a.kind, **options), a.output, a.dpi)
    except ResultError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"wrote {a.output}")
    return 0
