// Loss-target problem (Sardana et al. 2024, §3): cheapest (N, D) with L(N, D) = target, per cell.
#pragma once

#include "scalesweep/cost_model.hpp"
#include "scalesweep/host_device.hpp"
#include "scalesweep/law.hpp"
#include "scalesweep/log_math.hpp"
#include "scalesweep/root_finding.hpp"
#include "scalesweep/status.hpp"

#include <cmath>

namespace scalesweep {

// First-order condition of min 6ND + 2NT on L(N, D) = E + R (Lagrange):
//   beta u (1 + T/(3D)) = alpha (R - u),   u = B D^-beta.
// With w = u/R (the data term's share of R) and tau = (T/3)(R/B)^(1/beta) this is
//   (alpha+beta) w + beta tau w^k = alpha,   k = 1 + 1/beta,
// one equation in one unknown. In s = ln w, after taking logs of both sides,
//   phi(s) = ln((alpha+beta) e^s + beta tau e^(k s)) - ln alpha
// is a log-sum-exp of two lines of slopes 1 and k: increasing and convex, and nearly linear,
// so Newton started to the right of the root is monotone and needs few steps.
struct loss_target_condition {
  double ln_alpha_plus_beta;
  double ln_beta_tau;
  double k;
  double ln_alpha;

  SCALESWEEP_HD newton_eval operator()(double s) const {
    const log_sum_exp_result lse = log_sum_exp(ln_alpha_plus_beta + s, ln_beta_tau + k * s);
    return {lse.value - ln_alpha, 1.0 + (k - 1.0) * lse.weight_of_second};
  }
};

struct loss_target_solution {
  double ln_N;
  double ln_D;
  cell_status status;
  int iterations;
};

// Solves in FLOP units: t_eff is the effective inference demand (cost_model.hpp).
SCALESWEEP_HD loss_target_solution solve_loss_target(const scaling_law& law, double loss_target,
                                                     double t_eff) {
  if (!is_valid(law) || !std::isfinite(loss_target) || !std::isfinite(t_eff) || !(t_eff >= 0)) {
    return {NAN, NAN, cell_status::invalid_input, 0};
  }
  const double R = loss_target - law.E;
  if (!(R > 0)) {
    return {NAN, NAN, cell_status::infeasible, 0};
  }
  const double ln_R = std::log(R);
  const double ln_w0 = chinchilla_ln_data_share(law);
  double ln_w = ln_w0;
  int iterations = 0;
  if (t_eff > 0) {
    const double k = 1.0 + 1.0 / law.beta;
    const loss_target_condition phi{std::log(law.alpha + law.beta),
                                    std::log(law.beta) + std::log(t_eff / 3.0) +
                                        (ln_R - std::log(law.B)) / law.beta,
                                    k, std::log(law.alpha)};
    // Each of the two terms alone must stay below alpha, so the root lies left of both
    // one-term roots s_a = ln w0 and s_b; where each term is at most alpha/2 phi <= 0.
    const double s_b = (phi.ln_alpha - phi.ln_beta_tau) / k;
    const double hi = std::fmin(ln_w0, s_b);
    const double lo = std::fmin(ln_w0 - ln_2, s_b - ln_2 / k);
    const root_result root = safeguarded_newton(phi, lo, hi, hi);
    iterations = root.iterations;
    if (!root.converged) {
      return {NAN, NAN, cell_status::not_converged, iterations};
    }
    ln_w = root.x;
  }
  const log_point p = iso_loss_point(law, ln_R, ln_w);
  if (!in_double_range(p.ln_N) || !in_double_range(p.ln_D)) {
    return {NAN, NAN, cell_status::out_of_range, iterations};
  }
  return {p.ln_N, p.ln_D, cell_status::ok, iterations};
}

// One output cell: the optimum, its lifetime cost, and the Chinchilla (T = 0) model of the same
// loss charged the same inference demand.
struct loss_target_result {
  double N;
  double D;
  double cost;
  double chinchilla_N;
  double chinchilla_D;
  double chinchilla_cost;
  cell_status status;
  int iterations;
};

SCALESWEEP_HD loss_target_result loss_target_optimum(const scaling_law& law,
                                                     const cost_coefficients& k, double loss_target,
                                                     double T) {
  const loss_target_solution opt =
      solve_loss_target(law, loss_target, effective_inference_tokens(k, T));
  const loss_target_solution chin = solve_loss_target(law, loss_target, 0.0);
  if (opt.status != cell_status::ok || chin.status != cell_status::ok) {
    const cell_status s = opt.status != cell_status::ok ? opt.status : chin.status;
    return {NAN, NAN, NAN, NAN, NAN, NAN, s, opt.iterations};
  }
  const double N = std::exp(opt.ln_N), D = std::exp(opt.ln_D);
  const double Nc = std::exp(chin.ln_N), Dc = std::exp(chin.ln_D);
  const double cost = lifetime_cost(k, N, D, T);
  const double chin_cost = lifetime_cost(k, Nc, Dc, T);
  if (!std::isfinite(cost) || !std::isfinite(chin_cost)) {
    return {NAN, NAN, NAN, NAN, NAN, NAN, cell_status::out_of_range, opt.iterations};
  }
  return {N, D, cost, Nc, Dc, chin_cost, cell_status::ok, opt.iterations};
}

} // namespace scalesweep
