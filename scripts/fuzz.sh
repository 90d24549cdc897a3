#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz/: the config reader, the result reader in process and
# as inspect guards it) with clang-14,
# AddressSanitizer and UndefinedBehaviorSanitizer in build-fuzz/, and runs each for SECONDS
# (default 60) from the seed corpora in tests/fuzz/corpus/ (CI: scripts/test.sh runs 30 s each).
#   scripts/fuzz.sh [SECONDS [libFuzzer flags...]]     e.g. scripts/fuzz.sh 3600
# The config harness stops at its first crash, leak, sanitizer report, timeout (10 s per input)
# or input using over 2 GB, and leaves it as build-fuzz/crash-* (replay: build-fuzz/fuzz_config
# FILE). The result harness runs on past crashes (-fork=1 -ignore_crashes=1): libhdf5 1.10 crashes
# on some images, which the CLI survives by reading in a child process; tests/fuzz/triage.py then
# fails the run for any crash outside libhdf5, or any the CLI (build/scalesweep) does not survive.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
cli=${SCALESWEEP:-build/scalesweep}
[ -x "$cli" ] || { echo "fuzz.sh: build the CLI first (scripts/build.sh): $cli" >&2; exit 1; }
CC=${CC:-clang-14} CXX=${CXX:-clang++-14} cmake -S . -B build-fuzz -DSCALESWEEP_FUZZ=ON \
  -DSCALESWEEP_USE_CUDA=OFF -DSCALESWEEP_USE_MPI=OFF -DSCALESWEEP_PYTHON=OFF \
  -DSCALESWEEP_BUILD_TESTS=OFF -DSCALESWEEP_SIMD_LANES=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  > build-fuzz.configure.log || { cat build-fuzz.configure.log; exit 1; }
cmake --build build-fuzz -j"$(nproc)" --target fuzz_config fuzz_result fuzz_result_guarded
export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp"
common=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
cd build-fuzz
# New inputs go to the first folder (corpus-*); the seeds are only read.
mkdir -p corpus-config corpus-result artifacts-result corpus-guarded
echo "== fuzz_config for ${seconds} s"
./fuzz_config "${common[@]}" "$@" corpus-config ../tests/fuzz/corpus/config
echo "== fuzz_result for ${seconds} s"
rm -f artifacts-result/*
# In fork mode libFuzzer goes on past crashing, spinning and memory-hungry inputs and then exits
# with the status of the last job that ended so: 1 (a sanitizer's report), 70 (a timeout), 71 (out
# of memory) or 77 (a deadly signal). triage.py below decides whether those inputs fail the run;
# any other exit status fails it here.
status=0
# Inputs up to 32 KiB: the seeds are tiny results (15-25 KB, tests/fuzz/result_seeds.py); an
# execution costs about as much as the metadata it decodes.
./fuzz_result "${common[@]}" -max_len=32768 -fork=1 -ignore_crashes=1 -ignore_timeouts=1 \
  -ignore_ooms=1 -artifact_prefix=artifacts-result/ "$@" corpus-result ../tests/fuzz/corpus/result \
  || status=$?
case "$status" in
  0 | 1 | 70 | 71 | 77) ;;
  *)
    echo "fuzz.sh: fuzz_result exited with status $status" >&2
    exit "$status"
    ;;
esac
# The result reader as `inspect` guards it (a forked child reads): every input must end as a
# summary or a refusal, so any crash, sanitizer report or timeout stops the run and fails it. Seeded
# with the in-process harness's corpus as well, whose inputs reach deeper into libhdf5. A child
# that crashes in libhdf5 still runs libFuzzer's crash handler, which saves that input to
# artifacts-guarded/ before the child dies: those are inputs the guard survived, and the CLI must
# refuse or read each (checked below).
echo "== fuzz_result_guarded for ${seconds} s"
rm -f artifacts-guarded/*
mkdir -p artifacts-guarded
./fuzz_result_guarded "${common[@]}" -timeout=30 -max_len=32768 -artifact_prefix=artifacts-guarded/ \
  "$@" corpus-guarded ../tests/fuzz/corpus/result corpus-result
cd ..
for input in build-fuzz/artifacts-guarded/*; do
  [ -e "$input" ] || continue
  for flag in "" --json; do
    code=0
    timeout 60 "$cli" inspect "$input" $flag >/dev/null 2>&1 || code=$?
    if [ "$code" -ne 0 ] && [ "$code" -ne 2 ]; then
      echo "fuzz.sh: scalesweep inspect $flag $input ended with status $code" >&2
      exit 1
    fi
  done
done
echo "fuzz_result_guarded: $(find build-fuzz/artifacts-guarded -type f | wc -l) inputs crashed the reading child; scalesweep inspect refused or read each"
python3 tests/fuzz/triage.py build-fuzz/fuzz_result "$cli" build-fuzz/artifacts-result
