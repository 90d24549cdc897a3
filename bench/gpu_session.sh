#!/usr/bin/env bash
# Every GPU check of the project in one command, for a GPU machine held for minutes at a time:
# the device's name, the unit tests (the CUDA agreement tests among them), the end-to-end suites
# with CUDA as the automatic backend, the Figure 1 sweep on both backends (files compared to
# 1e-12 by test_cuda_run.py, rates from the run summaries), and the benchmarks of
# docs/benchmarks.md. A failing step is reported and the next one still runs; the exit status
# says whether any failed.
#
# Usage: [STEPS="gpu unit e2e fig1 fit samples bench"] bench/gpu_session.sh [BUILD_DIR] [RESULTS_DIR]
#        (defaults: every step, build-gpu, $OUT or gpu-results)
# Each step has its own time limit (below), so one that hangs cannot use up a device command's
# 10 minutes and lose the others; summary.txt is rewritten after every step.
# Run from the source root. BUILD_DIR is a CUDA build for the machine's GPU (docs/contributing.md,
# "Running on a GPU machine"); the machine needs Python with numpy, h5py, pytest and, for the
# baselines, JAX and CuPy. Results in RESULTS_DIR, nine files: STEP.log for each step (gpu,
# unit, e2e, fig1, fit, samples, bench: its markdown report), bench.json and summary.txt.
set -uo pipefail

build=$(realpath "${1:-build-gpu}")
results=${2:-${OUT:-gpu-results}}
mkdir -p "$results"
results=$(realpath "$results")
python=${PYTHON:-python3}
failed=()
# The CUDA tests fail instead of skipping when no device is usable (a driver older than the
# build's CUDA runtime reads as "no device"; it must not pass as a green session).
export SCALESWEEP_REQUIRE_CUDA=1

all_steps="gpu unit e2e fig1 fit samples bench"
steps=" ${STEPS:-$all_steps} "
for s in $steps; do
  if [[ " $all_steps " != *" $s "* ]]; then
    echo "error: STEPS: unknown step '$s'; steps are: $all_steps" >&2
    exit 2
  fi
done
done_steps=()

summary() {
  {
    echo "device: $(timeout 10 nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)"
    echo "commit: $(git describe --always --dirty 2>/dev/null || echo unknown)"
    echo "steps run: ${done_steps[*]:-none}"
    echo "failed steps: ${failed[*]:-none}"
  } >"$results/summary.txt"
}

# step NAME SECONDS COMMAND...: runs COMMAND (a program or a function of this script) for at
# most SECONDS, its output to RESULTS_DIR/NAME.log and the terminal.
step() {
  local name=$1 limit=$2
  shift 2
  [[ $steps == *" $name "* ]] || return 0
  echo "== $name: $* (at most $limit s)"
  local start=$SECONDS
  if timeout -k 10 "$limit" bash -c "$(declare -f unit_tests e2e_tests run_line figure_1_rates fit_rates samples_rates); \"\$@\"" \
    _ "$@" 2>&1 | tee "$results/$name.log"; then
    echo "== $name: ok ($((SECONDS - start)) s)"
  else
    echo "== $name: FAILED or over its time limit ($((SECONDS - start)) s)"
    failed+=("$name")
  fi
  done_steps+=("$name")
  summary
}

unit_tests() {
  local status=0 lanes
  for t in "$build"/tests/test_*; do
    [[ -x $t ]] || continue
    "$t" --gtest_brief=1 || status=1
  done
  # As ctest also runs it: the CPU backend on its narrower SIMD lanes and on the scalar path.
  for lanes in none avx2; do
    SCALESWEEP_LANES=$lanes "$build/tests/test_cpu_backend" --gtest_brief=1 || status=1
  done
  return $status
}

e2e_tests() {
  # The suites that need neither MPI, a batch system nor plotting; CUDA is their automatic backend.
  SCALESWEEP=$build/scalesweep SCALESWEEP_SOURCE_DIR=$PWD "$python" -m pytest -q -p no:cacheprovider \
    tests/e2e/test_cuda_run.py tests/e2e/test_cli_run.py tests/e2e/test_streaming.py \
    tests/e2e/test_resume.py tests/e2e/test_shards_merge.py tests/e2e/test_shipped_configs.py \
    tests/e2e/test_reference_mpmath.py tests/e2e/test_bad_inputs.py tests/e2e/test_inspect.py \
    tests/e2e/test_fit_cli.py tests/e2e/test_uncertainty.py
}

