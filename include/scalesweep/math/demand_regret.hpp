// Unknown demand (SPEC §5.4): the regret of planning a loss-target model for one demand when the
// demand turns out another, and the robust model that minimises the largest regret over a spread
// of demands [T/s, T s]. Proofs (where the largest regret is attained, why the robust model
// equalises the two endpoint regrets, the closed form used here) are in docs/economics.md §4.
#pragma once

#include "scalesweep/math/cost_model.hpp"
#include "scalesweep/math/demand.hpp"
#include "scalesweep/math/host_device.hpp"
#include "scalesweep/math/law.hpp"
#include "scalesweep/math/log_math.hpp"
#include "scalesweep/math/loss_target_optimum.hpp"
#include "scalesweep/math/real_ops.hpp"
#include "scalesweep/math/root_finding.hpp"
#include "scalesweep/math/status.hpp"

#include <cmath>
#include <type_traits>

namespace scalesweep {

// ---- Models of one loss, named by their data share --------------------------------------------
//
// A model on the iso-loss curve L = E + R is named by its data share w = B D^-beta / R, here as
// its deviation from Chinchilla's share w0 = alpha/(alpha+beta): delta = ln(w/w0), 0 at T = 0 and
// negative for T > 0. Ratios of two models' N and D need only differences of delta and of
// ln(1 - w), so regrets are computed from numbers of the size of those differences: a regret
// between two small demands (T << D, delta ~ -T/(3D)) keeps its relative accuracy, where
// differences of ln N, ln D or even of s = ln w (numbers near 1 to 30) would lose it to rounding.

// ln((1 - w)/(1 - w0)) of any model: w0/(1 - w0) = alpha/beta, so
// 1 - w = (1 - w0)(1 - (alpha/beta) expm1(delta)).
template <class Real>
SCALESWEEP_HD Real complement_of(const prepared_law& p, Real delta) {
  return log1p_of(-(p.law.alpha * p.inv_beta) * expm1_of(delta));
}

// The model (ln N, ln D) of a share deviation and its complement.
template <class Real>
SCALESWEEP_HD log_point_of<Real> share_point(const prepared_law& p, Real ln_R, Real delta,
                                             Real complement) {
  return iso_loss_point(p, ln_R, p.chinchilla_ln_data_share + delta,
                        p.chinchilla_ln_parameter_share + complement);
}

// A loss-target optimum as the regret formulas need it, computed once per optimum.
template <class Real>
struct optimum_share {
  Real delta;       // ln(w*/w0)
  Real complement;  // ln((1 - w*)/(1 - w0))
  Real q;           // training share of its lifetime cost, 3D/(3D + T)
  Real one_minus_q; // serving share, T/(3D + T), without the cancellation of 1 - q
};

// At a root of the share condition below, delta = -softplus(z) gives e^z = expm1(-delta), and
// T/(3D) = ((alpha + beta)/beta) e^z =: v (docs/economics.md §4.1), so q = 1/(1 + v),
// 1 - q = v/(1 + v), and ln q = delta - complement (first-order condition, q = (beta/alpha)
// w/(1 - w)) gives the complement as delta + log1p(v): two elementary functions for all four.
// The complement (one log1p) is left NaN where with_complement is false: the high end of a
// robust cell needs only q.
template <class Real>
SCALESWEEP_HD optimum_share<Real> optimum_share_of(const prepared_law& p, Real delta,
                                                   bool with_complement = true) {
  const Real v = ((p.law.alpha + p.law.beta) * p.inv_beta) * expm1_of(-delta);
  const Real inv = 1.0 / (1.0 + v);
  return {delta, with_complement ? delta + log1p_of(v) : Real(NAN), inv, v * inv};
}

// ---- The loss-target optimum as a deviation from Chinchilla's share ---------------------------
//
// loss_target_optimum.hpp solves phi(s) = ln((alpha+beta) e^s + beta tau e^(k s)) - ln alpha = 0
// for s = ln w. With s = s0 + delta, s0 = ln w0, (alpha+beta) e^s0 = alpha and k - 1 = 1/beta:
//   g(delta) = delta + softplus(ln eps + delta/beta),   ln eps = ln(beta tau) + k s0 - ln alpha,
// the same equation (docs/economics.md eq. 4.1), increasing (g' = 1 + sigma/beta) and convex. Its
// root is about -eps for small demand and is then found to full relative precision, which s,
// whose rounding is 1e-16 absolute, cannot carry. The bracket is setup_loss_target's, shifted by
// s0: in g = ln(e^delta + eps e^(k delta)) each term alone must stay below 1, so the root lies
// left of both one-term roots 0 and -ln(eps)/k (g > 0 at both), and where each term is at most
// 1/2, g <= 0. The start is the right end (0 for small demand, keeping the relative precision):
// right of the root of a convex increasing function, Halley's and Newton's steps approach it
// monotonically, in at most 4 steps over every preset and T up to 1e16 (test_demand_regret).

// softplus(z) = ln(1 + e^z) to a few ulp relative also where it is tiny (z << 0): log1p where
// log_math.hpp's softplus_and_sigmoid takes the cheaper log (1e-16 absolute suffices there, not
// here, where g's root is about -softplus(ln eps) itself). The weight is the logistic sigma(z).
template <class Real>
SCALESWEEP_HD log_sum_exp_result<Real> precise_softplus(Real z) {
  const Real e = exp_of(-abs_of(z));
  const Real one_plus_e = 1.0 + e;
  return {max_of(z, Real(0.0)) + log1p_of(e), select(z >= 0.0, Real(1.0), e) / one_plus_e};
}

template <class Real>
struct share_deviation_condition {
  Real ln_eps;
  double inv_beta;

