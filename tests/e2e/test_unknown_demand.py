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


# ---- Under serving constraints (SPEC §5.2 with §5.4; docs/economics.md §4.5) --------------------
#
# sardana2024-default serves at fp8 on one H100: with 20 % kept (the default), N_max = 80e9 x 0.8
# / 1 = 6.4e10. Targets from 1.78 (infeasible under the bound: E + A N_max^-alpha = 1.785) up to
# 1.95 (whose Chinchilla model fits); demands from 0 to 1e16 and a few drawn at random, so the
# bound holds the plan, the reference, both or neither, and each case of the robust cell occurs.
# References: mpmath (50 digits) from the definitions in N, D and costs, the constrained optimum
# as the free optimum or the model on N = N_max (make_economics_reference.constrained_*).

_rng = np.random.default_rng(1515)
C_T_VALUES = sorted([0.0, 1e3, 1e9, 3e11, 1e12, 1e13, 1e16] +
                    [float(f"{10 ** x:.6g}") for x in _rng.uniform(8, 15, 3)])
C_TARGETS = sorted([1.78, 1.8, 1.85, 1.9] + [float(f"{x:.6g}") for x in _rng.uniform(1.79, 1.95, 2)])
C_SPREADS = [1.0, 3.0, 100.0] + [float(f"{10 ** _rng.uniform(0.05, 2.5):.6g}")]
C_SPREADS.sort()
C_CONFIG = CONFIG.replace(json.dumps(T_VALUES), json.dumps(C_T_VALUES)).replace(
    json.dumps(TARGETS), json.dumps(C_TARGETS)).replace(json.dumps(SPREADS), json.dumps(C_SPREADS)) + """
[constraints]
memory = true
"""


@pytest.fixture(scope="module")
def constrained_run(tmp_path_factory, binary):
    import subprocess
    import xarray as xr
    d = tmp_path_factory.mktemp("constrained")
    (d / "cfg.toml").write_text(C_CONFIG)
    subprocess.run([binary, "run", "cfg.toml", "-o", "r.h5", "--quiet"], cwd=d, check=True)
    ds = xr.open_dataset(d / "r.h5", engine="h5netcdf")
    yield ds
    ds.close()


_c_optima = {}


def c_optimum(target, T, N_max):
    key = (target, T, N_max)
    if key not in _c_optima:
        _c_optima[key] = ref.constrained_optimum(LAW, target, t_eff_of(T), N_max)
    return _c_optima[key]


def test_constrained_regret_against_mpmath(constrained_run):
    """Every regret cell against cost(plan; T)/cost(reference; T) - 1 with both the constrained
    optima, in 50 digits: exactly 0 where both are on the bound (and on the diagonal), NaN with
    status infeasible where the target is, status constrained where either model is on the bound
    and ok where neither is; <= 1e-10 relative elsewhere."""
    ds = constrained_run
    N_max = float(ds.opt_N_max.values[0])
    regret, status = ds.regret.values[0], ds.regret_status.values[0]
    worst, kinds = 0.0, {}
    for p, Tp in enumerate(C_T_VALUES):
        for t, T in enumerate(C_T_VALUES):
            for l, target in enumerate(C_TARGETS):
                got, code = float(regret[p, t, l]), int(status[p, t, l])
                plan, best = c_optimum(target, Tp, N_max), c_optimum(target, T, N_max)
                where = (Tp, T, target, got)
                if plan is None:
                    assert code == 1 and np.isnan(got), where
                    kinds["infeasible"] = kinds.get("infeasible", 0) + 1
                    continue
                kind = ("plan" if plan[2] else "") + ("reference" if best[2] else "")
                kinds[kind or "free"] = kinds.get(kind or "free", 0) + 1
                assert code == (6 if plan[2] or best[2] else 0), where
                if p == t or (plan[2] and best[2]):
                    assert got == 0.0, where
                    continue
                te = t_eff_of(T)
                want = ref.cost(plan[0], plan[1], te) / ref.cost(best[0], best[1], te) - 1
                worst = max(worst, float(rel(got, want)))
                assert rel(got, want) <= REQUIRED, (*where, want)
    print(f"constrained regret: worst relative error {worst:.2e}; cells {kinds}")
    assert all(kinds.get(k, 0) > 0 for k in ("free", "plan", "reference", "planreference", "infeasible")), kinds


