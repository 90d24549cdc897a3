#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz/: the config reader, the result reader) with clang-14,
# AddressSanitizer and UndefinedBehaviorSanitizer in build-fuzz/, and runs each for SECONDS
# (default 60, as CI does) from the seed corpora in tests/fuzz/corpus/. Exits 1 on the first
# crash, leak, sanitizer report, timeout (10 s per input) or input using over 2 GB, leaving the
# input as build-fuzz/crash-* for `build-fuzz/fuzz_<harness> FILE` to replay.
#   scripts/fuzz.sh            60 s per harness
#   scripts/fuzz.sh 3600 -runs=2000000   longer, or up to a number of executions
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
CC=${CC:-clang-14} CXX=${CXX:-clang++-14} cmake -S . -B build-fuzz -DSCALESWEEP_FUZZ=ON \
  -DSCALESWEEP_USE_CUDA=OFF -DSCALESWEEP_USE_MPI=OFF -DSCALESWEEP_PYTHON=OFF \
  -DSCALESWEEP_BUILD_TESTS=OFF -DSCALESWEEP_SIMD_LANES=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  > build-fuzz.configure.log || { cat build-fuzz.configure.log; exit 1; }
cmake --build build-fuzz -j"$(nproc)" --target fuzz_config fuzz_result
for harness in config result; do
  # New inputs go to the first folder (build-fuzz/corpus-*); the seeds are only read.
  mkdir -p "build-fuzz/corpus-$harness"
  echo "== fuzz_$harness for ${seconds} s"
  (cd build-fuzz && "./fuzz_$harness" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
     -print_final_stats=1 "$@" "corpus-$harness" "../tests/fuzz/corpus/$harness")
done
