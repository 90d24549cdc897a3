"""Where the plot command line writes its image, by the rules `scalesweep run` follows for its
result (README, Reliability): only a regular file is replaced, or a new one created; a directory,
a device (/dev/null for the whole machine), a FIFO, a socket or one of the command's own inputs is
refused before any work; the file is written under a temporary name in the same directory and
renamed into place, so a reader never sees half an image and a failure leaves nothing behind."""
from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO, Callable

from .file_check import kind_of


def check_output_file(path: str | os.PathLike, inputs: dict[str, str | os.PathLike],
                      error: type[Exception]) -> None:
    """Raises `error` when `path` cannot take the output: an empty name, a missing or unwritable
    directory, a directory, device, FIFO or socket in its place, or one of `inputs` (role ->
    path, e.g. {"the file being plotted": RESULT}), by device and inode. An existing regular
    file is replaced."""
    path = os.fspath(path)
    if not path:
        raise error("the output path is empty (give a file name with -o)")
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        what = "is not a directory" if os.path.exists(directory) else "does not exist"
        raise error(f"output directory '{directory}' {what}")
    try:
        target = os.stat(path)  # through a symbolic link: what a write would reach
    except FileNotFoundError:
        target = None
    except OSError as e:
        raise error(f"output path '{path}' cannot be checked ({e.strerror})") from None
    if target is not None:
        if not stat.S_ISREG(target.st_mode):
            raise error(f"output path '{path}' is {kind_of(target.st_mode)}, not a regular file: "
                        "only regular files are replaced (choose a file name with -o)")
        for role, input_path in inputs.items():
            try:
                same = os.path.samefile(path, input_path)
            except OSError:
                same = False
            if same:
                raise error(f"output path '{path}' is {role} (give the output a name of its own "
                            "with -o)")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise error(f"cannot create files in '{directory}' (choose another path with -o)")


def write_atomically(path: str | os.PathLike, write: Callable[[BinaryIO], None],
                     error: type[Exception]) -> None:
    """Calls write(file) on a new temporary file beside `path` (PATH.partial-PID), syncs it and
    renames it to `path`; the temporary file is removed if anything fails. Checks again, just
    before the rename, that `path` is not a directory, device, FIFO or socket (one may have
    appeared meanwhile)."""
    path = Path(path)
    temporary = path.with_name(f"{path.name}.partial-{os.getpid()}")
    try:
        with open(temporary, "xb") as f:  # exclusive: never through a link planted at that name
            write(f)
            f.flush()
            os.fsync(f.fileno())
        try:
            mode = os.stat(path).st_mode
        except FileNotFoundError:
            mode = None
        if mode is not None and not stat.S_ISREG(mode):
            raise error(f"output path '{path}' is {kind_of(mode)} now, not a regular file: "
                        "left as it is")
        os.replace(temporary, path)
    except OSError as e:
        raise error(f"cannot write '{path}': {e.strerror or e}") from None
    finally:
        try:
            os.unlink(temporary)
        except OSError:  # renamed into place, or never created
            pass
