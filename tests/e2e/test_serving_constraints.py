"""Serving constraints in sweeps (SPEC §5.2, [constraints]): N_max per scenario from the GPU's
datasheet memory and bandwidth, both optimum problems on N = N_max where the bound binds (status
constrained), infeasible where no model that small reaches the target, chinchilla_fits, and the
unconstrained results untouched where the bound does not bind.

References are computed here, independently of the engine: SPEC §5.2's closed forms for N_max,
and the model on the bound from L(N_max, D) = target (loss target) or from the budget line
(budget) in 50-digit mpmath."""
import json

import h5py
import mpmath
import numpy as np
import pytest

mpmath.mp.dps = 50

# sardana2024 (SPEC §1.1): E, A, B, alpha, beta.
E, A, B, ALPHA, BETA = (mpmath.mpf(x) for x in ("1.69", "406.4", "410.7", "0.336", "0.283"))

# One H100 (80 GB, 3350 GB/s: the NVIDIA H100 SXM datasheet), 20 % of its memory kept (SPEC
# default): N_mem = g M (1 - r) / bytes. Serving at bf16 (2 bytes) and fp8 (1 byte).
N_MEMORY = {"h100-bf16": 80e9 * 0.8 / 2, "h100-fp8": 80e9 * 0.8 / 1}

CONFIG = """
[law]
preset = "sardana2024"
[objective]
kind = "usd"
[[hardware]]
name = "h100-bf16"
preset = "h100-bf16-serving"
[[hardware]]
name = "h100-fp8"
preset = "sardana2024-default"
[axes]
T = { values = [0, 1e11, 1e13, 1e14] }
loss_target = { linear = [1.75, 2.2], points = 46 }
budget = { log10 = [5, 9], points = 21 }
"""

MEMORY = "[constraints]\nmemory = true\n"


def run(scalesweep, tmp_path, name, text):
    cfg = tmp_path / f"{name}.toml"
    cfg.write_text(text)
    out = tmp_path / f"{name}.h5"
    proc = scalesweep("run", cfg, "-o", out, "--backend", "cpu")
    return out, proc.stdout


def read(path):
    with h5py.File(path, "r") as f:
        return {name: f[name][()] for name in f if isinstance(f[name], h5py.Dataset)} | {
            "attrs": dict(f.attrs)}


