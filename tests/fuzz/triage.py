"""Sorts the crashes a result-reader fuzzing run found (crash-*, timeout-*, oom-* files) by where
they happened, and checks that the CLI survives every one of them.

libhdf5 1.10 itself crashes on some crafted images (a heap it frees twice, a pointer it follows out
of the file): the harness reads in-process, so those kill it, while `scalesweep inspect` reads in a
forked child and answers "damaged" (docs/reliability.md). A crash counts against scalesweep when
the first frame past the sanitizer runtime, libFuzzer and libc is not in libhdf5, or when
`scalesweep inspect` / `inspect --json` does not end with exit 0 or 2 on the input. A timeout is
replayed with a 5 s limit and placed by the stack libFuzzer prints then (where it spun); one that
finishes on replay was slow only because the machine was busy. A crash input that spins on
replay is placed the same way. Exit status 1 if any counts.

    python3 tests/fuzz/triage.py build-fuzz/fuzz_result build/scalesweep ARTIFACT_DIR
"""
import re
import subprocess
import sys
from pathlib import Path

RUNTIME = re.compile(r"__asan|__sanitizer|__interceptor|__lsan|__ubsan|fuzzer::|\bfree\b|\bmalloc\b|"
                     r"\bcalloc\b|\brealloc\b|operator (new|delete)|libc\.so|raise|abort")


def where(report):
    """'libhdf5', 'scalesweep' or 'unknown': where the first frame past the runtime is."""
    for line in report.splitlines():
        if not re.match(r"^\s*#\d+ 0x", line):
            continue
        if RUNTIME.search(line) and "libhdf5" not in line:
            continue
        return "libhdf5" if "libhdf5" in line else "scalesweep"
    return "unknown"


def main():
    harness, cli, folder = sys.argv[1:4]
    artifacts = sorted(p for p in Path(folder).iterdir()
                       if p.name.startswith(("crash-", "timeout-", "oom-", "leak-")))
    counts, failures = {}, []
    for artifact in artifacts:
        if artifact.name.startswith(("crash-", "leak-", "timeout-")):
            # Replayed with a time limit: an input that spins (a timeout, or a crash that came
            # only after a long spin) then ends with libFuzzer's stack of where it was spinning.
            replay = subprocess.run([harness, "-timeout=5", str(artifact)], capture_output=True,
                                    text=True, errors="replace", timeout=120)
            # A timeout that does not recur took long only because the machine was busy.
            timed_out = artifact.name.startswith("timeout-")
            place = "busy machine" if timed_out and replay.returncode == 0 else where(replay.stderr)
        else:
            place = "libhdf5"  # an allocation that libhdf5 sized from the file: the CLI's child
            # runs under an address-space limit
        counts[place] = counts.get(place, 0) + 1
        if place not in ("libhdf5", "busy machine"):
            failures.append(f"{artifact.name}: crash in {place}")
        for flags in ([], ["--json"]):
            try:
                proc = subprocess.run([cli, "inspect", str(artifact), *flags], capture_output=True,
                                      timeout=60)
                if proc.returncode not in (0, 2):
                    failures.append(f"{artifact.name}: scalesweep inspect {' '.join(flags)} "
                                    f"exited {proc.returncode}")
            except subprocess.TimeoutExpired:
                failures.append(f"{artifact.name}: scalesweep inspect {' '.join(flags)} hung")
    print(f"{len(artifacts)} crash inputs: " + ", ".join(f"{n} in {k}" for k, n in sorted(counts.items()))
          + f"; scalesweep inspect and inspect --json refused or read each: "
          + ("yes" if not any("inspect" in f for f in failures) else "NO"))
    for failure in failures:
        print(failure)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
