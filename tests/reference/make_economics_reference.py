"""50-digit references for the economics math (SPEC §5.1, §5.4): regret, the robust model, and
the energy and co2 optima, computed with mpmath from the problems' definitions in the original
variables (N, D, costs), not from the program's reparametrisations (shares, T_eff closed forms).

    .venv/bin/python tests/reference/make_economics_reference.py          # rewrite the CSV files
    .venv/bin/python tests/reference/make_economics_reference.py --check 6 # recompute 6 rows of
                                                                           # each file and compare

The inputs are doubles drawn from a fixed seed and written with repr(), so the C++ tests
(tests/unit/test_demand_regret.cpp, test_objective_rates.cpp) read exactly the numbers mpmath
used; law constants and hardware figures enter mpmath as the doubles the program holds
(mpf(float("1.69"))), so the comparison measures the program's arithmetic, not decimal input.
References are printed to 30 significant digits (far beyond the 1e-10 being tested).
"""
import argparse
import csv
import random
import sys
from pathlib import Path

import mpmath as mp

mp.mp.dps = 50
HERE = Path(__file__).resolve().parent

PRESETS = {  # SPEC §1.1 (src/presets.cpp)
    "chinchilla": (1.69, 406.4, 410.7, 0.34, 0.28),
    "chinchilla-unrounded": (1.693374, 406.401, 410.723, 0.33917084, 0.2849083),
    "sardana2024": (1.69, 406.4, 410.7, 0.336, 0.283),
    "epoch2024": (1.81686, 482.00572, 2085.4342, 0.34781, 0.36585),
}

# sardana2024-default (SPEC §1.3): H100-SXM bf16 989 TFLOP/s at MFU 0.5 for training; H100 fp8
# at 1.978e15 FLOP/s (the reference code's H100_FP8_OPS, which the scenario follows), prefill MFU
# 0.5, decode MFU 0.01, 70 input + 215 output tokens for serving.
TRAIN_MFU, TRAIN_PEAK = 0.5, 989e12
PREFILL_MFU, DECODE_MFU, SERVE_PEAK = 0.5, 0.01, 1.978e15
INPUT_TOKENS, OUTPUT_TOKENS = 70.0, 215.0
USD_PER_HOUR = 2.0


def mpf(x):
    return mp.mpf(float(x))


def gpu_seconds_per_flop():
    """(train, serve) GPU-seconds per FLOP: FLOPs / (MFU x peak), serving split by token kind."""
    f_in = mpf(INPUT_TOKENS) / (mpf(INPUT_TOKENS) + mpf(OUTPUT_TOKENS))
    train = 1 / (mpf(TRAIN_MFU) * mpf(TRAIN_PEAK))
    serve = f_in / (mpf(PREFILL_MFU) * mpf(SERVE_PEAK)) + (1 - f_in) / (mpf(DECODE_MFU) * mpf(SERVE_PEAK))
    return train, serve


def coefficients(objective, side=None):
    """(k_train, k_inference) in the objective's unit per FLOP; side = (P_tr, PUE_tr, g_tr,
    P_s, PUE_s, g_s) for energy (W, -, -) and co2 (gCO2e/kWh)."""
    if objective == "flops":
        return mp.mpf(1), mp.mpf(1)
    train, serve = gpu_seconds_per_flop()
    if objective == "usd":
        rate = mpf(USD_PER_HOUR) / 3600
        return rate * train, rate * serve
    p_tr, pue_tr, g_tr, p_s, pue_s, g_s = map(mpf, side)
    kwh_tr = p_tr * pue_tr / mp.mpf(3600000)
    kwh_s = p_s * pue_s / mp.mpf(3600000)
    if objective == "energy":
        return kwh_tr * train, kwh_s * serve
    return kwh_tr * g_tr / 1000 * train, kwh_s * g_s / 1000 * serve


def bisect(f, lo, hi, iterations=230):
    """f decreasing with f(lo) > 0 > f(hi); 230 halvings shrink a width of 1e3 below 1e-66."""
    for _ in range(iterations):
        mid = (lo + hi) / 2
        if f(mid) > 0:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def loss_target_optimum(law, target, t_eff):
    """Cheapest (N, D) with L = target for cost 6ND + 2N t_eff: Lagrange's condition in ln D on the
    iso-loss curve, beta u (1 + T/(3D)) = alpha (R - u), u = B D^-beta (decreasing in D)."""
    E, A, B, a, b = law
    R = mpf(target) - E

    def f(x):
        D = mp.e ** x
        u = B * D ** -b
        return b * u * (1 + t_eff / (3 * D)) - a * (R - u)

    lo = mp.log(B / R) / b
    hi = lo + 1
    while f(hi) > 0:
        hi += 10
    D = mp.e ** bisect(f, lo, hi)
    return (A / (R - B * D ** -b)) ** (1 / a), D