  SCALESWEEP_HD root_eval<Real> operator()(Real delta) const {
    const log_sum_exp_result<Real> sp = precise_softplus(ln_eps + inv_beta * delta);
    const Real sigma = sp.weight_of_second;
    return {delta + sp.value, 1.0 + inv_beta * sigma, inv_beta * inv_beta * sigma * (1.0 - sigma)};
  }
};

template <class Real>
struct share_deviation_setup {
  share_deviation_condition<Real> condition;
  root_state<Real> start;
};

template <class Real>
SCALESWEEP_HD share_deviation_setup<Real> setup_share_deviation(const prepared_law& p, Real ln_R,
                                                                Real ln_t_eff) {
  // ln(beta tau) as in setup_loss_target, tau = (T/3)(R/B)^(1/beta)
  const Real ln_beta_tau = p.ln_beta + (ln_t_eff - ln_3) + (ln_R - p.ln_B) * p.inv_beta;
  const share_deviation_condition<Real> g{
      ln_beta_tau + p.data_power * p.chinchilla_ln_data_share - p.ln_alpha, p.inv_beta};
  const double k = p.data_power;
  const Real one_term_root = -g.ln_eps * (1.0 / k);
  const Real hi = min_of(Real(0.0), one_term_root);
  const Real lo = min_of(Real(-ln_2), one_term_root - ln_2 / k);
  return {g, {hi, lo, hi, no_lanes<Real>()}};
}

struct share_solution {
  double delta; // ln(w*/w0) of the optimum; NaN unless status is ok
  cell_status status;
  int iterations;
};

// The optimum of a loss-target cell as a share deviation (FLOP units at the effective demand of
// d). N and D of the point need not be in double range: regret is a ratio of two such models.
SCALESWEEP_HD share_solution solve_share_deviation(const prepared_law& p,
                                                   const loss_target_terms& target,
                                                   const demand& d) {
  if (target.status != cell_status::ok) {
    return {NAN, target.status, 0};
  }
  if (!d.valid) {
    return {NAN, cell_status::invalid_input, 0};
  }
  if (!(d.t_eff > 0)) {
    return {0.0, cell_status::ok, 0};
  }
  const share_deviation_setup<double> setup = setup_share_deviation(p, target.ln_R, d.ln_t_eff);
  const root_result root =
      safeguarded_root(setup.condition, setup.start.lo, setup.start.hi, setup.start.x);
  if (!root.converged) {
    return {NAN, cell_status::not_converged, root.iterations};
  }
  return {root.x, cell_status::ok, root.iterations};
}

// ---- Regret ------------------------------------------------------------------------------------

// expm1(x) - x = x^2/2! + x^3/3! + ... and log1p(m) - m = -m^2/2 + m^3/3 - ..., by their series
// for |x|, |m| < series_radius: to x^9/9! and m^13/13, where the first term left out is below
// 2.2e-17 and 3.5e-17 of the sum at the radius (2 r^8/10! and 2 r^12/14). Each is x^2 times a
// polynomial evaluated by Estrin's scheme (pairs, pairs of pairs, ...): three or four dependent
// multiply-adds where Horner's rule takes seven or eleven, which is what the regret grid's
// share-form cells wait on (docs/benchmarks.md). The radius 0.05 leaves 4 % of those cells to
// expm1/log1p, where 0.01 left a third (the benchmark's cube).
inline constexpr double series_radius = 0.05;

template <class Real>
SCALESWEEP_HD Real expm1_less_identity_series(Real x) {
  // x^2 (1/2! + x/3! + x^2/4! + ... + x^7/9!)
  const Real x2 = x * x;
  const Real low = (1.0 / 2 + x * (1.0 / 6)) + x2 * (1.0 / 24 + x * (1.0 / 120));
  const Real high = (1.0 / 720 + x * (1.0 / 5040)) + x2 * (1.0 / 40320 + x * (1.0 / 362880));
  return x2 * (low + (x2 * x2) * high);
}

template <class Real>
SCALESWEEP_HD Real log1p_less_identity_series(Real m) {
  // -m^2 (1/2 - m/3 + m^2/4 - ... - m^11/13)
  const Real m2 = m * m;
  const Real m4 = m2 * m2;
  const Real first = (1.0 / 2 - m * (1.0 / 3)) + m2 * (1.0 / 4 - m * (1.0 / 5));
  const Real second = (1.0 / 6 - m * (1.0 / 7)) + m2 * (1.0 / 8 - m * (1.0 / 9));
  const Real third = (1.0 / 10 - m * (1.0 / 11)) + m2 * (1.0 / 12 - m * (1.0 / 13));
  return -m2 * ((first + m4 * second) + (m4 * m4) * third);
}

// The same given e = expm1(x) and l = log1p(m), at every argument: the series inside the radius,
// above it the difference, which then loses at most a factor ~40 (2/r: 4.4e-15 relative at 0.05).
// Scalar code skips the series it does not use; SIMD lanes compute both and select.
// (bernoulli_curvature below evaluates its near-zero series first, in scalar code too.)
template <class Real>
SCALESWEEP_HD Real expm1_minus_identity(Real x, Real e) {
  const Real difference = e - x;
  if constexpr (std::is_same_v<Real, double>) {
    if (!(abs_of(x) < series_radius)) {
      return difference;
    }
  }
  return select(abs_of(x) < series_radius, expm1_less_identity_series(x), difference);
}

template <class Real>
SCALESWEEP_HD Real log1p_minus_identity(Real m, Real l) {
  const Real difference = l - m;
  if constexpr (std::is_same_v<Real, double>) {
    if (!(abs_of(m) < series_radius)) {
      return difference;
    }
  }
  return select(abs_of(m) < series_radius, log1p_less_identity_series(m), difference);
}

// expm1(x), by its series where |x| < series_radius, which is several times cheaper than the
// library's and as accurate (the series' error is below 5e-17 relative). Chosen per lane (a lane's
// value never depends on its neighbours); a pack whose lanes are all near zero skips the library.
template <class Real>
SCALESWEEP_HD Real expm1_near_zero(Real x) {
  const auto near = abs_of(x) < series_radius;
  const Real by_series = x + expm1_less_identity_series(x);
  if (all_lanes(near)) {
    return by_series;
  }
  return select(near, by_series, expm1_of(x));
}

// Phi_c(x) = ln(1 + c (e^x - 1)) - c x, a Bernoulli(c) cumulant generating function less its
// linear term (c(1-c) x^2/2 + O(x^3)), for c <= 1/2, to ~1e-13 relative for all x, from one
// expm1 and one log1p. Small |x| would cancel the two terms, so it is split into
// [log1p(m) - m] + c [expm1(x) - x], m = c expm1(x). For c <= 0 the two parts share their sign;
// for 0 < c <= 1/2 they cancel by at most a factor 2 (small x) to ~5 (|x| ~ 1); beyond |x| = 1
// the plain difference is the stable form. Also returns log1p(m), which callers reuse.
template <class Real>
struct curvature_result {
  Real value;     // Phi_c(x)
  Real log1p_cem; // ln(1 + c expm1(x))
};

template <class Real>
SCALESWEEP_HD curvature_result<Real> bernoulli_curvature(Real c, Real x) {
  // Where |x| and |m| are inside the series' radius, the split from the two series alone, with no
  // elementary function: the regret grid's cells near its diagonal. Chosen per lane, so that a
  // lane's value never depends on its neighbours in a pack (results independent of tiling); a
  // pack whose lanes are all near skips the library functions.
  const Real e_less_x_near = expm1_less_identity_series(x);
  const Real m_near = c * (x + e_less_x_near);
  const Real l_less_m_near = log1p_less_identity_series(m_near);
  const auto near = both(abs_of(x) < series_radius, abs_of(m_near) < series_radius);
  const curvature_result<Real> by_series{l_less_m_near + c * e_less_x_near, m_near + l_less_m_near};
  if (all_lanes(near)) {
    return by_series;
  }
  const Real e = expm1_of(x);
  const Real m = c * e;
  const Real l = log1p_of(m);
  const Real split = log1p_minus_identity(m, l) + c * expm1_minus_identity(x, e);
  const Real value = select(either(c <= 0.0, abs_of(x) < 1.0), split, l - c * x);
  return {select(near, by_series.value, value), select(near, by_series.log1p_cem, l)};
}

// ln(cost(plan; T) / cost(best; T)) for `best` the loss-target optimum at the (effective) demand T
// and `plan` any model of the same loss (its share deviation). With c = 2N(3D + T) and q the
// optimum's training share,
//   c(plan)/c(best) = (N_p/N*) [1 + q (D_p/D* - 1)],
//   N_p/N* = [1 - k (e^d - 1)]^(-1/alpha),  D_p/D* = e^(-d/beta),  d = delta_p - delta*,
// k = w*/(1 - w*) = (alpha/beta) q: the ratio depends on the two shares and the exponents alone,
// not on T, A, B or R (docs/economics.md eqs. 4.2-4.3). Its two logs are -k d/alpha and +q d/beta
// = k d/alpha to first order (the optimum's first-order condition), so their sum, second order in
// d, is formed as two second-order parts that are both >= 0 and carry no cancellation:
//   ln(c_p/c*) = -Phi_{-k}(d)/alpha + Phi_q(-d/beta),   Phi_q(y) = Phi_{1-q}(-y)
// (eq. 4.4; the second with 1 - q where q > 1/2, as q -> 1 at small T). The result is as accurate
// as d itself: ~1e-15 relative for every pair of demands. Also returns the plan's complement
// less the optimum's, ln((1 - w_p)/(1 - w*)), a by-product.
template <class Real>
struct cost_ratio_result {
  Real log_ratio;
  Real complement_difference;
};

// The two second-order parts for a reference model of share odds k = w/(1 - w) and training
// share q (1 - q given apart) at the demand, and d = delta_plan - delta_model: what the log of
// the ratio is less its first-order term d (k/alpha - q/beta), which the optimum's condition
// makes 0 (log_cost_ratio) and a model held by a serving bound does not (constrained_regret.hpp).
template <class Real>
SCALESWEEP_HD cost_ratio_result<Real> log_cost_ratio_parts(const prepared_law& p, Real d, Real k,
                                                           Real q, Real one_minus_q) {
  const curvature_result<Real> parameter_part = bernoulli_curvature(-k, d);
  const Real y = -d * p.inv_beta;
  const auto small_q = q <= 0.5;
  const curvature_result<Real> data_part =
      bernoulli_curvature(select(small_q, q, one_minus_q), select(small_q, y, -y));
  return {data_part.value - parameter_part.value * p.inv_alpha, parameter_part.log1p_cem};
}

template <class Real>
SCALESWEEP_HD cost_ratio_result<Real> log_cost_ratio(const prepared_law& p, Real plan_delta,
                                                     const optimum_share<Real>& best) {
  return log_cost_ratio_parts(p, plan_delta - best.delta, (p.law.alpha * p.inv_beta) * best.q,
                              best.q, best.one_minus_q);
}

// regret = cost(plan; T)/cost*(T) - 1 >= 0 (SPEC §5.4). It is >= 0 exactly; the max removes a
// negative rounding of a regret within a few ulp of 0.
template <class Real>
SCALESWEEP_HD Real regret_of(const prepared_law& p, Real plan_delta,
                             const optimum_share<Real>& best) {
  return max_of(expm1_near_zero(log_cost_ratio(p, plan_delta, best).log_ratio), Real(0.0));
}

// A model's cost at a demand, in units of 2 k_tr FLOPs: N (3D + t_eff). Regret compares two of
// them at one demand, so the units cancel.
template <class Real>
SCALESWEEP_HD Real model_cost(Real N, Real D, Real t_eff) {
  return N * (3.0 * D + t_eff);
}

// The same regret from the plan model and the optimum's cost at the demand:
// N_p (3D_p + T)/cost* - 1, one division and no elementary function, for dense grids (the
// optimum's cost is made once per (hardware, T, target), regret_model_columns). N and D carry
// ~1e-15 relative error (exp of their logs), so this regret is within ~4e-15 absolute: relative
// 1e-10 only from a regret of ~4e-5 up; below regret_ratio_floor the share form takes over.
template <class Real>
SCALESWEEP_HD Real regret_from_models(Real plan_N, Real plan_D, Real best_cost, Real t_eff) {
  return model_cost(plan_N, plan_D, t_eff) / best_cost - 1.0;
}

// The smallest regret the ratio form gives (regret_cell): ~4e-12 relative there.
inline constexpr double regret_ratio_floor = 1e-3;

// Whether a ratio-form regret stands: at or above the floor, and finite (a cost that overflows,
// for models near the law's limits, leaves the cell to the share form, which works in logs; NaN,
// a model that is not ok, fails both). The one test every regret path uses.
SCALESWEEP_HD bool ratio_form_holds(double ratio) {
  return (ratio >= regret_ratio_floor) & (ratio < HUGE_VAL);
}

// One loss-target optimum as dense regret cells read it, made once per (hardware, T, target) and
// reused along T_plan and T: no root per regret cell. Under a serving bound the optimum may be
// the model on the bound (constrained_regret.hpp), which is no stationary point: its share odds
// k and the slope of ln cost in delta are then its own, not those of the optimum's condition.
struct regret_optimum {
  optimum_share<double> share;
  double k;     // w/(1 - w): (alpha/beta) q at an optimum
  double slope; // d ln cost / d delta at the model and demand: 0 at an optimum
  double N;
  double D;
  cell_status status; // ok, constrained (on the bound), or why there is no optimum
};

SCALESWEEP_HD regret_optimum make_regret_optimum(const prepared_law& p,
                                                 const loss_target_terms& target,
                                                 const share_solution& s) {
  if (s.status != cell_status::ok) {
    return {{NAN, NAN, NAN, NAN}, NAN, NAN, NAN, NAN, s.status};
  }
  const optimum_share<double> share = optimum_share_of(p, s.delta);
  const double k = (p.law.alpha * p.inv_beta) * share.q;
  const log_point x = share_point(p, target.ln_R, share.delta, share.complement);
  if (!in_double_range(x.ln_N) || !in_double_range(x.ln_D)) {
    return {share, k, 0.0, NAN, NAN, cell_status::out_of_range};
  }
  return {share, k, 0.0, std::exp(x.ln_N), std::exp(x.ln_D), cell_status::ok};
}

struct regret_result {
  double regret;
  cell_status status;
};

// A dense regret cell (hardware, T_plan, T, loss_target): the division of regret_from_models,
// and the share form where that leaves a regret below regret_ratio_floor (near the diagonal at
// small demand), so every cell is within ~4e-12 relative. Regret is unit-free: optima at T_eff
// serve every objective, t_eff being the actual demand's.
SCALESWEEP_HD regret_result regret_cell(const prepared_law& p, const regret_optimum& plan,
                                        const regret_optimum& actual, double t_eff) {
  if (plan.status != cell_status::ok) {
    return {NAN, plan.status};
  }
  if (actual.status != cell_status::ok) {
    return {NAN, actual.status};
  }
  const double fast =
      regret_from_models(plan.N, plan.D, model_cost(actual.N, actual.D, t_eff), t_eff);
  if (ratio_form_holds(fast)) {
    return {fast, cell_status::ok};
  }
  return {regret_of(p, plan.share.delta, actual.share), cell_status::ok};
}

// One cell from plain numbers (tests, a later `eval`): both optima solved here.
SCALESWEEP_HD regret_result demand_regret(const scaling_law& law, const cost_coefficients& k,
                                          double loss_target, double T_plan, double T) {
  const prepared_law p = prepare_law(law);
  const hardware_terms h = make_hardware_terms(k);
  const loss_target_terms target = make_loss_target_terms(p, loss_target);
  const demand actual = make_demand(h, T, demand_log(T));
  const demand plan = make_demand(h, T_plan, demand_log(T_plan));
  return regret_cell(p, make_regret_optimum(p, target, solve_share_deviation(p, target, plan)),
                     make_regret_optimum(p, target, solve_share_deviation(p, target, actual)),
                     actual.t_eff);
}

// ---- The robust choice -------------------------------------------------------------------------

// A spread factor s >= 1 of the `spread` axis and its log, computed once per axis value.
struct spread_terms {
  double factor;
  double ln_factor;
  bool valid; // finite and >= 1
};

SCALESWEEP_HD spread_terms make_spread_terms(double factor) {
  const bool valid = std::isfinite(factor) && factor >= 1.0;
  return {factor, valid ? std::log(factor) : NAN, valid};
}

// The demand T scaled by factor (up) or 1/factor: T, T_eff and ln T_eff move together.
SCALESWEEP_HD demand scaled_demand(const demand& d, const spread_terms& s, bool up) {
  demand out = d;
  out.T = up ? d.T * s.factor : d.T / s.factor;
  out.t_eff = up ? d.t_eff * s.factor : d.t_eff / s.factor;
  out.ln_t_eff = up ? d.ln_t_eff + s.ln_factor : d.ln_t_eff - s.ln_factor;
  return out;
}

// The robust model from the optima at the two ends of the spread: `high` at T s (the smaller
// share) and `low` at T/s. The largest regret over [T/s, T s] of a model of the curve is the
// larger of its two endpoint regrets (its cost is affine in T, c*(T) concave: the ratio is
// quasi-convex in T), one falling and one rising between the two optima, so the minimax model
// equalises them. Their ratio drops N and leaves (3D + T s)/(3D + T/s) = c*(T s)/c*(T/s) = rho,
// whose root is, counted from the low end,
//   3D_r = 3D_low + (3D_low + T/s) R_1 rho/(rho - 1),   R_1 = regret of `low` at T s,
// and with 3D_low + T/s = 3D_low / q_low and ln D = (ln B - ln R - ln w)/beta:
//   delta_r = delta_low - beta ln(1 + R_1 rho / ((rho - 1) q_low)),
//   ln rho = (1 - 1/alpha)(ln(1 - w_high) - ln(1 - w_low)) - (1 + 1/beta)(delta_high - delta_low)
// (docs/economics.md eqs. 4.5-4.8). R_1 and rho - 1 are second and first order in the distance of
// the two shares and each has a relative error of ~1e-16 over that distance, so the correction to
// delta_low is accurate to ~1e-16 absolute however close the ends are: no third root-finding.
// The largest regret is then that of the robust model at T/s (equal to the one at T s).
template <class Real>
struct robust_share {
  Real delta;      // ln(w_r/w0)
  Real complement; // ln((1 - w_r)/(1 - w0))
  Real regret;     // its regret at either end
};

template <class Real>
SCALESWEEP_HD robust_share<Real> robust_share_of(const prepared_law& p,
                                                 const optimum_share<Real>& high,
                                                 const optimum_share<Real>& low) {
  const cost_ratio_result<Real> low_at_high = log_cost_ratio(p, low.delta, high);
  const Real R1 = expm1_of(low_at_high.log_ratio);
  // ln(1 - w_high) - ln(1 - w_low) is minus the by-product of that ratio.
  const Real ln_rho = -(1.0 - p.inv_alpha) * low_at_high.complement_difference -
                      (1.0 + p.inv_beta) * (high.delta - low.delta);
  const Real rho_over_rho_minus_1 = -1.0 / expm1_of(-ln_rho);
  const Real delta_r = low.delta - p.law.beta * log1p_of(R1 * rho_over_rho_minus_1 / low.q);
  // Inside [delta_high, delta_low] exactly; the clamp absorbs rounding, and the select the 0/0 of
  // equal ends (spread 1, or a demand so small that both ends round to one share).
  const auto apart = high.delta < low.delta;
  const Real r = select(apart, max_of(min_of(delta_r, low.delta), high.delta), low.delta);
  const cost_ratio_result<Real> r_at_low = log_cost_ratio(p, r, low);
  return {r, low.complement + r_at_low.complement_difference,
          select(apart, max_of(expm1_of(r_at_low.log_ratio), Real(0.0)), Real(0.0))};
}

struct robust_result {
  double N;
  double D;
  double regret; // the largest regret over [T/s, T s]: the endpoint regrets, equal at the optimum
  cell_status status;
  int iterations; // root-finder steps of the two endpoint optima together
};

// Whether robust_cell_result below solves both endpoint roots: what the CPU's SIMD lanes take
// (every other cell has its answer without a root and goes through the scalar cell).
SCALESWEEP_HD bool robust_needs_roots(const loss_target_terms& target, const demand& d,
                                      const spread_terms& spread) {
  if (target.status != cell_status::ok || !d.valid || !spread.valid) {
    return false;
  }
  const demand up = scaled_demand(d, spread, true);
  return up.t_eff < HUGE_VAL && up.T < HUGE_VAL && scaled_demand(d, spread, false).t_eff > 0;
}

// The robust cell's result from its model (ln N, ln D, and N, D their exps) and largest regret,
// for callers that computed them elsewhere (SIMD lanes): what robust_cell_result returns.
SCALESWEEP_HD robust_result robust_result_of(double ln_N, double ln_D, double N, double D,
                                             double regret, int iterations) {
  if (!in_double_range(ln_N) || !in_double_range(ln_D)) {
    return {NAN, NAN, NAN, cell_status::out_of_range, iterations};
  }
  return {N, D, regret, cell_status::ok, iterations};
}

// One robust cell (hardware, spread, T, loss_target): two roots at T/s and T s and the closed
// form above. T = 0 and s = 1 give the point optimum with regret 0 through the same formulas.
SCALESWEEP_HD robust_result robust_cell_result(const prepared_law& p, const demand& d,
                                               const loss_target_terms& target,
                                               const spread_terms& spread) {
  if (target.status != cell_status::ok) {
    return {NAN, NAN, NAN, target.status, 0};
  }
  if (!d.valid || !spread.valid) {
    return {NAN, NAN, NAN, cell_status::invalid_input, 0};
  }
  const demand up = scaled_demand(d, spread, true);
  if (!(up.t_eff < HUGE_VAL) || !(up.T < HUGE_VAL)) {
    return {NAN, NAN, NAN, cell_status::out_of_range, 0};
  }
  const share_solution high = solve_share_deviation(p, target, up);
  const share_solution low = solve_share_deviation(p, target, scaled_demand(d, spread, false));
  const int iterations = high.iterations + low.iterations;
  if (high.status != cell_status::ok || low.status != cell_status::ok) {
    return {NAN, NAN, NAN, high.status != cell_status::ok ? high.status : low.status, iterations};
  }
  const robust_share<double> r =
      robust_share_of(p, optimum_share_of(p, high.delta, false), optimum_share_of(p, low.delta));
  const log_point point = share_point(p, target.ln_R, r.delta, r.complement);
  return robust_result_of(point.ln_N, point.ln_D, std::exp(point.ln_N), std::exp(point.ln_D),
                          r.regret, iterations);
}

// One cell from plain numbers (tests, a later `eval`).
SCALESWEEP_HD robust_result robust_optimum(const scaling_law& law, const cost_coefficients& k,
                                           double loss_target, double T, double spread) {
  const prepared_law p = prepare_law(law);
  const hardware_terms h = make_hardware_terms(k);
  return robust_cell_result(p, make_demand(h, T, demand_log(T)),
                            make_loss_target_terms(p, loss_target), make_spread_terms(spread));
}

} // namespace scalesweep