# docs/benchmarks.md's GPU row of `fit`: 4,000 resamples, each from the 4,500-start grid (18 M
# fits, the issue's goal: under a minute), timed whole; the bootstrap's standard errors printed.
fit_rates() {
  local start=$SECONDS
  "$build/scalesweep" fit data/chinchilla-fig4-besiroglu2024.csv --N-column 'Model Size' \
    --flops-column 'Training FLOP' --exclude-highest-loss 5 --bootstrap 4000 \
    --bootstrap-starts grid --backend cuda || return 1
  echo "fit: 4,000 resamples x 4,500 starts on CUDA in $((SECONDS - start)) s (wall, start-up included)"
}

# One line from a run's --json summary: LABEL, backend, cells, time, rate, tiles, peak RSS.
run_line() { # run_line SUMMARY.json LABEL
  "$python" - "$1" "$2" <<'EOF'
import json
import sys

s = json.load(open(sys.argv[1]))
print("{}: {backend}: {cells:,} cells in {seconds:.4f} s, {cells_per_second:.3g} cells/s end to end; "
      "{tiles} tiles; peak RSS {:.0f} MiB (planned {:.0f} MiB of host memory)".format(
          sys.argv[2], s["peak_rss_bytes"] / 2**20, s["planned_host_bytes"] / 2**20, **s))
EOF
}

figure_1_rates() {
  local b tmp
  tmp=$(mktemp -d)
  # shellcheck disable=SC2064 # expand $tmp now: the directory goes however the function ends
  trap "rm -rf '$tmp'; trap - RETURN" RETURN
  for b in cuda cpu; do
    "$build/scalesweep" run configs/sardana2024-fig1.toml -o "$tmp/fig1-$b.h5" --backend "$b" \
      --json --quiet >"$tmp/fig1-$b.json" || return 1
    run_line "$tmp/fig1-$b.json" "$b" || return 1
  done
  # The CUDA runtime's own host memory, which the 64 MiB allowance of docs/config.md may not
  # cover: a CUDA run under a small --memory-limit, its peak RSS against that limit.
  "$build/scalesweep" run configs/sardana2024-fig1.toml -o "$tmp/fig1-small.h5" --backend cuda \
    --memory-limit 100M --gpu-memory-limit 8M --json --quiet >"$tmp/small.json" || return 1
  run_line "$tmp/small.json" "cuda, --memory-limit 100M --gpu-memory-limit 8M" || return 1
}

# The sweep under 4,000 law samples (configs/sardana2024-fig1-uncertainty.toml) on both backends:
# rates from the run summaries, and every floating-point variable of the two files compared
# (NaN where NaN, else within 1e-12 relative, the saving by its cost ratio, as SampleAgreement
# checks on a small grid).
samples_rates() {
  local b tmp
  tmp=$(mktemp -d)
  # shellcheck disable=SC2064 # expand $tmp now: the directory goes however the function ends
  trap "rm -rf '$tmp'; trap - RETURN" RETURN
  for b in cuda cpu; do
    "$build/scalesweep" run configs/sardana2024-fig1-uncertainty.toml -o "$tmp/u-$b.h5" \
      --backend "$b" --json --quiet >"$tmp/u-$b.json" || return 1
    run_line "$tmp/u-$b.json" "law samples, $b" || return 1
  done
  "$python" - "$tmp/u-cuda.h5" "$tmp/u-cpu.h5" <<'EOF'
import sys

import h5py
import numpy as np

gpu, cpu = (h5py.File(p, "r") for p in sys.argv[1:])
worst, worst_name, compared = 0.0, "", 0
for name, d in gpu.items():
    if not isinstance(d, h5py.Dataset) or d.dtype.kind != "f":
        continue
    x, y = d[()], cpu[name][()]
    if not np.array_equal(np.isnan(x), np.isnan(y)):
        sys.exit(f"samples: {name}: NaN in different cells")
    m = ~np.isnan(x)
    # The saving 1 - opt_cost / chinchilla_cost: its cost ratio agrees to 1e-12 relative (near a
    # saving of 0 the subtraction leaves only that ratio's rounding; test_backend_agreement.cpp).
    scale = np.abs(1 - y[m]) if "saving" in name else np.abs(y[m])
    r = np.abs(x[m] - y[m]) / np.maximum(scale, 1e-300)
    if r.max(initial=0.0) > worst:
        worst, worst_name = float(r.max()), name
    compared += int(m.sum())
print(f"samples: CUDA vs CPU: {compared:,} values, worst relative difference {worst:.3g} "
      f"({worst_name or 'all bitwise equal'})")
sys.exit(0 if worst <= 1e-12 else 1)
EOF
}

export build python
step gpu 30 nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
step unit 180 unit_tests
step e2e 240 e2e_tests
step fig1 60 figure_1_rates
step fit 120 fit_rates
step samples 150 samples_rates
step bench 300 "$python" bench/run_benchmarks.py --build "$build" --out "$results/bench.json"

summary
cat "$results/summary.txt"
[[ ${#failed[@]} -eq 0 ]]
