#!/usr/bin/env bash
# Configures and builds scalesweep (CUDA backend when nvcc is found, else CPU only).
#   scripts/build.sh                 serial build in build/
#   scripts/build.sh mpi             MPI build (OpenMPI + parallel HDF5, CPU backend; no Python
#                                    module: the default build tests it) in build-mpi/
# Extra arguments go to CMake, e.g. scripts/build.sh -DSCALESWEEP_USE_CUDA=OFF.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build
args=()
if [ "${1:-}" = mpi ]; then
  shift
  dir=build-mpi
  args=(-DSCALESWEEP_USE_MPI=ON -DSCALESWEEP_USE_CUDA=OFF -DSCALESWEEP_PYTHON=OFF)
fi
# A clone that was moved (or copied) keeps a build directory configured for its old place, which
# CMake refuses ("CMakeCache.txt directory ... is different"): configure it afresh instead.
cache="$dir/CMakeCache.txt"
if [ -f "$cache" ]; then
  configured_for=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$cache")
  if [ -n "$configured_for" ] &&
     [ "$(cd "$configured_for" 2>/dev/null && pwd -P)" != "$(pwd -P)" ]; then
    echo "note: $dir/ was configured for $configured_for, not $(pwd -P) (the clone moved):" \
         "configuring it afresh (a full rebuild)" >&2
    rm -rf "$cache" "$dir/CMakeFiles"
  fi
fi
cmake -S . -B "$dir" -DPython3_EXECUTABLE="$PWD/.venv/bin/python" "${args[@]}" "$@" > "$dir.configure.log" \
  || { cat "$dir.configure.log"; exit 1; }
grep -E '^-- (scalesweep|  )' "$dir.configure.log" || true
cmake --build "$dir" -j"$(nproc)"
