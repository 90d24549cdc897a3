#!/usr/bin/env bash
# Configures and builds scalesweep in build/ (CUDA backend when nvcc is found, else CPU only).
# Extra arguments go to CMake, e.g. scripts/build.sh -DSCALESWEEP_USE_CUDA=OFF.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DPython3_EXECUTABLE="$PWD/.venv/bin/python" "$@" > build.configure.log \
  || { cat build.configure.log; exit 1; }
grep -E '^-- (scalesweep|  )' build.configure.log || true
cmake --build build -j"$(nproc)"
