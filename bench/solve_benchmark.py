#!/usr/bin/env python3
"""scalesweep.solve (the Python package, arrays in memory) against `scalesweep run` on the same
1000 x 1000 grid: equal bit for bit, and its cells/s against run's (issue 17: >= 50 %).

run's rate is the one its --json summary reports (computing and writing the file, as a user
sees it); solve's is the best of --repeats calls, broadcasting a T column against a row of loss
targets (or budgets), output arrays allocated by each call. Both use every core.

Usage: PYTHONPATH=build/python python3 bench/solve_benchmark.py [--build build] [--points 1000]
Prints a markdown table on stdout (docs/benchmarks.md).
"""
import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np

import scalesweep

def grid(points):
    T = np.concatenate([[0.0], np.logspace(6, 16, points - 1)])
    return {"T": T, "loss_target": np.linspace(1.8, 3.0, points),
            "budget": np.logspace(19, 27, points)}


def file_variable(problem, column):
    if problem == "loss":
        return {"N": "opt_N", "D": "opt_D", "cost": "opt_cost", "status": "opt_status"}.get(column, column)
    return "budget_" + column


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build")
    ap.add_argument("--points", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    axes = grid(a.points)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for problem, axis in (("loss", "loss_target"), ("budget", "budget")):
            config = Path(tmp) / f"{axis}.toml"
            values = lambda v: "[" + ", ".join(repr(float(x)) for x in v) + "]"  # noqa: E731
            config.write_text('[law]\npreset = "sardana2024"\n[axes]\n'
                              f"T = {{ values = {values(axes['T'])} }}\n"
                              f"{axis} = {{ values = {values(axes[axis])} }}\n")
            out = Path(tmp) / f"{axis}.h5"
            runs = []
            for _ in range(a.repeats):
                summary = json.loads(subprocess.run(
                    [f"{a.build}/scalesweep", "run", config, "-o", out, "--overwrite", "--json"],
                    capture_output=True, text=True, check=True).stdout)
                runs.append(summary["cells_per_second"])
            run_rate = max(runs)
            kwargs = {problem: axes[axis], "inference_tokens": axes["T"][:, None]}
            best = 0.0
            for _ in range(a.repeats + 1):  # the first warms up (threads, allocation)
                t = time.perf_counter()
                got = scalesweep.solve(law="sardana2024", **kwargs)
                best = max(best, a.points ** 2 / (time.perf_counter() - t))
            with h5py.File(out) as f:
                for column, values in got.items():
                    stored = f[file_variable(problem, column)][0]
                    same = (np.array_equal(values.view(np.uint64), stored.view(np.uint64))
                            if values.dtype == np.float64 else np.array_equal(values, stored))
                    assert same, f"{axis}: solve's {column} differs from run's"
            rows.append((axis, run_rate, best))
    print(f"| problem ({a.points} x {a.points} cells) | `run` cells/s | `solve` cells/s | solve / run | equal |")
    print("|---|---:|---:|---:|---|")
    for axis, run_rate, solve_rate in rows:
        print(f"| {axis} | {run_rate:.3g} | {solve_rate:.3g} | {100 * solve_rate / run_rate:.0f} % | bitwise |")


if __name__ == "__main__":
    main()
