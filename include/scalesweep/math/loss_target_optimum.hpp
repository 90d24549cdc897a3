// Loss-target problem (Sardana et al. 2024, §3): cheapest (N, D) with L(N, D) = target, per cell.
#pragma once

#include "scalesweep/math/cost_model.hpp"
#include "scalesweep/math/demand.hpp"
#include "scalesweep/math/host_device.hpp"
#include "scalesweep/math/law.hpp"
#include "scalesweep/math/log_math.hpp"
#include "scalesweep/math/real_ops.hpp"
#include "scalesweep/math/root_finding.hpp"
#include "scalesweep/math/status.hpp"

#include <cmath>

namespace scalesweep {

// First-order condition of min 6ND + 2NT on L(N, D) = E + R (Lagrange):
//   beta u (1 + T/(3D)) = alpha (R - u),   u = B D^-beta.
// With w = u/R (the data term's share of R) and tau = (T/3)(R/B)^(1/beta) this is
//   (alpha+beta) w + beta tau w^k = alpha,   k = 1 + 1/beta,
// one equation in one unknown. In s = ln w, after taking logs of both sides,
//   phi(s) = ln((alpha+beta) e^s + beta tau e^(k s)) - ln alpha
// is a log-sum-exp of two lines of slopes 1 and k: increasing and convex, and nearly linear,
// so Halley's method from a bracket of width <= ln 2 needs two or three steps.
template <class Real>
struct loss_target_condition {
  Real ln_beta_tau;
  double ln_alpha_plus_beta;
  double k;
  double ln_alpha;

