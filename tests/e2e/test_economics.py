"""The lesson's other costs and unknown demand (issue 15, SPEC §5.1-§5.4) through the CLI and the
result files: energy and carbon objectives, serving constraints, eval and implied demand, regret
and the robust choice. References are closed forms computed here from the SPEC's formulas, never
the program's own output."""
import json

import h5py
import numpy as np
import pytest

# sardana2024 (SPEC §1.1) and the sardana2024-default scenario (SPEC §1.3): H100-SXM, training
# bf16 989e12 FLOP/s at MFU 0.5, serving fp8 1979e12 FLOP/s at prefill MFU 0.5 and decode MFU
# 0.01, 70 input and 215 output tokens per request; board power 700 W (NVIDIA H100 datasheet).
E, A, B, ALPHA, BETA = 1.69, 406.4, 410.7, 0.336, 0.283
TRAIN_PEAK, SERVE_PEAK = 989e12, 1979e12
TRAIN_MFU, PREFILL_MFU, DECODE_MFU = 0.5, 0.5, 0.01
INPUT_FRACTION = 70 / 285
H100_POWER = 700.0


def gpu_seconds_per_flop():
    """(training, inference) GPU-seconds per FLOP, SPEC §1.2."""
    train = 1 / (TRAIN_MFU * TRAIN_PEAK)
    serve = INPUT_FRACTION / (PREFILL_MFU * SERVE_PEAK) + (1 - INPUT_FRACTION) / (DECODE_MFU * SERVE_PEAK)
    return train, serve


def energy_coefficients(train_pue=1.0, serve_pue=1.0):
    """kWh per training and per inference FLOP, SPEC §5.1: GPU-seconds x W x PUE / 3.6e6."""
    train, serve = gpu_seconds_per_flop()
    return train * H100_POWER * train_pue / 3.6e6, serve * H100_POWER * serve_pue / 3.6e6


def assert_close(got, expected, rtol, what=""):
    assert abs(got - expected) <= rtol * abs(expected), f"{what}: {got!r} vs {expected!r}"


@pytest.mark.parametrize("objective,extra,scale", [
    ("energy", ["--train-pue", "1.2", "--serve-pue", "1.5"], (1.0, 1.0)),
    # co2: kWh x gCO2e/kWh / 1000 per side.
    ("co2", ["--train-pue", "1.2", "--serve-pue", "1.5", "--train-gco2-per-kwh", "30",
             "--serve-gco2-per-kwh", "450"], (30 / 1000, 450 / 1000)),
])
def test_energy_and_co2_optima_are_the_flops_optima_at_t_eff(scalesweep, objective, extra, scale):
    """SPEC §5.1: both keep k_tr 6ND + k_inf 2NT, so the optimum is the flops optimum at
    T_eff = T k_inf/k_tr and the cost is in the objective's unit. The coefficients are computed
    here from the datasheet figures; the flops optimum at T_eff comes from `optimum` (its own
    accuracy is tested against mpmath in test_reference_mpmath)."""
    k_train, k_inference = energy_coefficients(1.2, 1.5)
    k_train, k_inference = k_train * scale[0], k_inference * scale[1]
    T = 3e12
    r = scalesweep.json("optimum", "--law", "sardana2024", "--loss", "2.1", "--inference-tokens", str(T),
                        "--objective", objective, "--hardware", "sardana2024-default", *extra)
    assert r["status"] == "ok" and r["objective"] == objective
    assert r["cost_units"] == {"energy": "kWh", "co2": "kg CO2e"}[objective]
    # 1e-15 relative: the coefficients are a handful of roundings from the same doubles.
    assert_close(r["hardware"]["cost_per_train_flop"], k_train, 1e-15, "k_train")
    assert_close(r["hardware"]["cost_per_inference_flop"], k_inference, 1e-15, "k_inference")
    t_eff = T * k_inference / k_train
    flops = scalesweep.json("optimum", "--law", "sardana2024", "--loss", "2.1", "--inference-tokens",
                            repr(t_eff))
    # The same solver at the same T_eff up to the rounding of T_eff itself (1e-15 relative moves
    # N* by less than that): 1e-12.
    for key in ("N", "D"):
        assert_close(r[key], flops[key], 1e-12, key)
    N, D = r["N"], r["D"]
    assert_close(r["cost"], k_train * 6 * N * D + k_inference * 2 * N * T, 1e-14, "cost")
    assert r["hardware"]["train"]["power_w"] == H100_POWER and r["hardware"]["train"]["pue"] == 1.2


def test_energy_sweep_writes_kwh(tmp_path, scalesweep):
    """A sweep under objective energy: costs and budgets in kWh, and the cells equal `optimum`'s."""
    cfg = tmp_path / "energy.toml"
    cfg.write_text('[law]\npreset = "sardana2024"\n[objective]\nkind = "energy"\n'
                   '[axes]\nT = { values = [0, 1e12] }\nloss_target = { values = [2.0, 2.2] }\n'
                   '[[hardware]]\nname = "h100"\npreset = "sardana2024-default"\n'
                   'train = { pue = 1.1 }\n')
    scalesweep("run", cfg, "-o", tmp_path / "e.h5", "--quiet")
    with h5py.File(tmp_path / "e.h5", "r") as f:
        assert f.attrs["objective"] == "energy"
        assert f.attrs["hardware_train_pue"][0] == 1.1 and f.attrs["hardware_serve_power_w"][0] == H100_POWER
        cost = f["opt_cost"][()]
        r = scalesweep.json("optimum", "--law", "sardana2024", "--loss", "2.2", "--inference-tokens", "1e12",
                            "--objective", "energy", "--hardware", "sardana2024-default", "--train-pue", "1.1")
        assert cost[0, 1, 1] == r["cost"]