def budget_optimum(law, C, t_eff):
    """Lowest loss with 6ND + 2N t_eff = C: Lagrange's condition in ln N on the budget line."""
    E, A, B, a, b = law

    def g(x):
        N = mp.e ** x
        D = C / (6 * N) - t_eff / 3
        if D <= 0:
            return mp.mpf(-1)
        return a * A * N ** -a - b * B * D ** -b * (1 + t_eff / (3 * D))

    hi = mp.log(C / (2 * t_eff)) if t_eff > 0 else mp.log(C)
    N = mp.e ** bisect(g, mp.log(mp.mpf("1e-6")), hi)
    D = C / (6 * N) - t_eff / 3
    return N, D, E + A * N ** -a + B * D ** -b


def cost(N, D, t_eff):
    return 6 * N * D + 2 * N * t_eff


def iso_loss_D(law, target, N):
    E, A, B, a, b = law
    return (B / (mpf(target) - E - A * N ** -a)) ** (1 / b)


def regret(law, target, tp_eff, t_eff):
    """cost(N*(T_p), D*(T_p); T) / cost*(T) - 1 at one loss (SPEC §5.4)."""
    Np, Dp = loss_target_optimum(law, target, tp_eff)
    N, D = loss_target_optimum(law, target, t_eff)
    return cost(Np, Dp, t_eff) / cost(N, D, t_eff) - 1


def robust(law, target, t_eff, spread):
    """The model of the iso-loss curve whose regrets at T/s and T s are equal, found by bisection in
    ln N between the two endpoint optima (where one regret rises and the other falls); returns
    N, D and that regret. That this is the minimax model over the whole interval rests on the
    endpoint theorem (docs/economics.md §4), which check_endpoint_theorem samples here and
    tests/unit/test_demand_regret.cpp checks densely."""
    if t_eff == 0 or spread == 1:
        N, D = loss_target_optimum(law, target, t_eff)
        return N, D, mp.mpf(0)
    hi_t, lo_t = t_eff * mpf(spread), t_eff / mpf(spread)
    Nh, Dh = loss_target_optimum(law, target, hi_t)
    Nl, Dl = loss_target_optimum(law, target, lo_t)
    ch, cl = cost(Nh, Dh, hi_t), cost(Nl, Dl, lo_t)

    def excess_of_low_regret(x):  # regret at T/s minus regret at T s: falls as N grows
        N = mp.e ** x
        D = iso_loss_D(law, target, N)
        return cost(N, D, lo_t) / cl - cost(N, D, hi_t) / ch

    x = bisect(excess_of_low_regret, mp.log(Nh), mp.log(Nl))
    N = mp.e ** x
    D = iso_loss_D(law, target, N)
    return N, D, cost(N, D, hi_t) / ch - 1


def constrained_optimum(law, target, t_eff, N_max):
    """The cheapest (N, D) with L = target and N <= N_max (SPEC §5.2), and whether it sits on the
    bound: the free optimum, or the model on N = N_max where the free one is larger (the cost is
    unimodal in ln N along the iso-loss curve, docs/economics.md §2.2). None where no model of
    that loss has N <= N_max (target <= E + A N_max^-alpha)."""
    E, A, B, a, b = law
    N_max = mp.mpf(N_max)
    if mpf(target) - E - A * N_max ** -a <= 0:
        return None
    N, D = loss_target_optimum(law, target, t_eff)
    if N > N_max:
        return N_max, iso_loss_D(law, target, N_max), True
    return N, D, False


def constrained_regret(law, target, tp_eff, t_eff, N_max):
    """cost(plan; T)/cost(reference; T) - 1 with both the constrained optima (SPEC §5.2, §5.4);
    None where the target is infeasible under the bound."""
    plan = constrained_optimum(law, target, tp_eff, N_max)
    best = constrained_optimum(law, target, t_eff, N_max)
    if plan is None:
        return None
    return cost(plan[0], plan[1], t_eff) / cost(best[0], best[1], t_eff) - 1