  SCALESWEEP_HD root_eval<Real> operator()(Real s) const {
    const log_sum_exp_result<Real> lse = log_sum_exp(ln_alpha_plus_beta + s, ln_beta_tau + k * s);
    const Real p = lse.weight_of_second;
    return {lse.value - ln_alpha, 1.0 + (k - 1.0) * p, (k - 1.0) * (k - 1.0) * p * (1.0 - p)};
  }
};

// The condition of a cell with reducible loss e^ln_R and effective demand e^ln_t_eff > 0, and
// the root-finder's start: each of the two terms alone must stay below alpha, so the root lies
// left of both one-term roots s_a = ln w0 and s_b; where each term is at most alpha/2, phi <= 0.
template <class Real>
struct loss_target_setup {
  loss_target_condition<Real> condition;
  root_state<Real> start;
};

template <class Real>
SCALESWEEP_HD loss_target_setup<Real> setup_loss_target(const prepared_law& p, Real ln_R,
                                                        Real ln_t_eff) {
  const double k = p.data_power;
  const loss_target_condition<Real> phi{p.ln_beta + (ln_t_eff - ln_3) +
                                            (ln_R - p.ln_B) * p.inv_beta,
                                        p.ln_alpha_plus_beta, k, p.ln_alpha};
  const Real s_a = Real(p.chinchilla_ln_data_share);
  const Real s_b = (p.ln_alpha - phi.ln_beta_tau) * (1.0 / k);
  const Real hi = min_of(s_a, s_b);
  const Real lo = min_of(s_a - ln_2, s_b - ln_2 / k);
  return {phi, {hi, lo, hi, no_lanes<Real>()}};
}

// The optimum from the root s = ln w.
template <class Real>
SCALESWEEP_HD log_point_of<Real> loss_target_point(const prepared_law& p, Real ln_R, Real s) {
  return iso_loss_point(p, ln_R, s, log1p_of(-exp_of(s)));
}

// What a loss target contributes to every cell of its column, computed once per target:
// ln R and the Chinchilla (T = 0) model of that loss.
struct loss_target_terms {
  double ln_R;
  double chinchilla_N;
  double chinchilla_D;
  cell_status status;
};

SCALESWEEP_HD loss_target_terms make_loss_target_terms(const prepared_law& p, double loss_target) {
  if (!is_valid(p.law) || !std::isfinite(loss_target)) {
    return {NAN, NAN, NAN, cell_status::invalid_input};
  }
  const double R = loss_target - p.law.E;
  if (!(R > 0)) {
    return {NAN, NAN, NAN, cell_status::infeasible};
  }
  const double ln_R = std::log(R);
  const log_point c =
      iso_loss_point(p, ln_R, p.chinchilla_ln_data_share, p.chinchilla_ln_parameter_share);
  if (!in_double_range(c.ln_N) || !in_double_range(c.ln_D)) {
    return {ln_R, NAN, NAN, cell_status::out_of_range};
  }
  return {ln_R, std::exp(c.ln_N), std::exp(c.ln_D), cell_status::ok};
}

struct loss_target_solution {
  log_point point;
  cell_status status;
  int iterations;
};

// A converged point, unless N or D leave double precision.
SCALESWEEP_HD loss_target_solution checked_solution(const log_point& point, int iterations) {
  if (!in_double_range(point.ln_N) || !in_double_range(point.ln_D)) {
    return {{NAN, NAN}, cell_status::out_of_range, iterations};
  }
  return {point, cell_status::ok, iterations};
}

// Whether a cell needs the root-finder: a valid target and demand with T_eff > 0. Other cells
// are closed forms or statuses (solve_loss_target).
SCALESWEEP_HD bool loss_target_needs_root(const loss_target_terms& target, const demand& d) {
  return target.status == cell_status::ok && d.valid && d.t_eff > 0;
}

// Solves in FLOP units at the effective demand of d.
SCALESWEEP_HD loss_target_solution solve_loss_target(const prepared_law& p,
                                                     const loss_target_terms& target,
                                                     const demand& d) {
  if (target.status != cell_status::ok) {
    return {{NAN, NAN}, target.status, 0};
  }
  if (!d.valid) {
    return {{NAN, NAN}, cell_status::invalid_input, 0};
  }
  if (!(d.t_eff > 0)) {
    return {
        iso_loss_point(p, target.ln_R, p.chinchilla_ln_data_share, p.chinchilla_ln_parameter_share),
        cell_status::ok, 0};
  }
  const loss_target_setup<double> setup = setup_loss_target(p, target.ln_R, d.ln_t_eff);
  const root_result root =
      safeguarded_root(setup.condition, setup.start.lo, setup.start.hi, setup.start.x);
  if (!root.converged) {
    return {{NAN, NAN}, cell_status::not_converged, root.iterations};
  }
  return checked_solution(loss_target_point(p, target.ln_R, root.x), root.iterations);
}

// One output cell: the optimum, its lifetime cost, and the Chinchilla (T = 0) model of the same
// loss charged the same inference demand; for each, tokens per parameter and the cost's parts.
struct loss_target_result {
  double N = NAN;
  double D = NAN;
  double tokens_per_param = NAN;
  double cost = NAN;
  double train_cost = NAN;
  double serve_cost = NAN;
  double chinchilla_N = NAN;
  double chinchilla_D = NAN;
  double chinchilla_tokens_per_param = NAN;
  double chinchilla_cost = NAN;
  double chinchilla_train_cost = NAN;
  double chinchilla_serve_cost = NAN;
  cell_status status = cell_status::ok;
  int iterations = 0;
};

// A cell without an optimum: every number NaN.
SCALESWEEP_HD loss_target_result loss_target_failure(cell_status status, int iterations) {
  loss_target_result r;
  r.status = status;
  r.iterations = iterations;
  return r;
}

// The cell's result from the optimum's N and D (exp of the solution's logs).
SCALESWEEP_HD loss_target_result loss_target_result_of(const hardware_terms& h, const demand& d,
                                                       const loss_target_terms& target, double N,
                                                       double D, int iterations) {
  const cost_split cost = lifetime_cost_split(h.k, N, D, d.T);
  const cost_split chin_cost =
      lifetime_cost_split(h.k, target.chinchilla_N, target.chinchilla_D, d.T);
  if (!std::isfinite(cost.total) || !std::isfinite(chin_cost.total)) {
    return loss_target_failure(cell_status::out_of_range, iterations);
  }
  loss_target_result r;
  r.N = N;
  r.D = D;
  r.tokens_per_param = tokens_per_parameter(N, D);
  r.cost = cost.total;
  r.train_cost = cost.train;
  r.serve_cost = cost.serve;
  r.chinchilla_N = target.chinchilla_N;
  r.chinchilla_D = target.chinchilla_D;
  r.chinchilla_tokens_per_param = tokens_per_parameter(target.chinchilla_N, target.chinchilla_D);
  r.chinchilla_cost = chin_cost.total;
  r.chinchilla_train_cost = chin_cost.train;
  r.chinchilla_serve_cost = chin_cost.serve;
  r.iterations = iterations;
  return r;
}

SCALESWEEP_HD loss_target_result finish_loss_target(const hardware_terms& h, const demand& d,
                                                    const loss_target_terms& target,
                                                    const loss_target_solution& s) {
  if (s.status != cell_status::ok) {
    return loss_target_failure(s.status, s.iterations);
  }
  return loss_target_result_of(h, d, target, std::exp(s.point.ln_N), std::exp(s.point.ln_D),
                               s.iterations);
}

SCALESWEEP_HD loss_target_result loss_target_cell_result(const prepared_law& p,
                                                         const hardware_terms& h, const demand& d,
                                                         const loss_target_terms& target) {
  return finish_loss_target(h, d, target, solve_loss_target(p, target, d));
}

// One cell from plain numbers (CLI, tests): the same functions a sweep applies per axis and row.
SCALESWEEP_HD loss_target_result loss_target_optimum(const scaling_law& law,
                                                     const cost_coefficients& k, double loss_target,
                                                     double T) {
  const prepared_law p = prepare_law(law);
  const hardware_terms h = make_hardware_terms(k);
  return loss_target_cell_result(p, h, make_demand(h, T, demand_log(T)),
                                 make_loss_target_terms(p, loss_target));
}

} // namespace scalesweep
