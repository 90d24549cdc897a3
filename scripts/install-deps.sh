#!/usr/bin/env bash
# Installs what scalesweep needs and is missing: Debian packages (compiler, CMake, HDF5, CLI11,
# toml++, GoogleTest, Python venv and headers for the package's engine module; OpenMPI and
# parallel HDF5 for the MPI build) and the pinned Python packages in .venv. Safe to re-run: it
# only installs what is not there. The CUDA toolkit is optional (/usr/local/cuda is used if present).
set -euo pipefail
cd "$(dirname "$0")/.."

# netcdf-bin (ncdump) and udunits-bin (udunits2) let the tests read results as netCDF-C does and
# check every unit string. clang-14 with its sanitizer and libFuzzer runtimes and OpenMP builds the
# fuzzing harnesses (scripts/fuzz.sh).
packages=(build-essential cmake git libhdf5-dev hdf5-tools libcli11-dev libtomlplusplus-dev
          libgtest-dev zlib1g-dev python3 python3-venv python3-pip python3-dev
          openmpi-bin libopenmpi-dev libhdf5-openmpi-dev netcdf-bin udunits-bin
          clang-14 libclang-rt-14-dev libomp-14-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing Debian packages: ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Python: a venv next to the sources, rebuilt when requirements.txt changes.
python=${SCALESWEEP_PYTHON:-python3}
stamp=.venv/.requirements.sha256
want=$(sha256sum scripts/requirements.txt | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "install-deps: creating .venv with scripts/requirements.txt"
  "$python" -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check -r scripts/requirements.txt
  echo "$want" > "$stamp"
fi
echo "install-deps: ok"