def constrained_robust(law, target, t_eff, spread, N_max):
    """The model of N <= N_max whose regrets at T/s and T s, each against the constrained optimum
    there, are equal: bisection in ln N between the two constrained endpoint optima (the low
    one's regret falls, the high one's rises). Where both are the same model (both on the bound,
    spread 1, T = 0) that model, regret 0. Returns N, D, the regret, and whether N is on the
    bound; None where the target is infeasible under the bound."""
    lo_t, hi_t = t_eff / mpf(spread), t_eff * mpf(spread)
    lo = constrained_optimum(law, target, lo_t, N_max)
    hi = constrained_optimum(law, target, hi_t, N_max)
    if lo is None:
        return None
    if lo[0] == hi[0]:
        return lo[0], lo[1], mp.mpf(0), lo[2]
    cl, ch = cost(lo[0], lo[1], lo_t), cost(hi[0], hi[1], hi_t)

    def excess_of_low_regret(x):
        N = mp.e ** x
        D = iso_loss_D(law, target, N)
        return cost(N, D, lo_t) / cl - cost(N, D, hi_t) / ch

    N = mp.e ** bisect(excess_of_low_regret, mp.log(hi[0]), mp.log(lo[0]))
    D = iso_loss_D(law, target, N)
    return N, D, cost(N, D, hi_t) / ch - 1, False


def check_endpoint_theorem(law, target, t_eff, spread, N, points=7):
    """The model's regret at interior demands of [T/s, T s] stays below the endpoint maximum."""
    D = iso_loss_D(law, target, N)
    lo_t = t_eff / mpf(spread)
    ends = []
    worst_inside = mp.mpf(0)
    for i in range(points + 2):
        t = lo_t * mpf(spread) ** (mp.mpf(2 * i) / (points + 1))
        No, Do = loss_target_optimum(law, target, t)
        r = cost(N, D, t) / cost(No, Do, t) - 1
        if i in (0, points + 1):
            ends.append(r)
        else:
            worst_inside = max(worst_inside, r)
    assert worst_inside <= max(ends), (target, t_eff, spread, worst_inside, ends)


def law_of(preset):
    return tuple(mpf(c) for c in PRESETS[preset])


def log_uniform(rng, lo_exp, hi_exp):
    return float(10 ** rng.uniform(lo_exp, hi_exp))


def demand(rng):
    """T from 0 to 1e16: 0 now and then, tiny demands (T << D) often enough to test the regret's
    relative accuracy there, otherwise log-uniform."""
    u = rng.random()
    if u < 0.06:
        return 0.0
    if u < 0.2:
        return log_uniform(rng, 0, 6)
    return log_uniform(rng, 6, 16)


def fmt(x):
    return mp.nstr(x, 30, min_fixed=1, max_fixed=0)


def regret_rows(rng):
    rows = []
    for preset in PRESETS:
        law = law_of(preset)
        for i in range(50):
            objective = "usd" if i % 5 == 4 else "flops"
            target = PRESETS[preset][0] + rng.uniform(0.02, 1.5)
            T = demand(rng)
            kind = rng.random()
            if kind < 0.1:
                T_plan = T  # the diagonal: regret 0 exactly
            elif kind < 0.3:
                T_plan = T * (1 + 10 ** rng.uniform(-3, -1))  # a near miss
            else:
                T_plan = demand(rng)
            k_tr, k_inf = coefficients(objective)
            r = regret(law, target, mpf(T_plan) * k_inf / k_tr, mpf(T) * k_inf / k_tr)
            rows.append([preset, objective, repr(target), repr(T_plan), repr(T), fmt(r)])
    return rows


def robust_rows(rng, check_theorem=12):
    rows = []
    checked = 0
    for preset in PRESETS:
        law = law_of(preset)
        for i in range(38):
            objective = "usd" if i % 5 == 4 else "flops"
            target = PRESETS[preset][0] + rng.uniform(0.02, 1.5)
            T = demand(rng)
            u = rng.random()
            spread = 1.0 if u < 0.05 else 1.001 if u < 0.1 else log_uniform(rng, 0, 3)
            k_tr, k_inf = coefficients(objective)
            t_eff = mpf(T) * k_inf / k_tr
            N, D, r = robust(law, target, t_eff, spread)
            if checked < check_theorem and t_eff > 0 and spread > 1:
                check_endpoint_theorem(law, target, t_eff, spread, N)
                checked += 1
            rows.append([preset, objective, repr(target), repr(T), repr(spread), fmt(N), fmt(D), fmt(r)])
    return rows


