#!/usr/bin/env bash
# Second command of the README: install what is missing, build, and run the whole test suite
# (GoogleTest units, GPU tests that skip without a device, end-to-end CLI tests) with ctest, in
# the default build and in the MPI build (which adds the mpirun tests; see below), then 30 s of fuzzing per
# libFuzzer harness (scripts/fuzz.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
scripts/build.sh mpi
echo "== ctest in build"
(cd build && ctest --output-on-failure -j"$(nproc)" "$@")
# The MPI build runs again what its engine could change (unit tests, the suites that run sweeps,
# the mpirun tests); the suites labelled analysis (reading, plotting, exporting, references) ran
# above and do not depend on MPI.
echo "== ctest in build-mpi"
(cd build-mpi && ctest --output-on-failure -j"$(nproc)" -LE analysis "$@")
# A short fuzzing run of the config and result readers (docs/reliability.md#fuzzing).
scripts/fuzz.sh 30