def test_constrained_robust_against_mpmath(constrained_run):
    """robust_N, robust_D, robust_regret against the mpmath minimax with constrained references
    (<= 1e-10 relative), and each case of docs/economics.md §4.5: (a) the free answer, (b) the
    crossing with the low reference on the bound (status ok, N < N_max), (c) N_max itself with
    regret 0 (status constrained); infeasible targets NaN. robust_N <= N_max everywhere. The
    mpmath model's regret at interior demands of the spread never exceeds the endpoints' (the
    theorem of §4.3 under the bound, sampled)."""
    ds = constrained_run
    N_max = float(ds.opt_N_max.values[0])
    worst, worst_ND, cases = 0.0, 0.0, {}
    checked = 0
    for s, spread in enumerate(C_SPREADS):
        for t, T in enumerate(C_T_VALUES):
            for l, target in enumerate(C_TARGETS):
                N, D, r = (float(ds[v].values[0, s, t, l]) for v in ("robust_N", "robust_D", "robust_regret"))
                code = int(ds.robust_status.values[0, s, t, l])
                want = ref.constrained_robust(LAW, target, t_eff_of(T), spread, N_max)
                where = (spread, T, target, N, D, r)
                if want is None:
                    assert code == 1 and np.isnan(N) and np.isnan(r), where
                    cases["infeasible"] = cases.get("infeasible", 0) + 1
                    continue
                want_N, want_D, want_r, on_bound = want
                low = c_optimum(target, T / spread, N_max) if T > 0 else c_optimum(target, 0.0, N_max)
                case = "c" if on_bound else "b" if low[2] else "a"
                cases[case] = cases.get(case, 0) + 1
                assert code == (6 if on_bound else 0), where
                assert N <= N_max, where
                if on_bound:
                    assert N == N_max and r == 0.0, where
                if want_r == 0:
                    assert r == 0.0, where
                else:
                    worst = max(worst, float(rel(r, want_r)))
                    assert rel(r, want_r) <= REQUIRED, (*where, want_r)
                worst_ND = max(worst_ND, float(rel(N, want_N)), float(rel(D, want_D)))
                assert rel(N, want_N) <= REQUIRED and rel(D, want_D) <= REQUIRED, (*where, want_N, want_D)
                if case == "b" and checked < 6:  # the endpoint theorem, with clamped references
                    Nm, Dm = ref.mpf(N), ref.iso_loss_D(LAW, target, ref.mpf(N))
                    ends, inside = [], mp.mpf(0)
                    for i in range(7):
                        demand = T / spread * spread ** (2 * i / 6)
                        o = c_optimum(target, demand, N_max)
                        te = t_eff_of(demand)
                        reg = ref.cost(Nm, Dm, te) / ref.cost(o[0], o[1], te) - 1
                        if i in (0, 6):
                            ends.append(reg)
                        else:
                            inside = max(inside, reg)
                    assert inside <= max(ends), (where, inside, ends)
                    checked += 1
    print(f"constrained robust: worst relative error N, D {worst_ND:.2e}, regret {worst:.2e}; "
          f"cells by case {cases}")
    assert all(cases.get(k, 0) > 0 for k in ("a", "b", "c", "infeasible")), cases


# ---- One run with every problem under [constraints] -----------------------------------------------

MIXED = """
title = "every problem under serving constraints"
[law]
preset = "sardana2024"
[objective]
kind = "energy"
[[hardware]]
name = "h100-bf16"
preset = "h100-bf16-serving"
[[hardware]]
name = "h100-fp8"
preset = "sardana2024-default"
[constraints]
memory = true
memory_reserve = 0.2
[axes]
N = { log10 = [9, 12], points = 7 }
D = { log10 = [10, 13], points = 5 }
T = { values = [0, 1e9, 1e11, 1e12, 1e13, 1e15] }
loss_target = { values = [1.8, 1.82, 1.85, 1.9, 2.1] }
budget = { log10 = [3, 9], points = 7 }
spread = { values = [1, 10, 100] }
[output]
dense = ["loss", "cost", "regret", "implied_T"]
"""

# SPEC §4, §5.2-§5.4: every variable of such a file and its dimensions.
MIXED_DIMS = {
    "loss": ("N", "D"),
    "cost": ("hardware", "T", "N", "D"),
    "implied_T": ("hardware", "N", "D"),
    "implied_status": ("hardware", "N", "D"),
    "regret": ("hardware", "T_plan", "T", "loss_target"),
    "regret_status": ("hardware", "T_plan", "T", "loss_target"),
    "opt_N_max": ("hardware",),
    "chinchilla_fits": ("hardware", "T", "loss_target"),
}
for _v in ("robust_N", "robust_D", "robust_regret", "robust_status"):
    MIXED_DIMS[_v] = ("hardware", "spread", "T", "loss_target")
for _v in ("opt_N", "opt_D", "opt_cost", "opt_status", "opt_tokens_per_param", "opt_train_cost",
           "opt_serve_cost", "chinchilla_N", "chinchilla_D", "chinchilla_cost",
           "chinchilla_tokens_per_param", "chinchilla_train_cost", "chinchilla_serve_cost"):
    MIXED_DIMS[_v] = ("hardware", "T", "loss_target")
for _v in ("budget_N", "budget_D", "budget_loss", "budget_status", "budget_tokens_per_param",
           "budget_train_cost", "budget_serve_cost", "budget_chinchilla_N", "budget_chinchilla_D",
           "budget_chinchilla_loss", "budget_chinchilla_tokens_per_param",
           "budget_chinchilla_train_cost", "budget_chinchilla_serve_cost"):
    MIXED_DIMS[_v] = ("hardware", "T", "budget")


