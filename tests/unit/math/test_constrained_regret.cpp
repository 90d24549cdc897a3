// Regret and the robust choice under serving constraints (SPEC §5.2, §5.4; docs/economics.md
// §4.5): the robust model against a brute-force long-double minimax over N <= N_max of the largest
// regret over a dense set of demands (which checks where that largest regret is attained without
// assuming it), regret against its definition with long-double constrained optima, and the
// degenerate cells. The 50-digit checks are in tests/e2e/test_unknown_demand.py.
#include "scalesweep/math/constrained_regret.hpp"
#include "scalesweep/math/demand_regret.hpp"
#include "scalesweep/math/serving_constraints.hpp"

#include "plan/presets.hpp"
#include "reference_solvers.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

namespace {

using namespace scalesweep;
using reference::reference_point;

constexpr double required_accuracy = 1e-10; // issue 15's acceptance

double rel(double x, long double ref) {
  if (ref == 0) {
    return x == 0 ? 0 : HUGE_VAL;
  }
  return static_cast<double>(std::fabs((static_cast<long double>(x) - ref) / ref));
}

bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

// A bound of N_max alone (which constraint sets it does not matter to the math).
serving_limit limit_at(double N_max) {
  return {N_max, HUGE_VAL, N_max, std::log(N_max), serving_bound::memory};
}

// The iso-loss curve of one target in long double, from the definitions: D(N) with
// L(N, D) = target, the lifetime cost 6ND + 2NT, and the constrained optimum at a demand (the
// long-double bisection optimum of reference_solvers.hpp, or the model on N = N_max where that
// optimum is larger: the cost is unimodal in ln N along the curve, docs/economics.md §2.2).
struct curve {
  scaling_law law;
  double target;
  long double N_max;

  long double D(long double N) const {
    const long double u = (static_cast<long double>(target) - law.E) -
                          static_cast<long double>(law.A) * std::pow(N, -(long double)law.alpha);
    return u > 0 ? std::pow(static_cast<long double>(law.B) / u, 1 / (long double)law.beta)
                 : HUGE_VALL;
  }
  static long double cost(long double N, long double D, long double t) {
    return 6 * N * D + 2 * N * t;
  }
  reference_point optimum(long double t) const {
    const reference_point o = reference::reference_loss_target(law, target, static_cast<double>(t));
    return o.N > N_max ? reference_point{N_max, D(N_max)} : o;
  }
  long double optimal_cost(long double t) const {
    const reference_point o = optimum(t);
    return cost(o.N, o.D, t);
  }
};

// The largest regret of model N over demands t_j, against the constrained optimal costs there.
struct spread_regrets {
  const curve& c;
  std::vector<long double> demands, best;

