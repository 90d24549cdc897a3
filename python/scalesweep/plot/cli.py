"""`python -m scalesweep.plot RESULT.h5 --kind KIND -o FILE.png`: one figure into a file; exit 2
with one clear line for a file or option that cannot make it. The output follows run's rules
(output_file.py): checked before any work, written under a temporary name and renamed; the result
is read by a child process first (file_check.py)."""
from __future__ import annotations

import argparse
import os
import sys

from ..output_file import check_output_file, write_atomically
from ..results import ResultError, open as open_result
from . import KINDS, OPTIONS, SAMPLES_KINDS, PlotError, open_law_samples, plot


def _description() -> str:
    kinds = "\n".join(f"  {name:<11} {k.summary}" for name, k in KINDS.items())
    return f"Heatmaps and charts of scalesweep result files.\n\nkinds:\n{kinds}"


def _save(fig, output: str, image_format: str, dpi: int) -> None:
    """Writes the figure under a temporary name beside `output` and renames it into place."""
    try:
        write_atomically(output, lambda f: fig.savefig(f, format=image_format, dpi=dpi), PlotError)
    except ValueError as e:
        raise PlotError(f"cannot write '{output}': {e}") from None


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    ap = argparse.ArgumentParser(prog=prog, description=_description(),
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("result", help="scalesweep result file (HDF5)")
    ap.add_argument("--kind", required=True, help="one of: " + ", ".join(KINDS))
    ap.add_argument("-o", "--output", required=True,
                    help="image file (.png, .pdf, .svg); replaced if it is a regular file, never "
                         "a directory, device, FIFO, socket or the result")
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
        output, image_format = _output_name(a.output)
        # `-o /dev/null` names the device, though matplotlib would write /dev/null.png.
        for name in dict.fromkeys([a.output, output]):
            check_output_file(name, {"the file being plotted": a.result}, PlotError)
        if a.kind in SAMPLES_KINDS:
            fig = plot(open_law_samples(a.result), a.kind, **options)
            _save(fig, output, image_format, a.dpi)
        else:
            with open_result(a.result) as ds:
                _save(plot(ds, a.kind, **options), output, image_format, a.dpi)
    except ResultError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"wrote {output}")
    return 0


def _output_name(path: str) -> tuple[str, str]:
    """The file the image goes to and its format, as matplotlib's savefig picks them (by the
    extension; without one, its default format, appended to the name), checked before any
    work."""
    from matplotlib import rcParams
    from matplotlib.backend_bases import FigureCanvasBase
    extension = os.path.splitext(path)[1][1:].lower()
    image_format = extension or rcParams["savefig.format"]
    formats = FigureCanvasBase.get_supported_filetypes()
    if image_format not in formats:
        raise PlotError(f"cannot write '{path}': format '{image_format}' is not supported "
                        f"(supported: {', '.join(sorted(formats))})")
    return (path if extension else f"{path}.{image_format}"), image_format