def energy_rows(rng):
    """Loss-target and budget optima under energy and co2 (SPEC §5.1), from k built here."""
    rows = []
    for preset in PRESETS:
        law = law_of(preset)
        for i in range(16):
            objective = "energy" if i % 2 == 0 else "co2"
            side = (rng.uniform(150, 1200), rng.uniform(1.0, 1.6), rng.uniform(10, 800),
                    rng.uniform(150, 1200), rng.uniform(1.0, 1.6), rng.uniform(10, 800))
            k_tr, k_inf = coefficients(objective, side)
            T = demand(rng)
            t_eff = mpf(T) * k_inf / k_tr
            if i % 4 < 2:
                target = PRESETS[preset][0] + rng.uniform(0.02, 1.5)
                N, D = loss_target_optimum(law, target, t_eff)
                c = k_tr * cost(N, D, t_eff)
                problem, amount, third = "loss_target", target, c
            else:
                flops = log_uniform(rng, 19, 27)  # budget in training-FLOP equivalents
                budget = float(mpf(flops) * k_tr)  # the same in kWh or kg, as a double
                C = mpf(budget) / k_tr
                if C < 10 * (6 + 2 * t_eff):
                    continue  # no model of even 10 parameters: not a meaningful cell
                N, D, third = budget_optimum(law, C, t_eff)
                problem, amount = "budget", budget
            rows.append([preset, objective, problem, *map(repr, side), repr(amount), repr(T),
                         fmt(N), fmt(D), fmt(third)])
    return rows


FILES = {
    "economics_regret.csv": (["preset", "objective", "loss_target", "T_plan", "T", "regret"], regret_rows),
    "economics_robust.csv": (["preset", "objective", "loss_target", "T", "spread", "N", "D", "regret"],
                             robust_rows),
    "economics_energy.csv": (["preset", "objective", "problem", "train_power_w", "train_pue",
                              "train_gco2_per_kwh", "serve_power_w", "serve_pue", "serve_gco2_per_kwh",
                              "amount", "T", "N", "D", "cost_or_loss"], energy_rows),
}
SEED = 20261215


def generate():
    for i, (name, (header, make)) in enumerate(FILES.items()):
        rows = make(random.Random(SEED + i))
        with open(HERE / name, "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)
        print(f"{name}: {len(rows)} rows")


def check(count):
    """Recompute `count` rows of each file from its own inputs and compare every reference digit:
    the committed tables are what this script computes."""
    failures = 0
    for name, (header, _) in FILES.items():
        with open(HERE / name) as f:
            rows = list(csv.DictReader(f))
        pick = random.Random(len(rows)).sample(range(len(rows)), min(count, len(rows)))
        for i in pick:
            row = rows[i]
            law = law_of(row["preset"])
            if name == "economics_regret.csv":
                k_tr, k_inf = coefficients(row["objective"])
                got = [regret(law, float(row["loss_target"]), mpf(row["T_plan"]) * k_inf / k_tr,
                              mpf(row["T"]) * k_inf / k_tr)]
                want = [row["regret"]]
            elif name == "economics_robust.csv":
                k_tr, k_inf = coefficients(row["objective"])
                got = robust(law, float(row["loss_target"]), mpf(row["T"]) * k_inf / k_tr, float(row["spread"]))
                want = [row["N"], row["D"], row["regret"]]
            else:
                side = [float(row[k]) for k in header[3:9]]
                k_tr, k_inf = coefficients(row["objective"], side)
                t_eff = mpf(row["T"]) * k_inf / k_tr
                if row["problem"] == "loss_target":
                    N, D = loss_target_optimum(law, float(row["amount"]), t_eff)
                    got = [N, D, k_tr * cost(N, D, t_eff)]
                else:
                    got = budget_optimum(law, mpf(row["amount"]) / k_tr, t_eff)
                want = [row["N"], row["D"], row["cost_or_loss"]]
            if [fmt(x) for x in got] != want:
                failures += 1
                print(f"{name} row {i}: recomputed {[fmt(x) for x in got]} != stored {want}")
    return failures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", type=int, metavar="ROWS", help="recompute ROWS rows per file")
    args = parser.parse_args()
    if args.check is not None:
        sys.exit(1 if check(args.check) else 0)
    generate()
