"""Checks a result file in a child process before this process reads it (scalesweep.open, the plot
command line): libhdf5 trusts what it reads, and on some damaged files it crashes (SIGSEGV,
SIGABRT), spins or allocates without bound, which would take the caller's Python with it. The
child (_probe.py, a fresh interpreter with the same h5py) reads every structure the readers will
read, under a CPU-without-progress limit and an address-space limit; a child that dies, spins,
runs out of memory or fails to read is a ResultError naming the file ("damaged or not a scalesweep
result"), and this process never opens it.

Cost: one interpreter start and the imports of h5py and h5netcdf (about 0.2 s of CPU), and one
pass over the file's metadata and chunk indexes; chunks of large variables are not read
(docs/reliability.md, "The Python readers")."""
from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

PROBE = Path(__file__).with_name("_probe.py")

DAMAGED = "is damaged or not a scalesweep result"

# What a file system object is, for messages: S_IS* test, words (as the CLI's
# src/common/regular_file.hpp says them).
_KINDS = [(stat.S_ISDIR, "a directory"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISSOCK, "a socket")]


def kind_of(mode: int) -> str:
    """'a directory', 'a FIFO', ... for a non-regular file's st_mode."""
    for test, words in _KINDS:
        if test(mode):
            return words
    return "not a regular file"


def check_result_file(path: str | os.PathLike, error: type[Exception]) -> None:
    """Raises `error` (ResultError) unless `path` is a regular file that h5py reads without
    crashing, spinning, exhausting memory or failing, as checked by a child process."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise error(f"'{path}' does not exist") from None
    except OSError as e:
        raise error(f"'{path}' cannot be read ({e.strerror})") from None
    if not stat.S_ISREG(mode):  # a FIFO would block the reader; a device is no result
        raise error(f"'{path}' is {kind_of(mode)}, not a result file")
    proc = subprocess.run([sys.executable, str(PROBE), os.fspath(path)], stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if proc.returncode == 0:
        return
    if proc.returncode < 0:
        raise error(f"'{path}' {DAMAGED}: {_how_it_ended(-proc.returncode)}")
    what, _, detail = proc.stderr.decode(errors="replace").partition("\n")
    detail = " ".join(detail.split())[:500] or f"exit status {proc.returncode}"
    if what == "open":
        raise error(f"'{path}' {DAMAGED}: it is not a readable HDF5 file ({detail})")
    if what in ("read", "memory"):
        raise error(f"'{path}' {DAMAGED}: {detail}")
    raise error(f"'{path}' {DAMAGED}: checking it failed ({detail})")


def _how_it_ended(signum: int) -> str:
    if signum == signal.SIGXCPU:
        return "reading it spun (no progress within its CPU-time limit)"
    return f"reading it crashed ({signal.strsignal(signum) or f'signal {signum}'})"  # as the CLI
