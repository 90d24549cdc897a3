#!/usr/bin/env bash
# Second command of the README: install what is missing, build, and run the whole test suite
# (GoogleTest units, GPU tests that skip without a device, end-to-end CLI tests) with ctest, in
# the default build and in the MPI build (which adds the mpirun tests), then 30 s of fuzzing per
# libFuzzer harness (scripts/fuzz.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
scripts/build.sh mpi
for dir in build build-mpi; do
  echo "== ctest in $dir"
  (cd "$dir" && ctest --output-on-failure -j"$(nproc)" "$@")
done
# A short fuzzing run of the config and result readers (docs/reliability.md#fuzzing).
scripts/fuzz.sh 30
