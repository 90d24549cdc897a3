#!/usr/bin/env python3
"""scalesweep benchmarks, in one run (results go to docs/benchmarks.md):

1. kernels: cells/s of each problem per backend and thread count (build/scalesweep_bench), and
   the same computation as a user would write it with numpy (always), JAX (when importable; the
   report names the device it ran on) and CuPy (when importable and a GPU is present), from
   bench/array_references.py;
2. end to end: a dense sweep through `scalesweep run` against a plain sequential write of the
   same number of bytes to the same disk, both followed by fsync; peak RSS against the limit.

Usage: python3 bench/run_benchmarks.py [--build build] [--cells 4e6] [--e2e-gb 2] [--out FILE.json]
Prints a markdown report on stdout.
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import array_references as ref  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SARDANA = (1.69, 406.4, 410.7, 0.336, 0.283)


def sh(*args, **kw):
    r = subprocess.run(list(map(str, args)), capture_output=True, text=True, **kw)
    if r.returncode != 0:
        # The command's own message, not just its exit status, must reach the session's log.
        sys.stderr.write(r.stderr)
        raise subprocess.CalledProcessError(r.returncode, r.args, r.stdout, r.stderr)
    return r.stdout


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    gpu = ""
    try:
        gpu = sh("nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader").strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    commit = ""
    try:
        commit = sh("git", "-C", ROOT, "describe", "--always", "--dirty").strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return dict(date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                cpu=cpu, cores=os.cpu_count(), gpu=gpu or "none", commit=commit or "unknown",
                python=platform.python_version(), numpy=np.__version__)


def best_rate(f, cells, repeats=3):
    f()  # warm up (JIT, allocation)
    best = 0.0
    for _ in range(repeats):
        t = time.perf_counter()
        f()
        best = max(best, cells / (time.perf_counter() - t))
    return best


def inputs(cells, seed=0):
    rng = np.random.default_rng(seed)
    n = int(cells)
    return dict(loss=rng.uniform(1.8, 3.0, n), T=10 ** rng.uniform(6, 16, n), C=10 ** rng.uniform(20, 27, n),
                N=np.logspace(7, 13, int(cells ** 0.5)), D=np.logspace(8, 15, int(cells ** 0.5)),
                Tvals=np.array([0.0, 1e9, 1e12, 1e15]))


def array_library_rates(xp, name, cells, sync=lambda: None):
    x = {k: xp.asarray(v) for k, v in inputs(cells).items()}
    def run(f):
        def g():
            f()
            sync()
        return g
    side = x["N"].size
    dense_cost_cells = 4 * (int(cells / 4) ** 0.5 // 1) ** 2
    Nc, Dc = xp.asarray(np.logspace(7, 13, int((cells / 4) ** 0.5))), xp.asarray(np.logspace(8, 15, int((cells / 4) ** 0.5)))
    return {
        "loss_target": best_rate(run(lambda: ref.loss_target(xp, SARDANA, x["loss"], x["T"])), cells),
        "budget": best_rate(run(lambda: ref.budget(xp, SARDANA, x["C"], x["T"])), cells),
        "dense_loss": best_rate(run(lambda: ref.dense_loss(xp, SARDANA, x["N"], x["D"])), side * side),
        "dense_cost": best_rate(run(lambda: ref.dense_cost(xp, Nc, Dc, x["Tvals"])), dense_cost_cells),
    }


def jax_rates(cells):
    # JAX grabs 75 % of the GPU at its first array unless told not to, which fails when CuPy's
    # pool (measured just before, in this process) still holds memory.
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    import jax
    import jax.numpy as jnp
    solve = ref.jax_loss_target(SARDANA)
    x = inputs(cells)
    loss, T = jnp.asarray(x["loss"]), jnp.asarray(x["T"])
    # The device is recorded: a JAX without its CUDA plugin runs on the CPU, and a comparison of
    # the GPU kernels with that would be meaningless.
    return {"loss_target": best_rate(lambda: jax.block_until_ready(solve(loss, T)), cells),
            "device": f"{jax.devices()[0].platform}: {jax.devices()[0].device_kind}"}


def optional_baseline(res, name, measure):
    """Runs one array-library baseline; a library that is missing or fails is recorded, not fatal
    (one GPU session must still produce every other figure)."""
    try:
        res["baselines"][name] = measure()
    except ImportError as e:
        res["baselines"][name] = f"not importable: {e}"
    except Exception as e:  # noqa: BLE001 -- any failure of a third-party library
        res["baselines"][name] = f"failed: {type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}"


def cupy_rates(cells):
    import cupy
    try:
        return array_library_rates(cupy, "cupy", cells, sync=cupy.cuda.Device().synchronize) | {
            "device": cupy.cuda.runtime.getDeviceProperties(0)["name"].decode()}
    finally:
        cupy.get_default_memory_pool().free_all_blocks()


def scalesweep_rates(build, backend, threads, cells, lanes=None, extra=()):
    env = dict(os.environ)
    if lanes:
        env["SCALESWEEP_LANES"] = lanes
    args = [build / "scalesweep_bench", "--backend", backend, "--cells", int(cells), *extra]
    if threads:
        args += ["--threads", threads]
    out = json.loads(sh(*args, env=env))
    return {r["problem"]: r["cells_per_s"] for r in out["results"]}, out["results"][0]["backend"]


def end_to_end(build, gigabytes, directory, backend):
    """Dense cost grid of ~gigabytes through `scalesweep run`, then the same bytes written raw."""
    side = int((gigabytes * 1e9 / 8 / 4) ** 0.5)
    cfg = Path(directory) / "e2e.toml"
    cfg.write_text(f"""[law]\npreset = "sardana2024"\n[axes]\nN = {{ log10 = [7, 13], points = {side} }}
