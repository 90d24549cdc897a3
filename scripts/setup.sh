#!/usr/bin/env bash
# First command of the README: install what is missing, build, and run the default sweep
# (configs/sardana2024-fig1.toml) into results/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
mkdir -p results
build/scalesweep run configs/sardana2024-fig1.toml -o results/sardana2024-fig1.h5 --overwrite
echo "setup: done. Open results/sardana2024-fig1.h5 with xarray (see README, Quick tour)."
