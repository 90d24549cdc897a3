"""Regret and the robust choice in sweeps (SPEC §5.4) through `scalesweep run` and xarray, against
50-digit mpmath references computed from the problems' definitions in N, D and costs
(tests/reference/make_economics_reference.py: Lagrange's condition solved by bisection, the robust
model by bisection between the two endpoint optima), never the program's own output."""
import json
import sys
from pathlib import Path

import mpmath as mp
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reference"))
import make_economics_reference as ref  # noqa: E402  (the references' own module)

# The accuracy (1e-10 relative). The regret's share form keeps its relative accuracy down
# to the smallest regrets (docs/economics.md §4.2); robust N and D come from two roots and a
# closed form at ~1e-14 (tests/unit/math/test_demand_regret.cpp).
REQUIRED = 1e-10

T_VALUES = [0.0, 1e3, 1e9, 3e11, 1e13, 1e16]
TARGETS = [1.9, 2.3]
SPREADS = [1.0, 10.0, 100.0]

CONFIG = f"""
[law]
preset = "sardana2024"
[objective]
kind = "usd"
[[hardware]]
name = "h100"
preset = "sardana2024-default"
[axes]
T = {{ values = {json.dumps(T_VALUES)} }}
loss_target = {{ values = {json.dumps(TARGETS)} }}
spread = {{ values = {json.dumps(SPREADS)} }}
[output]
dense = ["regret"]
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory, binary):
    import subprocess
    import xarray as xr
    d = tmp_path_factory.mktemp("demand")
    (d / "cfg.toml").write_text(CONFIG)
    proc = subprocess.run([binary, "run", "cfg.toml", "-o", "r.h5", "--json"], cwd=d,
                          capture_output=True, text=True, check=True)
    ds = xr.open_dataset(d / "r.h5", engine="h5netcdf")
    yield ds, json.loads(proc.stdout), d / "r.h5"
    ds.close()


def t_eff_of(T):
    """T in FLOP units of sardana2024-default's usd objective: T k_inf/k_tr (SPEC §1.2)."""
    k_train, k_inference = ref.coefficients("usd")
    return ref.mpf(T) * k_inference / k_train


LAW = ref.law_of("sardana2024")
_optima = {}


def optimum(target, T):
    key = (target, T)
    if key not in _optima:
        _optima[key] = ref.loss_target_optimum(LAW, target, t_eff_of(T))
    return _optima[key]


def rel(got, want):
    return abs(mp.mpf(float(got)) - want) / abs(want)


def test_dims_follow_the_spec(run):
    ds, _, _ = run
    assert ds.regret.dims == ("hardware", "T_plan", "T", "loss_target")
    assert ds.regret_status.dims == ds.regret.dims
    for name in ("robust_N", "robust_D", "robust_regret", "robust_status"):
        assert ds[name].dims == ("hardware", "spread", "T", "loss_target"), name
    # T_plan holds the T axis' values (SPEC §5.4).
    assert list(ds.T_plan.values) == list(ds.T.values) == T_VALUES
    assert list(ds.spread.values) == SPREADS


def test_regret_against_mpmath(run):
    """Every cell against cost(N*(T_p), D*(T_p); T)/cost*(T) - 1 in 50 digits; exactly 0 on the
    diagonal and >= 0 everywhere; the regret is unit-free, so T enters as T_eff of the usd
    scenario."""
    ds, _, _ = run
    regret = ds.regret.values[0]
    assert (ds.regret_status.values == 0).all()
    assert (regret >= 0).all()
    worst = 0.0
    for p, Tp in enumerate(T_VALUES):
        for t, T in enumerate(T_VALUES):
            for l, target in enumerate(TARGETS):
                got = float(regret[p, t, l])
                if p == t:
                    assert got == 0.0, (Tp, T, target)
                    continue
                Np, Dp = optimum(target, Tp)
                N, D = optimum(target, T)
                te = t_eff_of(T)
                want = ref.cost(Np, Dp, te) / ref.cost(N, D, te) - 1
                if want == 0:  # T_p and T both 0 (not on this grid) would give 0
                    continue
                worst = max(worst, float(rel(got, want)))
                assert rel(got, want) <= REQUIRED, (Tp, T, target, got, want)
    print(f"regret: worst relative error {worst:.2e}")


def test_robust_against_mpmath(run):
    """robust_N, robust_D and robust_regret against the minimax model found by bisection in 50
    digits; spread 1 and T = 0 give the point optimum with regret 0."""
    ds, _, _ = run
    assert (ds.robust_status.values == 0).all()
    for s, spread in enumerate(SPREADS):
        for t, T in enumerate(T_VALUES):
            for l, target in enumerate(TARGETS):
                N, D, r = (float(ds[v].values[0, s, t, l]) for v in ("robust_N", "robust_D", "robust_regret"))
                if spread == 1.0 or T == 0.0:
                    assert r == 0.0
                    want_N, want_D = optimum(target, T)
                    assert rel(N, want_N) <= REQUIRED and rel(D, want_D) <= REQUIRED
                    continue
                want_N, want_D, want_r = ref.robust(LAW, target, t_eff_of(T), spread)
                assert rel(N, want_N) <= REQUIRED, (spread, T, target, N, want_N)
                assert rel(D, want_D) <= REQUIRED, (spread, T, target, D, want_D)
                assert rel(r, want_r) <= REQUIRED, (spread, T, target, r, want_r)