D = {{ log10 = [8, 15], points = {side} }}\nT = {{ values = [0, 1e9, 1e12, 1e15] }}
[output]\ndense = ["cost"]\n""")
    out = Path(directory) / "e2e.h5"
    t = time.perf_counter()
    summary = json.loads(sh(build / "scalesweep", "run", cfg, "-o", out, "--json", "--quiet", "--backend", backend))
    fd = os.open(out, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)
    sweep_s = time.perf_counter() - t
    size = out.stat().st_size
    out.unlink()
    raw = Path(directory) / "raw.bin"
    block = np.random.default_rng(0).bytes(64 << 20)
    t = time.perf_counter()
    with open(raw, "wb", buffering=0) as f:
        written = 0
        while written < size:
            written += f.write(block[: min(len(block), size - written)])
        os.fsync(f.fileno())
    raw_s = time.perf_counter() - t
    raw.unlink()
    return dict(bytes=size, cells=summary["cells"], sweep_seconds=sweep_s, raw_seconds=raw_s,
                sweep_gb_s=size / sweep_s / 1e9, raw_gb_s=size / raw_s / 1e9,
                ratio=raw_s / sweep_s, peak_rss_bytes=summary["peak_rss_bytes"],
                memory_limit_bytes=summary["memory_limit_bytes"], backend=summary["backend"])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", type=Path, default=ROOT / "build")
    ap.add_argument("--cells", type=float, default=4e6, help="cells per kernel measurement")
    ap.add_argument("--e2e-gb", type=float, default=2.0, help="size of the end-to-end sweep's output")
    ap.add_argument("--e2e-dir", default=None, help="directory on the disk to measure (default: a temp dir)")
    ap.add_argument("--out", type=Path, default=None, help="write the raw results as JSON")
    a = ap.parse_args()

    res = dict(machine=machine(), kernels={}, baselines={}, e2e=None)
    try:
        measure_all(a, res)
    finally:
        # What was measured before a failure still reaches the JSON and the report.
        if a.out:
            a.out.write_text(json.dumps(res, indent=2))
        print(markdown(res))


def measure_all(a, res):
    cores = os.cpu_count()
    res["kernels"]["cpu, 1 thread"], desc1 = scalesweep_rates(a.build, "cpu", 1, a.cells)
    res["kernels"][f"cpu, {cores} threads"], _ = scalesweep_rates(a.build, "cpu", cores, a.cells)
    res["kernels"]["cpu, 1 thread, scalar (no lanes)"], _ = scalesweep_rates(a.build, "cpu", 1, a.cells, lanes="none")
    res["machine"]["cpu_backend"] = desc1
    res["baselines"]["numpy (1 core)"] = array_library_rates(np, "numpy", a.cells)
    has_gpu = res["machine"]["gpu"] != "none"
    if has_gpu:
        gpu_cells = max(a.cells, 1e9)
        # Kernels alone (results stay on the device, as the array libraries below are timed), the
        # optima on rows as short as the shipped configs' (51 points), and with the copy to host.
        res["kernels"]["cuda, kernels only"], res["machine"]["cuda_backend"] = scalesweep_rates(
            a.build, "cuda", None, gpu_cells, extra=["--keep-on-device"])
        res["kernels"]["cuda, kernels only, 51-point rows"], _ = scalesweep_rates(
            a.build, "cuda", None, gpu_cells, extra=["--keep-on-device", "--row-points", 51,
                                                     "--problem", "loss_target", "budget"])
        res["kernels"]["cuda, with copy to host"], _ = scalesweep_rates(a.build, "cuda", None, max(a.cells, 1e8))
        optional_baseline(res, "cupy", lambda: cupy_rates(max(a.cells, 1e8)))
    # JAX also runs without a GPU (its CPU backend); the row names the device it ran on.
    optional_baseline(res, "jax", lambda: jax_rates(max(a.cells, 1e8) if has_gpu else a.cells))
    with tempfile.TemporaryDirectory(dir=a.e2e_dir) as d:
        res["e2e"] = end_to_end(a.build, a.e2e_gb, d, "cuda" if has_gpu else "cpu")


def markdown(res):
    m = res["machine"]
    lines = [f"Machine: {m['cpu']} ({m['cores']} cores), GPU: {m['gpu']}; {m['date']}; commit {m['commit']}; "
             f"numpy {m['numpy']}, Python {m['python']}", "",
             "| kernel | " + " | ".join(["loss_target", "budget", "dense_loss", "dense_cost"]) + " |",
             "|---|---:|---:|---:|---:|"]
    rows = {**{f"scalesweep {k}": v for k, v in res["kernels"].items()}, **res["baselines"]}
    for name, r in rows.items():
        if isinstance(r, str):
            lines.append(f"| {name} | {r} | | | |")
            continue
        label = f"{name} ({r['device']})" if "device" in r else name
        lines.append(f"| {label} | " + " | ".join(f"{r[k]:.3g}" if k in r else "–"
                                                 for k in ["loss_target", "budget", "dense_loss", "dense_cost"]) + " |")
    cuda_lt = res["kernels"].get("cuda, kernels only", {}).get("loss_target")
    jax_lt = res["baselines"].get("jax")  # missing, a message, or its rates
    if cuda_lt and isinstance(jax_lt, dict) and "loss_target" in jax_lt:
        lines += ["", f"Loss-target optima: CUDA kernels {cuda_lt:.3g} cells/s = "
                      f"{cuda_lt / jax_lt['loss_target']:.2f}x JAX on {jax_lt['device']} "
                      "(issue 3 targets: >= 3e10 cells/s and >= 3x JAX on the same GPU)."]
    dense = res["kernels"].get("cuda, kernels only", {})
    if "dense_cost" in dense:
        lines += ["", "CUDA dense kernels write 8 bytes per cell: "
                      f"dense_loss {8 * dense['dense_loss'] / 1e9:.0f} GB/s, "
                      f"dense_cost {8 * dense['dense_cost'] / 1e9:.0f} GB/s (compare the GPU's memory bandwidth)."]
    e = res["e2e"]
    if e is None:
        return "\n".join(lines + ["", "End to end: not measured (an earlier step failed)."])
    lines += ["", f"End to end ({e['backend']}): {e['cells']:,} cells, {e['bytes'] / 1e9:.2f} GB in "
                  f"{e['sweep_seconds']:.2f} s ({e['sweep_gb_s']:.3f} GB/s, incl. fsync) vs raw sequential write "
                  f"{e['raw_seconds']:.2f} s ({e['raw_gb_s']:.3f} GB/s): {100 * e['ratio']:.0f} % of the disk's speed; "
                  f"peak RSS {e['peak_rss_bytes'] / 2**20:.0f} MiB (limit {e['memory_limit_bytes'] / 2**30:.1f} GiB)"]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
