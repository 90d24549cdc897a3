"""Optima of `scalesweep run` against a 50-digit reference (mpmath), for every law preset and both
problems, T from 0 to 1e16 (SPEC §1.4: within 1e-10 relative)."""
import h5py
import mpmath as mp
import numpy as np
import pytest

mp.mp.dps = 50
REQUIRED = 1e-10  # SPEC §1.4

PRESETS = {  # SPEC §1.1, transcribed as decimal strings so mpmath holds them exactly
    "chinchilla": ("1.69", "406.4", "410.7", "0.34", "0.28"),
    "chinchilla-unrounded": ("1.693374", "406.401", "410.723", "0.33917084", "0.2849083"),
    "sardana2024": ("1.69", "406.4", "410.7", "0.336", "0.283"),
    "epoch2024": ("1.81686", "482.00572", "2085.4342", "0.34781", "0.36585"),
}

T_VALUES = [0.0, 1e3, 1e8, 3e10, 1e12, 2e13, 1e15, 1e16]
REDUCIBLE = [0.03, 0.1, 0.25, 0.45, 0.8, 1.2]  # loss target - E
BUDGETS = [1e19, 3e21, 1e23, 4e24, 1e26, 1e27]


def bisect(f, lo, hi, iterations=200):
    """f decreasing with f(lo) > 0 > f(hi); 200 halvings resolve a bracket of width 1e3 to 1e-57."""
    for _ in range(iterations):
        mid = (lo + hi) / 2
        if f(mid) > 0:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def loss_target_reference(E, A, B, a, b, target, T):
    """Lagrange condition in ln D on the iso-loss curve: beta u (1 + T/3D) = alpha (R - u)."""
    R = mp.mpf(target) - E
    T = mp.mpf(T)

    def f(x):
        D = mp.e ** x
        u = B * D ** -b
        return b * u * (1 + T / (3 * D)) - a * (R - u)

    lo = mp.log(B / R) / b
    hi = lo + 1
    while f(hi) > 0:
        hi += 10
    D = mp.e ** bisect(f, lo, hi)
    N = (A / (R - B * D ** -b)) ** (1 / a)
    return N, D, 6 * N * D + 2 * N * T


def budget_reference(E, A, B, a, b, C, T):
    """Lagrange condition in ln N on the budget line D = C/(6N) - T/3."""
    C, T = mp.mpf(C), mp.mpf(T)

    def g(x):
        N = mp.e ** x
        D = C / (6 * N) - T / 3
        if D <= 0:
            return mp.mpf(-1)
        return a * A * N ** -a - b * B * D ** -b * (1 + T / (3 * D))

    hi = mp.log(C / (2 * T)) if T > 0 else mp.log(C)
    N = mp.e ** bisect(g, mp.log(mp.mpf("1e-6")), hi)
    D = C / (6 * N) - T / 3
    return N, D, E + A * N ** -a + B * D ** -b


def config(preset, E):
    targets = ", ".join(repr(float(mp.mpf(E) + r)) for r in REDUCIBLE)
    return f"""
[law]
preset = "{preset}"
[axes]
T = {{ values = [{", ".join(map(repr, T_VALUES))}] }}
loss_target = {{ values = [{targets}] }}
budget = {{ values = [{", ".join(map(repr, BUDGETS))}] }}
"""


def rel(x, ref):
    return float(abs((mp.mpf(float(x)) - ref) / ref))


@pytest.mark.parametrize("preset", PRESETS)
def test_optima_within_1e10_of_50_digit_reference(tmp_path, scalesweep, preset):
    E, A, B, a, b = map(mp.mpf, PRESETS[preset])
    cfg = tmp_path / "ref.toml"
    cfg.write_text(config(preset, PRESETS[preset][0]))
    out = tmp_path / "ref.h5"
    scalesweep("run", cfg, "-o", out, "--quiet")
    worst = 0.0
    with h5py.File(out, "r") as f:
        targets = f["loss_target"][:]
        for t, T in enumerate(T_VALUES):
            for l, target in enumerate(targets):
                assert f["opt_status"][0, t, l] == 0
                N, D, cost = loss_target_reference(E, A, B, a, b, float(target), T)
                errors = [rel(f["opt_N"][0, t, l], N), rel(f["opt_D"][0, t, l], D), rel(f["opt_cost"][0, t, l], cost)]
                worst = max(worst, *errors)
                assert max(errors) <= REQUIRED, (preset, T, target, errors)
            for c, C in enumerate(BUDGETS):
                assert f["budget_status"][0, t, c] == 0
                N, D, L = budget_reference(E, A, B, a, b, C, T)
                errors = [rel(f["budget_N"][0, t, c], N), rel(f["budget_D"][0, t, c], D),
                          rel(f["budget_loss"][0, t, c], L)]
                worst = max(worst, *errors)
                assert max(errors) <= REQUIRED, (preset, T, C, errors)
    print(f"{preset}: worst relative error {worst:.2e}")


def test_usd_objective_against_50_digit_reference(tmp_path, scalesweep):
    """SPEC §1.2: the usd optimum is the FLOP optimum at T_eff = T k_inf / k_tr; here the
    reference builds k_tr and k_inf itself from the preset's numbers (SPEC §1.3 defaults)."""
    E, A, B, a, b = map(mp.mpf, PRESETS["sardana2024"])
    cfg = tmp_path / "usd.toml"
    cfg.write_text(config("sardana2024", "1.69").replace(
        "[axes]", '[objective]\nkind = "usd"\n[[hardware]]\nname = "h"\npreset = "sardana2024-default"\n[axes]'))
    out = tmp_path / "usd.h5"
    scalesweep("run", cfg, "-o", out, "--quiet")
    k_tr = mp.mpf(2) / 3600 / (mp.mpf("0.5") * mp.mpf("989e12"))
    k_inf = mp.mpf(2) / 3600 / mp.mpf("1979e12") * (mp.mpf(70) / 285 / mp.mpf("0.5") + mp.mpf(215) / 285 / mp.mpf("0.01"))
    with h5py.File(out, "r") as f:
        for t, T in enumerate(T_VALUES):
            for l, target in enumerate(f["loss_target"][:]):
                N, D, _ = loss_target_reference(E, A, B, a, b, float(target), mp.mpf(T) * k_inf / k_tr)
                cost = k_tr * 6 * N * D + k_inf * 2 * N * mp.mpf(T)
                assert rel(f["opt_N"][0, t, l], N) <= REQUIRED
                assert rel(f["opt_D"][0, t, l], D) <= REQUIRED
                assert rel(f["opt_cost"][0, t, l], cost) <= REQUIRED
