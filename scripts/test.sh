#!/usr/bin/env bash
# Second command of the README: install what is missing, build, and run the whole test suite
# (GoogleTest units, GPU tests that skip without a device, end-to-end CLI tests) with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
cd build
ctest --output-on-failure -j"$(nproc)" "$@"
