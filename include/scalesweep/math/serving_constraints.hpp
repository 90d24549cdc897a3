// Serving constraints (SPEC §5.2): weights that must fit in the serving GPUs' memory and a decode
// latency target bound the parameter count, N <= N_max; both optimum problems honour the bound.
// Why the constrained optimum lies on N = N_max: docs/economics.md §2.
#pragma once

#include "scalesweep/math/budget_optimum.hpp"
#include "scalesweep/math/cost_model.hpp"
#include "scalesweep/math/demand.hpp"
#include "scalesweep/math/host_device.hpp"
#include "scalesweep/math/implied_demand.hpp"
#include "scalesweep/math/law.hpp"
#include "scalesweep/math/log_math.hpp"
#include "scalesweep/math/loss_target_optimum.hpp"
#include "scalesweep/math/status.hpp"

#include <cmath>
#include <string_view>

namespace scalesweep {

// Bytes a weight takes at a serving dtype (SPEC §5.2); NaN for a dtype without a fixed width
// ("custom"). Host only: dtypes are resolved once per scenario, never per cell.
inline double bytes_per_parameter(std::string_view dtype) {
  if (dtype == "fp64") {
    return 8;
  }
  if (dtype == "fp32" || dtype == "tf32") {
    return 4;
  }
  if (dtype == "bf16" || dtype == "fp16") {
    return 2;
  }
  if (dtype == "fp8" || dtype == "int8") {
    return 1;
  }
  if (dtype == "fp4") {
    return 0.5;
  }
  return NAN;
}

// Memory: g GPUs of M bytes, a fraction r kept for KV cache and activations.
SCALESWEEP_HD double memory_parameter_bound(double serve_gpus, double memory_bytes,
                                            double memory_reserve, double bytes_per_param) {
  return serve_gpus * memory_bytes * (1.0 - memory_reserve) / bytes_per_param;
}

// Latency: decoding one token at batch 1 reads every weight once, split over g GPUs each reading
// at eta x BW bytes/s, so a token takes N bytes / (g eta BW) seconds; <= tau gives this bound.
SCALESWEEP_HD double latency_parameter_bound(double seconds_per_token, double serve_gpus,
                                             double bandwidth_bytes_per_s,
                                             double bandwidth_efficiency, double bytes_per_param) {
  return seconds_per_token * serve_gpus * bandwidth_bytes_per_s * bandwidth_efficiency /
         bytes_per_param;
}

// The constraints of one hardware scenario as the config states them (SPEC §5.2 [constraints]).
struct serving_constraints {
  double serve_gpus;            // g >= 1
  bool memory;                  // fit the weights in memory
  double memory_reserve;        // r in [0, 1)
  bool latency;                 // a latency target is set
  double max_seconds_per_token; // tau > 0
  double bandwidth_efficiency;  // eta in (0, 1]
};

enum class serving_bound : unsigned char { none, memory, latency };

inline const char* to_string(serving_bound b) {
  return b == serving_bound::memory ? "memory" : b == serving_bound::latency ? "latency" : "none";
}

// N_max and which bound sets it, computed once per hardware scenario. Inactive bounds are +inf.
struct serving_limit {
  double N_memory;
  double N_latency;
  double N_max;
  double ln_N_max;
  serving_bound binding; // the smaller active bound (memory on a tie); none without any
};

SCALESWEEP_HD serving_limit make_serving_limit(const serving_constraints& c, double memory_bytes,
                                               double bandwidth_bytes_per_s,
                                               double bytes_per_param) {
  serving_limit l{HUGE_VAL, HUGE_VAL, HUGE_VAL, HUGE_VAL, serving_bound::none};
  if (c.memory) {
    l.N_memory =
        memory_parameter_bound(c.serve_gpus, memory_bytes, c.memory_reserve, bytes_per_param);
  }
  if (c.latency) {
    l.N_latency =
        latency_parameter_bound(c.max_seconds_per_token, c.serve_gpus, bandwidth_bytes_per_s,
                                c.bandwidth_efficiency, bytes_per_param);
  }
  if (c.memory && l.N_memory <= l.N_latency) {
    l.N_max = l.N_memory;
    l.binding = serving_bound::memory;
  } else if (c.latency) {
    l.N_max = l.N_latency;
    l.binding = serving_bound::latency;
  }
  l.ln_N_max = l.N_max < HUGE_VAL ? std::log(l.N_max) : HUGE_VAL;
  return l;
}

SCALESWEEP_HD serving_limit no_serving_limit() {
  return {HUGE_VAL, HUGE_VAL, HUGE_VAL, HUGE_VAL, serving_bound::none};
}

SCALESWEEP_HD bool fits(const serving_limit& l, double N) {
  return N <= l.N_max;
}

// ---- Loss target under N <= N_max
// ----------------------------------------------------------------

// The iso-loss point at N = N_max, per (hardware, loss target), with the demand below which it is
// the optimum. Cost along the iso-loss curve is unimodal in ln N with its minimum at N*(T), and
// N*(T) falls as T grows (docs/economics.md §2), so the bound binds exactly where N*(T) > N_max,
// that is where T_eff is below the implied demand of (N_max, D_at_bound): no root is solved to
// find out, and a binding cell needs none at all.
struct loss_target_bound {
  double N;               // N_max (+inf without a bound)
  double D;               // D with L(N_max, D) = target; NaN where out of range
  double t_eff_threshold; // the bound binds for t_eff < this; -inf when it never binds
  // The model on the bound named by its data share w (docs/economics.md §4.1), as regret and the
  // robust choice compare models (constrained_regret.hpp): delta = ln(w/w0) and complement =
  // ln((1 - w)/(1 - w0)). NaN without a bound or where the target is infeasible under it.
  double delta;
  double complement;
  bool chinchilla_fits; // the T = 0 model of this loss satisfies the constraints
  // ok; infeasible (target <= E + A/N_max^alpha: every model of this loss is too large);
  // out_of_range (D overflows; only the cells where the bound binds report it); or the target's
  // own status when that is not ok.
  cell_status status;
};

SCALESWEEP_HD loss_target_bound make_loss_target_bound(const prepared_law& p,
                                                       const loss_target_terms& target,
                                                       const serving_limit& limit) {
  if (target.status != cell_status::ok) {
    return {limit.N_max, NAN, -HUGE_VAL, NAN, NAN, false, target.status};
  }
  const bool chin_fits = fits(limit, target.chinchilla_N);
  if (!(limit.N_max < HUGE_VAL)) {
    return {limit.N_max, NAN, -HUGE_VAL, NAN, NAN, chin_fits, cell_status::ok};
  }
  // a/R = A N_max^-alpha / R; the data term keeps u = R (1 - a/R) = -R expm1(ln(a/R)), which is
  // exact in relative terms up to the rounding of ln(a/R) (SPEC: infeasible where u <= 0).
  const double ln_a_over_R = p.ln_A - p.law.alpha * limit.ln_N_max - target.ln_R;
  if (!(ln_a_over_R < 0)) {
    return {limit.N_max, NAN, HUGE_VAL, NAN, NAN, false, cell_status::infeasible};
  }
  const double ln_u_over_R = std::log(-std::expm1(ln_a_over_R)); // ln w
  const double ln_u = target.ln_R + ln_u_over_R;
  const double ln_D = (p.ln_B - ln_u) * p.inv_beta;
  const double a = std::exp(ln_a_over_R + target.ln_R);
  const double u = std::exp(ln_u);
  const double D = std::exp(ln_D); // +inf when out of range: the threshold is then +inf too
  const double threshold = signed_implied_effective_demand(p.law, a, u, D);
  // The share form from the same two logs, each exact up to its own rounding (~1e-16 absolute),
  // also as the target approaches the bound's loss (w -> 0: the expm1 above keeps ln w), where
  // differences of ln N_max and ln D would carry their magnitudes' rounding instead.
  const double delta = ln_u_over_R - p.chinchilla_ln_data_share;
  const double complement = ln_a_over_R - p.chinchilla_ln_parameter_share;
  return {limit.N_max,
          in_double_range(ln_D) ? D : NAN,
          threshold,
          delta,
          complement,
          chin_fits,
          in_double_range(ln_D) ? cell_status::ok : cell_status::out_of_range};
}

struct constrained_loss_target_result {
  loss_target_result optimum; // status ok, constrained, or why there is none
  bool chinchilla_fits;
};

// Whether the bound, not the unconstrained solver, settles the cell (infeasible, or the optimum
// on N = N_max): such a cell needs no root. The SIMD lanes leave these cells out of their packs.
SCALESWEEP_HD bool bound_settles(const demand& d, const loss_target_terms& target,
                                 const loss_target_bound& bound) {
  return target.status == cell_status::ok && d.valid &&
         (bound.status == cell_status::infeasible || d.t_eff < bound.t_eff_threshold);
}

// One cell: the unconstrained optimum where it fits, else the model on the bound (status
// constrained), else infeasible.
SCALESWEEP_HD constrained_loss_target_result constrained_loss_target_cell_result(
    const prepared_law& p, const hardware_terms& h, const demand& d,
    const loss_target_terms& target, const loss_target_bound& bound) {
  if (target.status != cell_status::ok || !d.valid) {
    return {loss_target_cell_result(p, h, d, target), false};
  }
  if (!bound_settles(d, target, bound)) {
    return {loss_target_cell_result(p, h, d, target), bound.chinchilla_fits};
  }
  if (bound.status == cell_status::infeasible) {
    return {loss_target_failure(cell_status::infeasible, 0), bound.chinchilla_fits};
  }
  if (bound.status != cell_status::ok) {
    return {loss_target_failure(bound.status, 0), bound.chinchilla_fits};
  }
  loss_target_result r = loss_target_result_of(h, d, target, bound.N, bound.D, 0);
  if (r.status == cell_status::ok) {
    r.status = cell_status::constrained;
  }
  return {r, bound.chinchilla_fits};
}

// A sweep's cell: the constrained problem's optimum under `bound`, or without a bound (null)
// the unconstrained problem's.
SCALESWEEP_HD loss_target_result loss_target_cell_under(const prepared_law& p,
                                                        const hardware_terms& h, const demand& d,
                                                        const loss_target_terms& target,
                                                        const loss_target_bound* bound) {
  return bound != nullptr ? constrained_loss_target_cell_result(p, h, d, target, *bound).optimum
                          : loss_target_cell_result(p, h, d, target);
}

// One cell from plain numbers (optimum, eval, tests).
SCALESWEEP_HD constrained_loss_target_result
constrained_loss_target_optimum(const scaling_law& law, const cost_coefficients& k,
                                const serving_limit& limit, double loss_target, double T) {
  const prepared_law p = prepare_law(law);
  const hardware_terms h = make_hardware_terms(k);
  const loss_target_terms target = make_loss_target_terms(p, loss_target);
  return constrained_loss_target_cell_result(p, h, make_demand(h, T, demand_log(T)), target,
                                             make_loss_target_bound(p, target, limit));
}

// ---- Budget under N <= N_max
// ---------------------------------------------------------------------

// Loss along the budget line 6ND + 2NT = C (FLOP units) is unimodal in ln N (docs/economics.md
// §2): dL/d ln N = -alpha a + beta u (1 + T/(3D)) rises through zero once. The bound binds iff
// that slope is still negative at N_max, i.e. beta u (3D + T) < alpha a 3D there (no division).
// Where the line leaves D <= 0 at N_max, every model the budget affords has N < C/(2T) <= N_max:
// the bound cannot bind, and SPEC's "infeasible when D <= 0" never arises for a binding bound
// (docs/economics.md §2.3); an infeasible budget stays so through budget_cell_result.
struct budget_bound_model {
  bool binds;         // the bound binds: the optimum is `model`, on N = N_max
  budget_model model; // N_max, D from the budget, its loss (only where binds)
};

SCALESWEEP_HD budget_bound_model budget_on_bound(const prepared_law& p, const budget_terms& b,
                                                 const demand& d, const serving_limit& limit) {
  const budget_bound_model none{false, {NAN, NAN, NAN}};
  // Invalid or infeasible inputs, and cells without a bound, are the unconstrained problem's.
  if (!is_valid(p.law) || !b.valid || !d.valid || !(limit.N_max < HUGE_VAL) ||
      b.C < minimum_budget_in_training_flops(d.t_eff)) {
    return none;
  }
  const double N = limit.N_max;
  const double D = budget_line_tokens(b.C, d.t_eff, N);
  if (!(D > 0)) {
    return none;
  }
  const double a = parameter_term_at_log(p.law, limit.ln_N_max);
  const double u = data_term(p.law, D);
  const double three_D = 3.0 * D;
  if (!(p.law.beta * u * (three_D + d.t_eff) < p.law.alpha * a * three_D)) {
    return none;
  }
  return {true, {N, D, loss_from_terms(p.law, a, u)}};
}

// The result of a cell whose bound binds: the model on the bound, status constrained (unless a
// figure of it overflows).
SCALESWEEP_HD budget_result budget_result_on_bound(const hardware_terms& h, const demand& d,
                                                   const budget_model& on_bound,
                                                   const budget_model& chin) {
  budget_result r = budget_result_of(h.k, d.T, on_bound, chin, 0);
  if (r.status == cell_status::ok) {
    r.status = cell_status::constrained;
  }
  return r;
}

// One cell: the model on the bound (status constrained) where the bound binds, else the
// unconstrained problem's result. The SIMD lanes leave the binding cells out of their packs.
SCALESWEEP_HD budget_result constrained_budget_cell_result(
    const prepared_law& p, const hardware_terms& h, const budget_terms& b, const budget_model& chin,
    const demand& d, const serving_limit& limit) {
  const budget_bound_model on_bound = budget_on_bound(p, b, d, limit);
  return on_bound.binds ? budget_result_on_bound(h, d, on_bound.model, chin)
                        : budget_cell_result(p, h, b, chin, d);
}

// A sweep's cell: the constrained problem's optimum under `limit`, or without one (null) the
// unconstrained problem's.
SCALESWEEP_HD budget_result budget_cell_under(const prepared_law& p, const hardware_terms& h,
                                              const budget_terms& b, const budget_model& chin,
                                              const demand& d, const serving_limit* limit) {
  return limit != nullptr ? constrained_budget_cell_result(p, h, b, chin, d, *limit)
                          : budget_cell_result(p, h, b, chin, d);
}

SCALESWEEP_HD budget_result constrained_budget_optimum(const scaling_law& law,
                                                       const cost_coefficients& k,
                                                       const serving_limit& limit, double budget,
                                                       double T) {
  const prepared_law p = prepare_law(law);
  const hardware_terms h = make_hardware_terms(k);
  const budget_terms b = make_budget_terms(h, budget, budget_log(budget));
  return constrained_budget_cell_result(p, h, b, budget_chinchilla(p, b),
                                        make_demand(h, T, demand_log(T)), limit);
}

} // namespace scalesweep
