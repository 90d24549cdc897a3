#!/usr/bin/env python3
"""`scalesweep fit` against scipy's L-BFGS-B on the same objective, per CPU core
(docs/benchmarks.md, "Law fitting").

Both fit the shipped data (240 points after the 5 highest losses) with the Huber objective
(delta 1e-3, summed) from Besiroglu et al.'s 4,500-point grid of starts, on one core:
- scalesweep: `fit --backend cpu --threads 1` over the whole grid;
- scipy: `scipy.optimize.minimize(method="L-BFGS-B", jac=True)` with the analytic gradient in
  numpy (the same formulas; default tolerances, which stop earlier than scalesweep's), one start
  after another, numpy's threads held to 1. Its time per start, over `--scipy-starts` starts
  spread evenly over the grid (every k-th), times 4,500.
Times are CPU seconds of the one process (getrusage: user + system), best of --repeat runs, so
that other work on a shared machine does not count; wall-clock figures are reported beside them.
The report gives both, evaluations per fit, the best objective each reached, and the ratio.

Usage: .venv/bin/python bench/fit_benchmark.py [--build build] [--scipy-starts 4500] [--repeat 3]
                                               [--out FILE.json]
"""
import argparse
import itertools
import json
import os
import resource
import subprocess
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from scipy.optimize import minimize  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "chinchilla-fig4-besiroglu2024.csv"


def load_points():
    import csv
    rows = list(csv.DictReader(open(DATA)))
    N = np.array([float(r["Model Size"]) for r in rows])
    C = np.array([float(r["Training FLOP"]) for r in rows])
    L = np.array([float(r["loss"]) for r in rows])
    keep = np.sort(np.argsort(L, kind="stable")[:-5])
    return np.log(N[keep]), np.log(C[keep] / (6 * N[keep])), np.log(L[keep])


def huber_objective(lN, lD, lL, delta=1e-3):
    def f(p):
        a, b, e, al, be = p
        t1, t2, t3 = a - al * lN, b - be * lD, np.full_like(lN, e)
        m = np.maximum(np.maximum(t1, t2), t3)
        u1, u2, u3 = np.exp(t1 - m), np.exp(t2 - m), np.exp(t3 - m)
        s = u1 + u2 + u3
        r = lL - (m + np.log(s))
        ar = np.abs(r)
        quad = ar <= delta
        value = np.where(quad, 0.5 * r * r, delta * (ar - 0.5 * delta)).sum()
        c = -np.where(quad, r, delta * np.sign(r)) / s
        grad = np.array([(c * u1).sum(), (c * u2).sum(), (c * u3).sum(),
                         -(c * u1 * lN).sum(), -(c * u2 * lD).sum()])
        return value, grad
    return f


def grid():
    # itertools.product(alpha, beta, e, a, b), Besiroglu et al.'s order.
    return [(a, b, e, al, be) for al, be, e, a, b in itertools.product(
        np.arange(0, 2.5, 0.5), np.arange(0, 2.5, 0.5), np.arange(-1, 1.5, 0.5),
        np.arange(0, 30, 5), np.arange(0, 30, 5))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=str(ROOT / "build"))
    ap.add_argument("--scipy-starts", type=int, default=4500)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out")
    args = ap.parse_args()

    cmd = [str(Path(args.build) / "scalesweep"), "fit", str(DATA), "--N-column", "Model Size",
           "--flops-column", "Training FLOP", "--exclude-highest-loss", "5", "--backend", "cpu",
           "--threads", "1"]
    def child_cpu():
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        return r.ru_utime + r.ru_stime

    ours_cpu, ours_wall = [], []
    for _ in range(args.repeat):
        c0, t0 = child_cpu(), time.perf_counter()
        out = subprocess.run(cmd + ["--json"], capture_output=True, text=True, check=True).stdout
        ours_wall.append(time.perf_counter() - t0)
        ours_cpu.append(child_cpu() - c0)
    ours = json.loads(out)

    f = huber_objective(*load_points())
    starts = grid()
    step = max(1, len(starts) // args.scipy_starts)
    chosen = starts[::step][:args.scipy_starts]
    scipy_cpu, scipy_wall = [], []
    for _ in range(args.repeat):
        evaluations, best = 0, np.inf
        c0, t0 = time.process_time(), time.perf_counter()
        for s in chosen:
            r = minimize(f, s, jac=True, method="L-BFGS-B")
            evaluations += r.nfev
            best = min(best, r.fun)
        scipy_cpu.append((time.process_time() - c0) / len(chosen))
        scipy_wall.append((time.perf_counter() - t0) / len(chosen))
    scipy_per_start = min(scipy_cpu)
    ours_fit = min(ours_cpu)

    result = {
        "starts": len(starts),
        "repeat": args.repeat,
        "scalesweep_cpu_seconds": ours_fit,
        "scalesweep_wall_seconds": min(ours_wall),
        "scalesweep_per_start_ms": 1e3 * ours_fit / len(starts),
        "scalesweep_best_objective": ours["objective"],
        "scalesweep_starts_reaching_best": ours["starts_reaching_best"],
        "scipy_starts_timed": len(chosen),
        "scipy_per_start_ms": 1e3 * scipy_per_start,
        "scipy_per_start_wall_ms": 1e3 * min(scipy_wall),
        "scipy_grid_cpu_seconds": scipy_per_start * len(starts),
        "scipy_evaluations_per_fit": evaluations / len(chosen),
        "scipy_best_objective": best,
        "speedup_per_core": scipy_per_start * len(starts) / ours_fit,
        "speedup_per_core_wall": min(scipy_wall) * len(starts) / min(ours_wall),
    }
    print(json.dumps(result, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