def test_robust_regret_is_both_endpoint_regrets(run):
    """The file's robust model, its D recomputed on the iso-loss curve in 50 digits, costs
    robust_regret more than the optimum at T/s and at T s alike (the minimax model equalises
    them, docs/economics.md §4.4), and no more at demands inside (§4.3). The two regrets move in
    opposite directions at first order in N there, so the stored N's rounding (1e-16) parts them
    by about 1e-16 |dr/d ln N| / r ~ 1e-16/sqrt(r) relative (r is second order in the distance
    of the two endpoint optima, its slope first order): robust_regret must lie between them
    (to 1e-10), and they must agree to 1e-10 wherever r >= 1e-6 (~1e-13 expected)."""
    ds, _, _ = run
    for s, spread in enumerate(SPREADS[1:], start=1):
        for t, T in enumerate(T_VALUES[1:], start=1):
            for l, target in enumerate(TARGETS):
                N = ref.mpf(ds.robust_N.values[0, s, t, l])
                D = ref.iso_loss_D(LAW, target, N)
                stored = float(ds.robust_regret.values[0, s, t, l])
                regrets = []
                for demand in (T / spread, np.sqrt(T / spread * T * spread), T * spread):
                    No, Do = optimum(target, demand)
                    te = t_eff_of(demand)
                    regrets.append(ref.cost(N, D, te) / ref.cost(No, Do, te) - 1)
                low, inside, high = regrets
                where = (spread, T, target, stored, low, high)
                assert min(low, high) * (1 - REQUIRED) <= stored <= max(low, high) * (1 + REQUIRED), where
                if stored >= 1e-6:
                    assert rel(stored, low) <= REQUIRED and rel(stored, high) <= REQUIRED, where
                assert inside <= max(low, high)


def test_statuses_count_in_the_summary_and_inspect(run, scalesweep):
    ds, summary, path = run
    info = scalesweep.json("inspect", path)["variables"]
    for name, var in (("regret_status", ds.regret_status), ("robust_status", ds.robust_status)):
        counts = {"ok": int(var.size)}
        assert {k: v for k, v in summary["statuses"][name].items() if v} == counts
        assert {k: v for k, v in info[name]["status_counts"].items() if v} == counts


def test_unreachable_loss_targets_are_infeasible_in_both(tmp_path, scalesweep):
    """Loss targets at or below E: every regret and robust cell infeasible (status 1), NaN."""
    import xarray as xr
    cfg = tmp_path / "c.toml"
    cfg.write_text(CONFIG.replace(json.dumps(TARGETS), "[1.5, 2.0]").replace(
        '[objective]\nkind = "usd"\n[[hardware]]\nname = "h100"\npreset = "sardana2024-default"\n', ""))
    scalesweep("run", cfg, "-o", tmp_path / "c.h5")
    with xr.open_dataset(tmp_path / "c.h5", engine="h5netcdf") as ds:
        for name, status in (("regret", "regret_status"), ("robust_regret", "robust_status")):
            below = ds[status].sel(loss_target=1.5).values
            assert (below == 1).all() and np.isnan(ds[name].sel(loss_target=1.5).values).all()
            assert (ds[status].sel(loss_target=2.0).values == 0).all()


def test_robust_under_law_samples_is_refused(tmp_path, scalesweep):
    """The robust choice is not solved per law sample yet: a spread axis under [law] samples exits
    2 naming axes.spread, before any work and with no output (not the point law's answer
    unasked)."""
    cfg = tmp_path / "s.toml"
    cfg.write_text('[law]\nsamples = "epoch2024-bootstrap"\n[axes]\nT = { values = [1e12] }\n'
                   "loss_target = { values = [2.1] }\nspread = { values = [10] }\n")
    r = scalesweep("run", cfg, "-o", tmp_path / "s.h5", check=False)
    assert r.returncode == 2 and "axes.spread: the robust choice is not solved under law samples" in r.stderr, r.stderr
    assert not list(tmp_path.glob("s.h5*"))


def test_regret_and_robust_under_constraints_are_refused(tmp_path, scalesweep):
    """Regret and the robust choice compare unconstrained optima: under [constraints] they exit 2
    naming the field, before any work and with no output."""
    axes = CONFIG.split("[output]")[0]
    no_spread = "\n".join(line for line in axes.splitlines() if not line.startswith("spread")) + "\n"
    for text, field in ((no_spread + '[output]\ndense = ["regret"]\n', "output.dense 'regret'"),
                        (axes, "axes.spread")):
        cfg = tmp_path / "c.toml"
        cfg.write_text(text + "[constraints]\nmemory = true\n")
        r = scalesweep("run", cfg, "-o", tmp_path / "c.h5", check=False)
        assert r.returncode == 2 and f"{field}: regret and the robust choice do not honour [constraints]" in r.stderr, r.stderr
        assert not list(tmp_path.glob("c.h5*"))
