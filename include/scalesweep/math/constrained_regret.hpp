// Regret and the robust choice under serving constraints (SPEC §5.2, §5.4): the plan and the
// reference of a regret, and the references of a robust cell, are the constrained loss-target
// optima (N <= N_max), and the robust model itself keeps N <= N_max. Shared by the CPU (scalar
// and SIMD-lane paths) and the CUDA kernels; the derivation, the three cases of the robust cell
// and where the largest regret over a spread is attained are in docs/economics.md §4.5.
#pragma once

#include "scalesweep/math/demand.hpp"
#include "scalesweep/math/demand_regret.hpp"
#include "scalesweep/math/host_device.hpp"
#include "scalesweep/math/law.hpp"
#include "scalesweep/math/loss_target_optimum.hpp"
#include "scalesweep/math/serving_constraints.hpp"
#include "scalesweep/math/status.hpp"

#include <cmath>

namespace scalesweep {

// ---- The model on the bound as a reference ------------------------------------------------------
//
// Where the bound binds (t_eff below the bound's threshold theta, the implied demand of the model
// on N = N_max: serving_constraints.hpp), the constrained optimum is that model, which is no
// stationary point of the cost along the curve: the first-order term of a cost ratio against it
// does not vanish. With c = 2N(3D + T) and the model's training share q = 3D/(3D + T) and share
// odds k = w/(1 - w), the slope of ln c in delta (the share deviation) is
//   k/alpha - q/beta = (q/beta) (T - theta)/(3D + theta)                        (eq. 4.10)
// (from beta k/alpha = 3D/(3D + theta), the implied demand's identity), negative below theta: the
// cost still falls towards larger N. The form in T - theta carries no cancellation near theta,
// where the two terms of the left side meet.

// The model on the bound at effective demand t_eff, as the regret formulas read a reference or a
// plan (regret_optimum): its share, q at that demand, its share odds and slope, N_max and D.
SCALESWEEP_HD regret_optimum bound_regret_optimum(const prepared_law& p,
                                                  const loss_target_bound& bound, double t_eff) {
  const double three_D = 3.0 * bound.D;
  if (bound.status != cell_status::ok || !(three_D < HUGE_VAL)) {
    const cell_status why =
        bound.status != cell_status::ok ? bound.status : cell_status::out_of_range;
    return {{NAN, NAN, NAN, NAN}, NAN, NAN, NAN, NAN, why};
  }
  const double inv = 1.0 / (three_D + t_eff);
  const double q = three_D * inv;
  const double k = (p.law.alpha * p.inv_beta) * std::exp(bound.delta - bound.complement);
  const double theta = bound.t_eff_threshold;
  const double slope = q * p.inv_beta * ((t_eff - theta) / (three_D + theta));
  return {{bound.delta, bound.complement, q, t_eff * inv},
          k,
          slope,
          bound.N,
          bound.D,
          cell_status::constrained};
}

// ln(cost(plan; T)/cost(model; T)) for `model` any model of the curve at demand T (a
// regret_optimum: the free optimum, slope 0, or the model on the bound) and `plan` a model of the
// same loss (its share deviation). As eq. 4.4 with the first-order term added:
//   ln(c_p/c_m) = -Phi_{-k}(d)/alpha + Phi_q(-d/beta) + d (k/alpha - q/beta),   d = delta_p -
//   delta_m
// (eq. 4.9). Against a free optimum the last term is 0 (and this is log_cost_ratio bit for bit);
// against the model on the bound every plan the constrained problem can give has N <= N_max,
// d <= 0, and the slope is < 0: all three terms are >= 0 and their sum has no cancellation.
SCALESWEEP_HD cost_ratio_result<double>
log_cost_ratio_to_model(const prepared_law& p, double plan_delta, const regret_optimum& model) {
  const double d = plan_delta - model.share.delta;
  cost_ratio_result<double> r =
      log_cost_ratio_parts(p, d, model.k, model.share.q, model.share.one_minus_q);
  r.log_ratio += model.slope * d;
  return r;
}

// ---- Regret under the bound -------------------------------------------------------------------

// The constrained loss-target optimum of one (hardware, T, loss target) as dense regret cells read
// it: the free optimum where the bound does not bind (make_regret_optimum, status ok), the model
// on the bound where it does (status constrained), or why there is none (infeasible under the
// bound, out_of_range). Without a bound (null), the unconstrained optimum.
SCALESWEEP_HD regret_optimum constrained_regret_optimum(const prepared_law& p,
                                                        const loss_target_terms& target,
                                                        const demand& d,
                                                        const loss_target_bound* bound) {
  if (bound == nullptr || !bound_settles(d, target, *bound)) {
    return make_regret_optimum(p, target, solve_share_deviation(p, target, d));
  }
  return bound_regret_optimum(p, *bound, d.t_eff);
}

// A dense regret cell under the bound: the cost of the plan model (the constrained optimum at
// T_plan) serving T over that of the reference (the constrained optimum at T), less 1. Where
// neither is on the bound, regret_cell (status ok); where both are, the same model: exactly 0;
// else the fast ratio of the two models where it is >= regret_ratio_floor and the share form
// (eq. 4.9) below, status constrained (the regret is exact like ok's, the word says the bound
// shaped it). Where the target is infeasible under the bound, NaN with status infeasible.
SCALESWEEP_HD regret_result constrained_regret_cell(const prepared_law& p,
                                                    const regret_optimum& plan,
                                                    const regret_optimum& actual, double t_eff) {
  const bool plan_on_bound = plan.status == cell_status::constrained;
  const bool actual_on_bound = actual.status == cell_status::constrained;
  if (!plan_on_bound && !actual_on_bound) {
    return regret_cell(p, plan, actual, t_eff);
  }
  if (!plan_on_bound && plan.status != cell_status::ok) {
    return {NAN, plan.status};
  }
  if (!actual_on_bound && actual.status != cell_status::ok) {
    return {NAN, actual.status};
  }
  if (plan_on_bound && actual_on_bound) {
    return {0.0, cell_status::constrained};
  }
  const double fast =
      regret_from_models(plan.N, plan.D, model_cost(actual.N, actual.D, t_eff), t_eff);
  if (ratio_form_holds(fast)) {
    return {fast, cell_status::constrained};
  }
  const double r = std::expm1(log_cost_ratio_to_model(p, plan.share.delta, actual).log_ratio);
  return {r > 0.0 ? r : 0.0, cell_status::constrained};
}

// One cell from plain numbers (tests).
SCALESWEEP_HD regret_result constrained_demand_regret(const scaling_law& law,
                                                      const cost_coefficients& k,
                                                      const serving_limit& limit,
                                                      double loss_target, double T_plan, double T) {
  const prepared_law p = prepare_law(law);
  const hardware_terms h = make_hardware_terms(k);
  const loss_target_terms target = make_loss_target_terms(p, loss_target);
  const loss_target_bound bound = make_loss_target_bound(p, target, limit);
  const demand actual = make_demand(h, T, demand_log(T));
  const demand plan = make_demand(h, T_plan, demand_log(T_plan));
  return constrained_regret_cell(p, constrained_regret_optimum(p, target, plan, &bound),
                                 constrained_regret_optimum(p, target, actual, &bound),
                                 actual.t_eff);
}

// ---- The robust choice under the bound ----------------------------------------------------------
//
// References: the constrained optima at T/s and T s, N_lo = min(N*(T/s), N_max) >= N_hi =
// min(N*(T s), N_max). The largest regret of a model over [T/s, T s] is still the larger of its
// two endpoint regrets (the constrained optimal cost is a minimum of affine functions of T too,
// docs/economics.md §4.5), so the robust model minimises max(r_lo, r_hi) over N <= N_max:
//   (a) T/s >= theta: the bound holds no reference; the free robust model (<= N*(T/s) <= N_max)
//       is the answer, robust_cell_result (clamped to N_max against rounding where T/s ~ theta);
//   (b) T/s < theta <= T s: the low reference is the model on the bound; r_lo falls to 0 at
//       N_max, r_hi rises from 0 at N*(T s): they cross once, below N_max, by the closed form of
//       eq. 4.11 (status ok);
//   (c) T s < theta: both references, and so every demand's, are the model on the bound, which is
//       the robust model with regret 0 (status constrained).

// Whether the bound touches the cell's spread (cases b and c, or a target infeasible under it):
// such cells go through the scalar cell, the SIMD lanes take only case (a).
SCALESWEEP_HD bool bound_touches_spread(const loss_target_bound& bound, const demand& d,
                                        const spread_terms& spread) {
  return bound.status == cell_status::infeasible ||
         scaled_demand(d, spread, false).t_eff < bound.t_eff_threshold;
}

// The model on the bound as a robust cell's result (status constrained).
SCALESWEEP_HD robust_result robust_on_bound(const loss_target_bound& bound, double regret,
                                            int iterations) {
  return {bound.N, bound.D, regret, cell_status::constrained, iterations};
}

// Case (a)'s answer kept to N <= N_max: the free robust model lies below N*(T/s) <= N_max, but
// where T/s is within rounding of theta (or s = 1 and T ~ theta) its N may round past N_max.
SCALESWEEP_HD robust_result robust_within_bound(const robust_result& r,
                                                const loss_target_bound* bound) {
  if (bound != nullptr && r.status == cell_status::ok && r.N > bound->N &&
      bound->status == cell_status::ok) {
    return robust_on_bound(*bound, r.regret, r.iterations);
  }
  return r;
}

// Case (b): `high` the free optimum at T s (with its complement), `low` the model on the bound at
// T/s (bound_regret_optimum), x = (T s - T/s)/(3D_b + T/s). Equal endpoint regrets read
// (3D + T s)/(3D + T/s) = rho = c_hi/c_lo as in §4.4, and counted from the low end (eq. 4.5 holds
// for any low model) with R_1 = r_hi(N_max) and c(N_b; T s)/c_lo = 1 + x, rho = (1 + x)/(1 + R_1):
//   delta_r = delta_b - beta ln(1 + R_1 (1 + x) / ((x - R_1) q_b))                  (eq. 4.11)
// x - R_1 = (1 + R_1)(rho - 1) >= x N_hi/N_b: a bounded cancellation (the spread's N ratio).
SCALESWEEP_HD robust_share<double> robust_share_under_bound(const prepared_law& p,
                                                            const optimum_share<double>& high,
                                                            const regret_optimum& low, double x) {
  const double delta_b = low.share.delta;
  const double R1 = std::expm1(log_cost_ratio(p, delta_b, high).log_ratio);
  const double delta_r =
      delta_b - p.law.beta * std::log1p(R1 * (1.0 + x) / ((x - R1) * low.share.q));
  // Inside [delta_hi, delta_b] exactly; the clamp absorbs rounding, and where the ends meet
  // (T s ~ theta, R_1 ~ 0) the model on the bound is the answer.
  const bool apart = high.delta < delta_b && x > R1 && std::isfinite(delta_r);
  const double r = apart ? max_of(min_of(delta_r, delta_b), high.delta) : delta_b;
  const cost_ratio_result<double> r_at_high = log_cost_ratio(p, r, high);
  const double at_low = std::expm1(log_cost_ratio_to_model(p, r, low).log_ratio);
  const double at_high = std::expm1(r_at_high.log_ratio);
  // Equal at the crossing; the larger is reported (>= 0: rounding of regrets near 0).
  return {r, high.complement + r_at_high.complement_difference,
          max_of(max_of(at_low, at_high), 0.0)};
}

// One robust cell (hardware, spread, T, loss_target) under the bound (null: none): cases (a),
// (b), (c) above; infeasible where the target is under the bound, out_of_range where the model on
// the bound overflows and the bound touches the spread.
SCALESWEEP_HD robust_result constrained_robust_cell_result(const prepared_law& p, const demand& d,
                                                           const loss_target_terms& target,
                                                           const spread_terms& spread,
                                                           const loss_target_bound* bound) {
  if (bound == nullptr || target.status != cell_status::ok || !d.valid || !spread.valid ||
      !bound_touches_spread(*bound, d, spread)) {
    return robust_within_bound(robust_cell_result(p, d, target, spread), bound);
  }
  if (bound->status != cell_status::ok) {
    return {NAN, NAN, NAN, bound->status, 0};
  }
  const demand up = scaled_demand(d, spread, true);
  if (!(up.t_eff < HUGE_VAL) || !(up.T < HUGE_VAL)) {
    return {NAN, NAN, NAN, cell_status::out_of_range, 0};
  }
  if (up.t_eff < bound->t_eff_threshold) { // (c)
    return robust_on_bound(*bound, 0.0, 0);
  }
  // (b)
  const share_solution high = solve_share_deviation(p, target, up);
  if (high.status != cell_status::ok) {
    return {NAN, NAN, NAN, high.status, high.iterations};
  }
  const demand down = scaled_demand(d, spread, false);
  const regret_optimum low = bound_regret_optimum(p, *bound, down.t_eff);
  if (low.status != cell_status::constrained) {
    return {NAN, NAN, NAN, low.status, high.iterations};
  }
  // T s - T/s = T (s - 1)(1 + 1/s): s - 1 is exact near s = 1, where s - 1/s would round.
  const double width = d.t_eff * ((spread.factor - 1.0) * (1.0 + 1.0 / spread.factor));
  const double x = width / (3.0 * bound->D + down.t_eff);
  const robust_share<double> r =
      robust_share_under_bound(p, optimum_share_of(p, high.delta), low, x);
  if (!(r.delta < low.share.delta)) {
    return robust_on_bound(*bound, r.regret, high.iterations);
  }
  const log_point point = share_point(p, target.ln_R, r.delta, r.complement);
  return robust_result_of(point.ln_N, point.ln_D, std::exp(point.ln_N), std::exp(point.ln_D),
                          r.regret, high.iterations);
}

// One cell from plain numbers (tests).
SCALESWEEP_HD robust_result constrained_robust_optimum(const scaling_law& law,
                                                       const cost_coefficients& k,
                                                       const serving_limit& limit,
                                                       double loss_target, double T,
                                                       double spread) {
  const prepared_law p = prepare_law(law);
  const hardware_terms h = make_hardware_terms(k);
  const loss_target_terms target = make_loss_target_terms(p, loss_target);
  const loss_target_bound bound = make_loss_target_bound(p, target, limit);
  return constrained_robust_cell_result(p, make_demand(h, T, demand_log(T)), target,
                                        make_spread_terms(spread), &bound);
}

} // namespace scalesweep