def test_a_run_mixing_every_problem(tmp_path, binary, scalesweep):
    """One config with every problem (loss target, budget, the robust choice, dense regret and
    implied_T, loss and cost) under [constraints] with the energy objective, read with xarray:
    the SPEC's dimensions for every variable; status counts equal in the run's summary, in
    `inspect --json` and in the file; `constrained` in every optimum grid; N_max the datasheet's
    80 GB x (1 - 0.2) / bytes (32e9 at bf16, 64e9 at fp8); 1.8 infeasible under the bf16 bound
    (E + A N_max^-alpha = 1.810) and NaN in every problem there; regret exactly 0 where plan and
    reference are both on the bound; robust N <= N_max everywhere."""
    import subprocess
    import xarray as xr
    (tmp_path / "m.toml").write_text(MIXED)
    proc = subprocess.run([binary, "run", "m.toml", "-o", "m.h5", "--json"], cwd=tmp_path,
                          capture_output=True, text=True, check=True)
    summary = json.loads(proc.stdout)
    info = scalesweep.json("inspect", tmp_path / "m.h5")["variables"]
    with xr.open_dataset(tmp_path / "m.h5", engine="h5netcdf") as ds:
        data_vars = {name for name in ds.data_vars if name != "hardware_name"}
        unknown = data_vars - set(MIXED_DIMS)
        assert not unknown, f"variables the test does not know: {sorted(unknown)}"
        for name, dims in MIXED_DIMS.items():
            assert name in ds, name
            assert ds[name].dims == dims, (name, ds[name].dims, dims)
        assert list(ds.hardware.values) == ["h100-bf16", "h100-fp8"]
        assert list(ds.T_plan.values) == list(ds.T.values)
        # Status counts: the run's summary, inspect, and the file itself.
        statuses = [name for name in data_vars if name.endswith("_status")]
        assert set(statuses) == {"opt_status", "budget_status", "implied_status", "regret_status",
                                 "robust_status"}
        meanings = ds.opt_status.attrs["flag_meanings"].split()
        for name in statuses:
            values, counts = np.unique(ds[name].values, return_counts=True)
            from_file = {meanings[int(v)]: int(c) for v, c in zip(values, counts)}
            assert {k: v for k, v in summary["statuses"][name].items() if v} == from_file, name
            assert {k: v for k, v in info[name]["status_counts"].items() if v} == from_file, name
        for name in ("opt_status", "budget_status", "robust_status", "regret_status"):
            assert (ds[name].values == 6).any(), f"no constrained cell in {name}"
        # N_max from the datasheet: one 80 GB H100, 20 % reserved, 2 bytes (bf16) or 1 (fp8).
        N_max = ds.opt_N_max.values
        assert N_max[0] == pytest.approx(80e9 * 0.8 / 2, rel=1e-15) and N_max[0] == pytest.approx(32e9)
        assert N_max[1] == pytest.approx(80e9 * 0.8 / 1, rel=1e-15) and N_max[1] == pytest.approx(64e9)
        # 1.8 cannot be reached by 32e9 parameters: infeasible and NaN in every problem there.
        bf16 = dict(hardware="h100-bf16", loss_target=1.8)
        assert (ds.opt_status.sel(**bf16).values == 1).all()
        assert np.isnan(ds.opt_N.sel(**bf16).values).all()
        assert (ds.regret_status.sel(**bf16).values == 1).all()
        assert np.isnan(ds.regret.sel(**bf16).values).all()
        assert (ds.robust_status.sel(**bf16).values == 1).all()
        assert np.isnan(ds.robust_N.sel(**bf16).values).all()
        assert np.isnan(ds.robust_regret.sel(**bf16).values).all()
        assert (ds.opt_status.sel(hardware="h100-fp8", loss_target=1.8).values != 1).all()
        # Regret 0 exactly where the plan and the reference are both on the bound.
        on = ds.opt_status.values == 6  # (hardware, T, loss_target)
        both = on[:, :, None, :] & on[:, None, :, :]  # (hardware, T_plan, T, loss_target)
        assert both.any()
        assert (ds.regret.values[both] == 0).all()
        assert (ds.regret_status.values[both] == 6).all()
        feasible = ds.regret_status.values != 1
        assert (ds.regret.values[feasible] >= 0).all()
        assert (ds.regret.values[feasible & ~both & (ds.regret.values > 0)] > 0).any()
        # Robust N never above N_max; on the bound exactly where its status says so.
        robust_N = ds.robust_N.values
        limit = N_max[:, None, None, None]
        finite = np.isfinite(robust_N)
        assert (robust_N[finite] <= np.broadcast_to(limit, robust_N.shape)[finite]).all()
        on_bound = ds.robust_status.values == 6
        assert (robust_N[on_bound] == np.broadcast_to(limit, robust_N.shape)[on_bound]).all()
        assert (ds.robust_regret.values[on_bound] == 0).all()
