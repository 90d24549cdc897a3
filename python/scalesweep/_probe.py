"""The child side of scalesweep.file_check: reads one file the way the package's readers will, in a
process of its own, so that libhdf5 crashing, spinning or exhausting memory on a damaged file ends
this process and not the caller's (docs/reliability.md, "The Python readers").

    python _probe.py FILE

Run as a script by file_check.py in a fresh interpreter (never imported by the readers). It reads,
with the same h5py (and so the same libhdf5) as the caller: every link (a scalesweep result holds
hard links only; netCDF readers would follow a soft or external one anywhere), every object and
every attribute's value, object references dereferenced (the dimension scales netCDF readers
follow), every dataset's type, shape and layout, every entry of every chunk index, and the values
of the small datasets (coordinates, scenario names, the progress record); then the file as
h5netcdf (xarray's engine) sees it. Chunk bytes of large variables are not read: a deflated chunk
that fails to inflate is an error that h5py raises, not a crash, and an uncompressed chunk is only
values.

Bounds, set once the modules are imported: no core files; the address space it holds plus 2 GiB
(a file declaring a huge attribute or dataset fails here with MemoryError); and CPU time without
progress: the CPU-time limit (RLIMIT_CPU, which ends the process with SIGXCPU) is kept
SCALESWEEP_SPIN_SECONDS (default 2) above the time used at the last progress (one object, one
attribute, one chunk-index entry), so a read that spins inside libhdf5 is killed, while a big
file, or a slow disk (which uses no CPU), is not.

Exit 0: read; 3: an error, its text on standard error (the first line says which kind); a signal:
a crash, or SIGXCPU: a spin.
"""
import math
import os
import resource
import sys
import time

SPIN_SECONDS = 2
EXTRA_ADDRESS_SPACE = 2 << 30
SMALL_DATASET_BYTES = 16 << 20  # read whole: coordinates, names, progress records


class Limits:
    """The CPU-time limit kept SPIN_SECONDS above the time used at the last progress."""

    def __init__(self, spin_seconds):
        self.spin = spin_seconds
        self.hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
        self.next_raise = -1.0
        resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
        self.progress()
        try:
            with open("/proc/self/statm") as statm:  # Linux: the address space held now
                held = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
            limit = held + EXTRA_ADDRESS_SPACE
            hard = resource.getrlimit(resource.RLIMIT_AS)[1]
            if hard == resource.RLIM_INFINITY or limit < hard:
                resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
        except (OSError, ValueError):
            pass  # elsewhere: no memory bound

    def progress(self):
        used = time.process_time()
        if used < self.next_raise:  # a system call per half second of CPU, not per object
            return
        soft = math.ceil(used) + self.spin
        if self.hard != resource.RLIM_INFINITY:
            soft = min(soft, self.hard)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, self.hard))
        self.next_raise = used + 0.5


def touch_value(value, f, limits, seen):
    """Walks an attribute's value; opens every object it references."""
    import h5py
    import numpy as np
    if isinstance(value, h5py.Reference):
        if value:
            touch_object(f[value], f, limits, seen)
    elif isinstance(value, np.ndarray) and value.dtype.kind in "OV":
        for item in value.flat:
            touch_value(item, f, limits, seen)
    elif isinstance(value, (tuple, np.void)):
        for item in value:
            touch_value(item, f, limits, seen)


def touch_object(obj, f, limits, seen):
    import h5py
    key = obj.id  # equal for two handles of one object
    if key in seen:
        return
    seen.add(key)
    limits.progress()
    for name in obj.attrs:
        touch_value(obj.attrs[name], f, limits, seen)
        limits.progress()
    if isinstance(obj, h5py.Dataset):
        touch_dataset(obj, limits)
    elif isinstance(obj, h5py.Group):
        for name in obj:
            link = obj.get(name, getlink=True)
            if not isinstance(link, h5py.HardLink):
                raise ValueError(f"'{obj.name.rstrip('/')}/{name}' is a {type(link).__name__}; "
                                 "a scalesweep result holds hard links only")
            touch_object(obj[name], f, limits, seen)


def touch_dataset(ds, limits):
    ds.dtype, ds.shape, ds.compression, ds.fillvalue  # noqa: B018 (each decodes a header message)
    if ds.chunks is not None:
        dsid = ds.id
        if hasattr(dsid, "chunk_iter"):  # one walk of the index (HDF5 >= 1.12.3)
            dsid.chunk_iter(lambda info: limits.progress())
        else:
            for index in range(dsid.get_num_chunks()):
                dsid.get_chunk_info(index)
                limits.progress()
    if ds.size * ds.dtype.itemsize <= SMALL_DATASET_BYTES:
        ds[()]


def touch_netcdf(path, limits):
    """What xarray's h5netcdf engine reads when it opens the file: the root group's dimensions,
    variables, their dimension names and attributes (xarray opens one group)."""
    try:
        import h5netcdf
    except ImportError:
        return
    with h5netcdf.File(path, "r") as f:
        dict(f.dimensions)
        dict(f.attrs)
        for variable in f.variables.values():
            variable.dimensions, variable.shape, variable.dtype  # noqa: B018
            dict(variable.attrs)
            limits.progress()


def main():
    path = sys.argv[1]
    import h5py  # noqa: F401 (imported before the limits: its import is not the file's work)
    import numpy  # noqa: F401
    spin = float(os.environ.get("SCALESWEEP_SPIN_SECONDS", SPIN_SECONDS))
    limits = Limits(max(1, math.ceil(spin)))
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        print(f"open\n{e}", file=sys.stderr)
        return 3
    try:
        with f:
            touch_object(f, f, limits, set())
        touch_netcdf(path, limits)
    except MemoryError:
        print("memory\nits declared sizes exceed the memory allowed to read it", file=sys.stderr)
        return 3
    except Exception as e:  # noqa: BLE001 (every error of a damaged file's read is the answer)
        print(f"read\n{type(e).__name__}: {e}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