  spread_regrets(const curve& cv, long double low, long double s, int points) : c(cv) {
    for (int j = 0; j < points; ++j) {
      const long double t = low * std::pow(s, 2.0L * j / (points - 1));
      demands.push_back(t);
      best.push_back(c.optimal_cost(t));
    }
  }
  long double regret_at(long double N, long double D, std::size_t j) const {
    return curve::cost(N, D, demands[j]) / best[j] - 1;
  }
  long double regret_at(long double N, std::size_t j) const { return regret_at(N, c.D(N), j); }
  long double largest(long double N, std::size_t first = 0, std::size_t skip_last = 0) const {
    const long double D = c.D(N);
    long double worst = -1;
    for (std::size_t j = first; j + skip_last < demands.size(); ++j) {
      worst = std::max(worst, regret_at(N, D, j));
    }
    return worst;
  }
  long double largest_inside(long double N) const { return largest(N, 1, 1); }
};

// Where the cell's N_max lies: above the low end's optimum (the bound touches no reference), in
// between, or below the high end's optimum (it holds both).
enum class bound_case { none, part, all };

// N_max as the unconstrained optimum at a demand drawn below T/s, inside (T/s, T s) or above T s.
long double draw_N_max(const scaling_law& law, double target, double T, double s, bound_case c,
                       double u) {
  const double at = c == bound_case::none   ? T / s * std::pow(s, -0.2 - 1.3 * u)
                    : c == bound_case::part ? T / s * std::pow(s, 2 * (0.05 + 0.9 * u))
                                            : T * s * std::pow(s, 0.2 + 1.3 * u);
  return reference::reference_loss_target(law, target, at).N;
}

// The robust model under the bound against a brute-force minimax: the largest regret over 41
// demands log-spaced over [T/s, T s] (endpoints included; every reference the constrained optimum
// in long double), minimised over ln N <= ln N_max on a grid of 2,001 points and refined by
// golden-section search in the grid's bracket. The function is the maximum of unimodal pieces and
// V-shaped at its minimum, so golden section converges to the kink, to ~1e-19 over the slope
// there in ln N: far below the program's 1e-16-level rounding. Cells cover the three cases of
// docs/economics.md §4.5, 80 each, over the presets, T in [1e10, 1e16], s in [1.26, 100]: the
// regrets are then >= ~1e-8, where the brute force determines the minimiser to ~1e-19 over the
// slope of the regret (~sqrt of it), i.e. ~1e-15 in N; at smaller demands the regret (second
// order in T/D) sinks towards the long-double noise, and those cells are the 50-digit tables'
// (tests/e2e/test_unknown_demand.py). The regrets: 1e-10 relative plus 1e-17 absolute.
// The reference asserts what the proof says, where the largest regret is attained: never inside
// the spread at the minimiser (41 demands; 1e-15 absolute for the long-double rounding).
TEST(ConstrainedRegret, RobustModelMatchesBruteForceMinimax) {
  std::mt19937_64 rng(151);
  std::uniform_real_distribution<double> unit(0, 1);
  double worst_N = 0, worst_D = 0, worst_D_bound = 0, worst_regret = 0, least_regret = HUGE_VAL;
  int counts[3] = {0, 0, 0};
  for (int i = 0; i < 240; ++i) {
    const scaling_law law = law_presets()[static_cast<std::size_t>(i) % law_presets().size()].law;
    const double target = law.E + 0.05 + 1.2 * unit(rng);
    const double T = std::pow(10.0, 10 + 6 * unit(rng));
    const double s = std::pow(10.0, 0.1 + 1.9 * unit(rng));
    const auto which = static_cast<bound_case>(i % 3);
    const double N_max = static_cast<double>(draw_N_max(law, target, T, s, which, unit(rng)));
    const robust_result r = constrained_robust_optimum(law, {1, 1}, limit_at(N_max), target, T, s);
    ASSERT_EQ(r.status, which == bound_case::all ? cell_status::constrained : cell_status::ok)
        << "case " << i % 3 << " T " << T << " s " << s;
    ++counts[i % 3];
    const curve c{law, target, N_max};
    const spread_regrets regrets(c, static_cast<long double>(T) / s, s, 41);
    // Models from 0.5 below the smaller end's constrained optimum (above N_min) to N_max.
    const long double N_min =
        std::pow(static_cast<long double>(law.A) / (target - static_cast<long double>(law.E)),
                 1 / (long double)law.alpha);
    const long double hi = std::log((long double)N_max);
    const long double lo = std::max(std::log(c.optimum(static_cast<long double>(T) * s).N) - 0.5L,
                                    std::log(N_min) + 1e-3L);
    const int points = 2001;
    int best = 0;
    long double best_value = HUGE_VALL;
    for (int j = 0; j < points; ++j) {
      const long double v = regrets.largest(std::exp(lo + (hi - lo) * j / (points - 1)));
      if (v < best_value) {
        best_value = v;
        best = j;
      }
    }
    long double a = lo + (hi - lo) * std::max(best - 1, 0) / (points - 1);
    long double b = lo + (hi - lo) * std::min(best + 1, points - 1) / (points - 1);
    const long double g = (std::sqrt(5.0L) - 1) / 2;
    long double x1 = b - g * (b - a), x2 = a + g * (b - a);
    long double f1 = regrets.largest(std::exp(x1)), f2 = regrets.largest(std::exp(x2));
    for (int it = 0; it < 200 && b - a > 0; ++it) {
      if (f1 <= f2) {
        b = x2;
        x2 = x1;
        f2 = f1;
        x1 = b - g * (b - a);
        f1 = regrets.largest(std::exp(x1));
      } else {
        a = x1;
        x1 = x2;
        f1 = f2;
        x2 = a + g * (b - a);
        f2 = regrets.largest(std::exp(x2));
      }
    }
    // At the bound itself (case all) the minimum is the grid's end: take it exactly.
    const long double x = best == points - 1 && which == bound_case::all ? hi : 0.5L * (a + b);
    const long double N_ref = std::exp(x);
    const long double regret_ref = std::max(regrets.largest(N_ref), 0.0L);
    EXPECT_LE(regrets.largest_inside(N_ref), regret_ref + 1e-15L) << "T " << T << " s " << s;
    const double eN = rel(r.N, N_ref), eD = rel(r.D, c.D(N_ref));
    EXPECT_LE(eN, required_accuracy) << "case " << i % 3 << " T " << T << " s " << s;
    EXPECT_LE(eD, required_accuracy) << "case " << i % 3 << " T " << T << " s " << s;
    EXPECT_LE(r.N, N_max);
    worst_N = std::max(worst_N, eN);
    // D on the bound (case all) is make_loss_target_bound's, whose error is the condition of
    // D(N_max) (docs/economics.md §2.2; ServingConstraints tests it): reported apart.
    (which == bound_case::all ? worst_D_bound : worst_D) =
        std::max(which == bound_case::all ? worst_D_bound : worst_D, eD);
    if (which == bound_case::all) {
      EXPECT_EQ(r.N, N_max);
      EXPECT_EQ(r.regret, 0.0);
    } else {
      EXPECT_LE(std::fabs(r.regret - static_cast<double>(regret_ref)),
                required_accuracy * static_cast<double>(regret_ref) + 1e-17)
          << "regret " << static_cast<double>(regret_ref);
      if (regret_ref >= 1e-6L) { // below, the reference's 1e-19 noise dominates the figure
        worst_regret = std::max(worst_regret, rel(r.regret, regret_ref));
      }
      least_regret = std::min(least_regret, static_cast<double>(regret_ref));
    }
  }
  std::printf("robust under the bound vs brute-force minimax (%d/%d/%d cells): worst rel. error "
              "N %.2e, D %.2e (on the bound %.2e), regret %.2e where >= 1e-6 (least regret %.1e)\n",
              counts[0], counts[1], counts[2], worst_N, worst_D, worst_D_bound, worst_regret,
              least_regret);
}

// Where the largest regret over the spread is attained, under the bound, for any model (not only
// the robust one): the constrained optimal cost is a minimum of affine functions of T over the
// models N <= N_max, hence concave, so cost/optimum is quasi-convex in T (docs/economics.md §4.5)
// and its maximum is at an endpoint. Dense check: 201 demands over the spread, 12 models per cell
// from 0.5 below the high end's optimum to N_max, references constrained in long double; the
// regret never exceeds the larger endpoint inside and turns at most once (1e-15 absolute for the
// rounding where it is flat).
TEST(ConstrainedRegret, LargestRegretOverASpreadIsAtAnEndpoint) {
  std::mt19937_64 rng(152);
  std::uniform_real_distribution<double> unit(0, 1);
  int models = 0;
  for (int i = 0; i < 45; ++i) {
    const scaling_law law = law_presets()[static_cast<std::size_t>(i) % law_presets().size()].law;
    const double target = law.E + 0.05 + 1.2 * unit(rng);
    const double T = std::pow(10.0, 6 + 10 * unit(rng));
    const double s = std::pow(10.0, 0.05 + 2 * unit(rng));
    const auto which = static_cast<bound_case>(i % 3);
    const double N_max = static_cast<double>(draw_N_max(law, target, T, s, which, unit(rng)));
    const curve c{law, target, N_max};
    const spread_regrets regrets(c, static_cast<long double>(T) / s, s, 201);
    const long double ln_hi = std::log((long double)N_max);
    const long double ln_lo = std::log(c.optimum(static_cast<long double>(T) * s).N) - 0.5L;
    for (int m = 0; m < 12; ++m) {
      const long double N = std::exp(ln_lo + (ln_hi - ln_lo) * unit(rng));
      if (!(c.D(N) < HUGE_VALL)) {
        continue;
      }
      long double prev = 0;
      int turns = 0, dir = 0;
      for (std::size_t j = 0; j < regrets.demands.size(); ++j) {
        const long double r = regrets.regret_at(N, j);
        if (j > 0) {
          const int d = r > prev + 1e-15L ? 1 : r < prev - 1e-15L ? -1 : 0;
          turns += d != 0 && dir != 0 && d != dir ? 1 : 0;
          dir = d != 0 ? d : dir;
        }
        prev = r;
      }
      const long double ends =
          std::max(regrets.regret_at(N, 0), regrets.regret_at(N, regrets.demands.size() - 1));
      EXPECT_LE(regrets.largest_inside(N), ends + 1e-15L) << "T " << T << " s " << s;
      EXPECT_LE(turns, 1) << "not quasi-convex: T " << T << " s " << s;
      ++models;
    }
  }
  EXPECT_GT(models, 400);
}

// Regret under the bound from its definition on 12,000 random cells: the plan and the reference
// are the long-double constrained optima at T_plan and T (the bisection optimum, or N_max's model
// where that is larger), the regret their cost ratio at T less 1, in long double; N_max is the
// optimum at a demand drawn over [1e2, 1e17], so the bound holds the plan, the reference, both or
// neither. That reference carries ~1e-18 absolute error, so the bound is 1e-10 relative plus
// 1e-17 absolute (regrets near 0: near misses at small demand, or plans just past the threshold).
// Where both models are on the bound the regret is exactly 0; the status is constrained where
// either is, ok where neither is.
TEST(ConstrainedRegret, RegretMatchesItsDefinitionUnderTheBound) {
  std::mt19937_64 rng(153);
  std::uniform_real_distribution<double> unit(0, 1);
  double worst = 0;
  int kinds[4] = {0, 0, 0, 0}; // neither, plan only, reference only, both on the bound
  for (int i = 0; i < 12000; ++i) {
    const scaling_law law = law_presets()[static_cast<std::size_t>(i) % law_presets().size()].law;
    const double ratio = std::pow(10.0, -3 + 6 * unit(rng));
    const cost_coefficients k =
        i % 2 ? cost_coefficients{1, 1} : cost_coefficients{1e-18, 1e-18 * ratio};
    const double target = law.E + 0.02 + 1.5 * unit(rng);
    const double T = i % 25 == 0 ? 0.0 : std::pow(10.0, 16 * unit(rng));
    const double T_plan = i % 25 == 1  ? 0.0
                          : i % 7 == 0 ? T * (1 + 1e-3 * (unit(rng) - 0.5)) // near misses
                                       : std::pow(10.0, 16 * unit(rng));
    const double N_max = static_cast<double>(
        reference::reference_loss_target(law, target, std::pow(10.0, 2 + 15 * unit(rng))).N);
    const regret_result r = constrained_demand_regret(law, k, limit_at(N_max), target, T_plan, T);
    const curve c{law, target, N_max};
    const long double t = static_cast<long double>(effective_inference_tokens(k, T));
    const reference_point plan = c.optimum(effective_inference_tokens(k, T_plan));
    const reference_point best = c.optimum(t);
    const bool plan_on = plan.N == c.N_max, best_on = best.N == c.N_max;
    ++kinds[(plan_on ? 1 : 0) + (best_on ? 2 : 0)];
    ASSERT_EQ(r.status, plan_on || best_on ? cell_status::constrained : cell_status::ok)
        << "T_plan " << T_plan << " T " << T;
    if (plan_on && best_on) {
      EXPECT_EQ(r.regret, 0.0);
      continue;
    }
    const long double want = curve::cost(plan.N, plan.D, t) / curve::cost(best.N, best.D, t) - 1;
    EXPECT_LE(std::fabs(r.regret - static_cast<double>(want)),
              1e-10 * static_cast<double>(want) + 1e-17)
        << "T_plan " << T_plan << " T " << T << " want " << static_cast<double>(want);
    if (want > 1e-6L) {
      worst = std::max(worst, rel(r.regret, want));
    }
  }
  std::printf("regret under the bound vs long-double definition: worst rel. error %.2e (regrets "
              "> 1e-6); cells: %d free, %d plan on the bound, %d reference on it, %d both\n",
              worst, kinds[0], kinds[1], kinds[2], kinds[3]);
  for (const int n : kinds) {
    EXPECT_GT(n, 500);
  }
}

// The bound's share form (make_loss_target_bound's delta and complement) names the model on the
// bound: back to ln N_max and ln D within a few roundings. Against ln(w/w0) and ln((1 - w)/(1 -
// w0)) from u = R - A N_max^-alpha in long double: the complement within 1e-14 absolute (ln(a/R)
// is formed from logs of sizes up to ~30), delta within that rounding of ln(a/R) magnified by the
// condition (a/R)/w of w = 1 - a/R, the same as D's on the bound (docs/economics.md §2.2): as the
// target approaches the bound's own loss (w -> 0) the share keeps all the accuracy its inputs
// allow, where ln w from ln D (or w from 1 - a/R in double) would lose more.
TEST(ConstrainedRegret, BoundShareFormNamesTheModelOnTheBound) {
  std::mt19937_64 rng(154);
  std::uniform_real_distribution<double> unit(0, 1);
  double worst_point = 0, worst_delta = 0, worst_complement = 0;
  for (int i = 0; i < 4000; ++i) {
    const scaling_law law = law_presets()[static_cast<std::size_t>(i) % law_presets().size()].law;
    const prepared_law p = prepare_law(law);
    const double N_max = std::pow(10.0, 8 + 4 * unit(rng));
    const long double a =
        static_cast<long double>(law.A) * std::pow((long double)N_max, -(long double)law.alpha);
    // Reducible loss from just above the bound's parameter term to far above it.
    const double R = static_cast<double>(a * (1 + std::pow(10.0L, -9 + 9.5 * unit(rng))));
    const double target = law.E + R;
    const loss_target_terms terms = make_loss_target_terms(p, target);
    const loss_target_bound b = make_loss_target_bound(p, terms, limit_at(N_max));
    if (b.status != cell_status::ok) {
      continue; // R rounded onto the bound
    }
    const log_point x = share_point(p, terms.ln_R, b.delta, b.complement);
    worst_point = std::max({worst_point, std::fabs(x.ln_N - std::log(N_max)) / std::log(N_max),
                            std::fabs(x.ln_D - std::log(b.D)) / std::log(b.D)});
    const long double Rl = static_cast<long double>(target) - law.E;
    const long double w = (Rl - a) / Rl;
    const long double w0 = static_cast<long double>(law.alpha) / (law.alpha + law.beta);
    const long double delta = std::log(w / w0), complement = std::log((1 - w) / (1 - w0));
    // Absolute errors over the allowance (<= 1 passes).
    worst_delta = std::max(worst_delta, static_cast<double>(std::fabs(b.delta - delta) /
                                                            (1e-14L * (1 + (1 - w) / w))));
    worst_complement = std::max(worst_complement,
                                static_cast<double>(std::fabs(b.complement - complement) / 1e-14L));
  }
  std::printf("bound share form: ln N, ln D %.2e relative; delta and complement at %.2f and %.2f "
              "of their allowances\n",
              worst_point, worst_delta, worst_complement);
  EXPECT_LE(worst_point, 1e-14);
  EXPECT_LE(worst_delta, 1.0);
  EXPECT_LE(worst_complement, 1.0);
}

// Without a binding bound the answers are the unconstrained cells bit for bit; infeasible targets
// under the bound give NaN with status infeasible; the degenerate spreads and demands give the
// constrained optimum with regret 0.
TEST(ConstrainedRegret, DegenerateAndUnboundCells) {
  std::mt19937_64 rng(155);
  std::uniform_real_distribution<double> unit(0, 1);
  for (int i = 0; i < 2000; ++i) {
    const scaling_law law = law_presets()[static_cast<std::size_t>(i) % law_presets().size()].law;
    const double target = law.E + 0.02 + 1.5 * unit(rng);
    const double T = i % 20 == 0 ? 0.0 : std::pow(10.0, 16 * unit(rng));
    const double T_plan = std::pow(10.0, 16 * unit(rng));
    const double s = std::pow(10.0, 2 * unit(rng));
    // No bound at all, and a bound far above every optimum of the cell (it never binds).
    for (const serving_limit& limit : {no_serving_limit(), limit_at(1e30)}) {
      const robust_result a = constrained_robust_optimum(law, {1, 1}, limit, target, T, s);
      const robust_result b = robust_optimum(law, {1, 1}, target, T, s);
      EXPECT_EQ(a.status, b.status);
      EXPECT_TRUE(same_bits(a.N, b.N) && same_bits(a.D, b.D) && same_bits(a.regret, b.regret));
      const regret_result x = constrained_demand_regret(law, {1, 1}, limit, target, T_plan, T);
      const regret_result y = demand_regret(law, {1, 1}, target, T_plan, T);
      EXPECT_EQ(x.status, y.status);
      EXPECT_TRUE(same_bits(x.regret, y.regret));
    }
  }
  const scaling_law law = find_law_preset("sardana2024")->law;
  const double target = 2.1;
  const double N_c = make_loss_target_terms(prepare_law(law), target).chinchilla_N;
  // A bound below Chinchilla's model binds at T = 0: the robust model at T = 0 and any spread,
  // and at s = 1 wherever the bound binds, is the model on the bound with regret 0.
  const serving_limit tight = limit_at(0.5 * N_c);
  const loss_target_result on_bound =
      constrained_loss_target_optimum(law, {1, 1}, tight, target, 0.0).optimum;
  ASSERT_EQ(on_bound.status, cell_status::constrained);
  for (const auto& [T, s] : {std::pair{0.0, 100.0}, std::pair{1e3, 1.0}}) {
    const robust_result r = constrained_robust_optimum(law, {1, 1}, tight, target, T, s);
    EXPECT_EQ(r.status, cell_status::constrained);
    EXPECT_EQ(r.N, 0.5 * N_c);
    EXPECT_EQ(r.D, on_bound.D);
    EXPECT_EQ(r.regret, 0.0);
  }
  // s = 1 where the bound does not bind: the free optimum, regret 0.
  const robust_result free = constrained_robust_optimum(law, {1, 1}, tight, target, 1e16, 1.0);
  EXPECT_EQ(free.status, cell_status::ok);
  EXPECT_LT(free.N, 0.5 * N_c);
  EXPECT_EQ(free.regret, 0.0);
  // A target no model under N_max reaches: every regret and robust cell infeasible, NaN.
  const double below = law.E + 0.9 * law.A * std::pow(0.5 * N_c, -law.alpha);
  const robust_result r = constrained_robust_optimum(law, {1, 1}, tight, below, 1e12, 10);
  EXPECT_EQ(r.status, cell_status::infeasible);
  EXPECT_TRUE(std::isnan(r.N) && std::isnan(r.D) && std::isnan(r.regret));
  const regret_result x = constrained_demand_regret(law, {1, 1}, tight, below, 1e10, 1e12);
  EXPECT_EQ(x.status, cell_status::infeasible);
  EXPECT_TRUE(std::isnan(x.regret));
  // Plan and reference both on the bound: exactly 0.
  const regret_result both = constrained_demand_regret(law, {1, 1}, tight, target, 1e3, 1e5);
  EXPECT_EQ(both.status, cell_status::constrained);
  EXPECT_EQ(both.regret, 0.0);
  // Bad inputs stay statuses.
  EXPECT_EQ(constrained_robust_optimum(law, {1, 1}, tight, target, 1e12, 0.5).status,
            cell_status::invalid_input);
  EXPECT_EQ(constrained_robust_optimum(law, {1, 1}, tight, target, -1.0, 10).status,
            cell_status::invalid_input);
  EXPECT_EQ(constrained_robust_optimum(law, {1, 1}, tight, law.E - 0.1, 1e12, 10).status,
            cell_status::infeasible);
}

} // namespace