@pytest.fixture(scope="module")
def constrained(scalesweep, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serving")
    path, stdout = run(scalesweep, tmp, "memory", CONFIG + MEMORY)
    free, _ = run(scalesweep, tmp, "free", CONFIG)
    return read(path), read(free), stdout, path


def loss(N, D):
    return E + A / mpmath.mpf(N) ** ALPHA + B / mpmath.mpf(D) ** BETA


def test_n_max_is_the_datasheet_memory_bound(constrained):
    f, _, stdout, _ = constrained
    names = [n.decode() if isinstance(n, bytes) else n for n in f["hardware"]]
    # N_mem in double: 80e9 * 0.8 / bytes rounds once or twice; 4 ulp.
    for h, name in enumerate(names):
        assert f["opt_N_max"][h] == pytest.approx(N_MEMORY[name], rel=1e-15)
        assert f"N_max {name}: {N_MEMORY[name]:.4g} (memory)" in stdout


def test_loss_target_cells_on_the_bound(constrained):
    f, free, _, _ = constrained
    status, targets, T = f["opt_status"], f["loss_target"], f["T"]
    ok, infeasible, constrained_code = 0, 1, 6
    k_train = f["attrs"]["hardware_cost_per_train_flop"]
    k_inf = f["attrs"]["hardware_cost_per_inference_flop"]
    counts = {ok: 0, infeasible: 0, constrained_code: 0}
    for h in range(status.shape[0]):
        N_max = f["opt_N_max"][h]
        # Below this loss no model of N_max parameters exists (SPEC §5.2).
        floor = E + A / mpmath.mpf(N_max) ** ALPHA
        for t in range(status.shape[1]):
            for j, target in enumerate(targets):
                s = status[h, t, j]
                counts[s] = counts.get(s, 0) + 1
                margin = (mpmath.mpf(target) - floor) / floor
                if abs(margin) < 1e-12:
                    continue  # a tie at the floor: either verdict is right in double precision
                if target <= floor:
                    assert s == infeasible, (h, t, j)
                    assert np.isnan(f["opt_N"][h, t, j])
                    continue
                if s == ok:
                    # Nothing changes where the unconstrained optimum fits: the same bits.
                    assert free["opt_status"][h, t, j] == ok
                    assert free["opt_N"][h, t, j] <= N_max
                    for v in ("opt_N", "opt_D", "opt_cost", "chinchilla_N", "chinchilla_cost"):
                        assert f[v][h, t, j].tobytes() == free[v][h, t, j].tobytes(), v
                    continue
                assert s == constrained_code, (h, t, j, s)
                # The bound binds exactly where the unconstrained optimum is larger.
                assert free["opt_N"][h, t, j] > N_max
                assert f["opt_N"][h, t, j] == N_max
                # D from L(N_max, D) = target, in closed form: B / D^beta = target - E - A/N^alpha.
                D = (B / (mpmath.mpf(target) - floor)) ** (1 / BETA)
                # 1e-10 (the SPEC's accuracy): D's error grows as 1/(beta * margin) near the floor.
                assert f["opt_D"][h, t, j] == pytest.approx(float(D), rel=1e-10)
                assert float(loss(N_max, f["opt_D"][h, t, j])) == pytest.approx(target, rel=1e-13)
                cost = (k_train[h] * 6 * mpmath.mpf(N_max) * D +
                        k_inf[h] * 2 * mpmath.mpf(N_max) * mpmath.mpf(T[t]))
                assert f["opt_cost"][h, t, j] == pytest.approx(float(cost), rel=1e-10)
                # The constrained model costs at least the unconstrained optimum.
                assert f["opt_cost"][h, t, j] >= free["opt_cost"][h, t, j] * (1 - 1e-12)
    # The config reaches every verdict.
    assert counts[ok] > 0 and counts[infeasible] > 0 and counts[constrained_code] > 0


def test_budget_cells_on_the_bound(constrained):
    f, free, _, _ = constrained
    status, budgets, T = f["budget_status"], f["budget"], f["T"]
    k_train = f["attrs"]["hardware_cost_per_train_flop"]
    k_inf = f["attrs"]["hardware_cost_per_inference_flop"]
    bound = 0
    for h in range(status.shape[0]):
        N_max = mpmath.mpf(f["opt_N_max"][h])
        for t in range(status.shape[1]):
            for j, C in enumerate(budgets):
                s = status[h, t, j]
                if s != 6:
                    # Where the bound does not bind, the unconstrained cell, bit for bit.
                    assert s == free["budget_status"][h, t, j]
                    for v in ("budget_N", "budget_D", "budget_loss"):
                        assert f[v][h, t, j].tobytes() == free[v][h, t, j].tobytes(), v
                    if s == 0:
                        assert f["budget_N"][h, t, j] <= float(N_max)
                    continue
                bound += 1
                assert free["budget_N"][h, t, j] > float(N_max)
                assert f["budget_N"][h, t, j] == float(N_max)
                # The budget line: C = k_tr 6 N D + k_inf 2 N T.
                D = (mpmath.mpf(C) - k_inf[h] * 2 * N_max * mpmath.mpf(T[t])) / (
                    k_train[h] * 6 * N_max)
                assert f["budget_D"][h, t, j] == pytest.approx(float(D), rel=1e-12)
                assert f["budget_loss"][h, t, j] == pytest.approx(float(loss(N_max, D)), rel=1e-13)
                assert f["budget_loss"][h, t, j] >= free["budget_loss"][h, t, j]
    assert bound > 0


def test_chinchilla_fits(constrained):
    f, _, _, _ = constrained
    fits, targets = f["chinchilla_fits"], f["loss_target"]
    assert fits.dtype == np.uint8 and fits.shape == f["opt_status"].shape
    for h in range(fits.shape[0]):
        for j, target in enumerate(targets):
            # The Chinchilla (T = 0) model of this loss (SPEC §1.4's closed form).
            N_c = (A * (1 + ALPHA / BETA) / (mpmath.mpf(target) - E)) ** (1 / ALPHA)
            expected = 1 if N_c <= f["opt_N_max"][h] else 0
            if abs(N_c / f["opt_N_max"][h] - 1) > 1e-12:
                assert (fits[h, :, j] == expected).all(), (h, j)


def test_statuses_counted_by_the_summary_and_inspect(constrained, scalesweep):
    f, _, stdout, path = constrained
    for variable in ("opt_status", "budget_status"):
        n = int((f[variable] == 6).sum())
        assert f"{n} constrained" in stdout
        report = scalesweep.json("inspect", path)
        counts = report["variables"][variable]["status_counts"]
        assert counts["constrained"] == n


def test_without_constraints_no_serving_variables(constrained):
    _, free, _, _ = constrained
    assert "opt_N_max" not in free and "chinchilla_fits" not in free
    assert not (free["opt_status"] == 6).any() and not (free["budget_status"] == 6).any()


def test_a_bound_that_never_binds_changes_no_bit(scalesweep, tmp_path):
    # 1e6 serving GPUs: N_max = 3.2e16, far above every optimum of the grid.
    roomy, _ = run(scalesweep, tmp_path, "roomy", CONFIG + MEMORY + "serve_gpus = 1000000\n")
    free, _ = run(scalesweep, tmp_path, "free", CONFIG)
    a, b = read(roomy), read(free)
    for name in b:
        if name == "hardware":  # strings
            assert list(a[name]) == list(b[name])
        elif name != "attrs":
            assert a[name].tobytes() == b[name].tobytes(), name
    assert (a["chinchilla_fits"] == 1).all()


def test_latency_bound(scalesweep, tmp_path):
    # N_lat = tau g BW eta / bytes: 0.02 s per token on one H100 (3350 GB/s) at 80 % of its
    # bandwidth, 2.68e10 at bf16 and 5.36e10 at fp8; with memory too, the smaller bound holds.
    text = CONFIG + MEMORY + "max_seconds_per_token = 0.02\n"
    path, stdout = run(scalesweep, tmp_path, "latency", text)
    f = read(path)
    expected = {"h100-bf16": 0.02 * 3350e9 * 0.8 / 2, "h100-fp8": 0.02 * 3350e9 * 0.8 / 1}
    for h, name in enumerate(f["hardware"]):
        name = name.decode() if isinstance(name, bytes) else name
        assert f["opt_N_max"][h] == pytest.approx(min(expected[name], N_MEMORY[name]), rel=1e-15)
    cfg = tmp_path / "latency.toml"
    plan = json.loads(scalesweep("validate", cfg, "--json").stdout)
    assert plan["constraints"]["binding"] == ["latency", "latency"]
    assert plan["constraints"]["N_max"] == pytest.approx(list(f["opt_N_max"]), rel=0)


def test_chinchilla_70b_at_bf16_does_not_fit_one_80gb_gpu(scalesweep, tmp_path):
    # The loss whose Chinchilla (T = 0) model has exactly 70e9 parameters (SPEC §1.4 inverted:
    # loss = E + A (1 + alpha/beta) / N^alpha), under sardana2024.
    target = float(E + A * (1 + ALPHA / BETA) / mpmath.mpf(70e9) ** ALPHA)
    text = CONFIG.replace("{ linear = [1.75, 2.2], points = 46 }", f"{{ values = [{target!r}] }}")
    text = text.replace('budget = { log10 = [5, 9], points = 21 }\n', "")
    path, _ = run(scalesweep, tmp_path, "chinchilla70b", text + MEMORY)
    f = read(path)
    names = [n.decode() if isinstance(n, bytes) else n for n in f["hardware"]]
    # 140 GB of bf16 weights against 64 GB; 70 GB of fp8 against 64 GB: neither fits one H100.
    assert (f["chinchilla_fits"][names.index("h100-bf16")] == 0).all()
    assert (f["chinchilla_fits"][names.index("h100-fp8")] == 0).all()
    # Two H100s at fp8 hold 128e9 parameters: it fits.
    path, _ = run(scalesweep, tmp_path, "two", text + MEMORY + "serve_gpus = 2\n")
    f = read(path)
    assert (f["chinchilla_fits"][names.index("h100-fp8")] == 1).all()
    assert (f["chinchilla_fits"][names.index("h100-bf16")] == 0).all()
