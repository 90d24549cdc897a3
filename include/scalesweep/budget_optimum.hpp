// Budget problem (the lesson's widget): lowest loss for a fixed lifetime cost C, per cell.
#pragma once

#include "scalesweep/cost_model.hpp"
#include "scalesweep/host_device.hpp"
#include "scalesweep/law.hpp"
#include "scalesweep/log_math.hpp"
#include "scalesweep/root_finding.hpp"
#include "scalesweep/status.hpp"

#include <cmath>

namespace scalesweep {

// min L(N, D) subject to 6ND + 2NT = C (FLOP units). On the budget line let q = 6ND/C be the
// share spent on training: N = C(1-q)/(2T), D = T q/(3(1-q)), and 1 + T/(3D) = 1/q. The first-
// order condition alpha A N^-alpha = beta B D^-beta (1 + T/(3D)), in logs and z = logit(q), is
//   G(z) = c + (alpha+beta) softplus(z) - (1+beta) softplus(-z) = 0,
//   c = ln(alpha A/(beta B)) - alpha ln(C/(2T)) + beta ln(T/3),
// increasing (G' = (alpha+beta) sigma(z) + (1+beta) sigma(-z) > 0), with the asymptotes
// c + (1+beta) z (z -> -inf) and c + (alpha+beta) z (z -> +inf); G - asymptote = (alpha - 1)
// softplus(+-z), so G is concave for alpha < 1 (every published law) and convex for alpha > 1.
struct budget_condition {
  double c;
  double alpha_plus_beta;
  double one_plus_beta;

  SCALESWEEP_HD newton_eval operator()(double z) const {
    const log_sum_exp_result sp = softplus_and_sigmoid(z); // softplus(-z) = softplus(z) - z
    const double sigma = sp.weight_of_second;
    return {c + alpha_plus_beta * sp.value - one_plus_beta * (sp.value - z),
            alpha_plus_beta * sigma + one_plus_beta * (1.0 - sigma)};
  }
};

struct budget_solution {
  double ln_N;
  double ln_D;
  cell_status status;
  int iterations;
};

// Training tokens an N-parameter model can afford on the budget line 6ND + 2NT = C (FLOP units):
// D = C/(6N) - T/3; not positive where serving T tokens alone exhausts the budget.
SCALESWEEP_HD double budget_line_tokens(double C, double t_eff, double N) {
  return C / (6.0 * N) - t_eff / 3.0;
}

// Smallest budget with an admissible model: one parameter trained on one token, serving T.
SCALESWEEP_HD double minimum_budget_in_training_flops(double t_eff) {
  return training_flops(1.0, 1.0) + inference_flops(1.0, t_eff);
}

// Solves in FLOP units: C is the budget in training FLOPs, t_eff the effective demand.
SCALESWEEP_HD budget_solution solve_budget(const scaling_law& law, double C, double t_eff) {
  if (!is_valid(law) || !std::isfinite(C) || !(C > 0) || !std::isfinite(t_eff) || !(t_eff >= 0)) {
    return {NAN, NAN, cell_status::invalid_input, 0};
  }
  if (C < minimum_budget_in_training_flops(t_eff)) {
    return {NAN, NAN, cell_status::infeasible, 0};
  }
  if (t_eff == 0) {
    const log_point p = chinchilla_budget_point(law, C);
    return {p.ln_N, p.ln_D, cell_status::ok, 0};
  }
  const double ln_C_2T = std::log(C / (2.0 * t_eff));
  const double ln_T_3 = std::log(t_eff / 3.0);
  const budget_condition G{std::log(law.alpha * law.A / (law.beta * law.B)) - law.alpha * ln_C_2T +
                               law.beta * ln_T_3,
                           law.alpha + law.beta, 1.0 + law.beta};
  // The roots of the two asymptotes bound z* on one side; |alpha - 1| ln 2 (the most G departs
  // from an asymptote near z = 0) over the smaller slope bounds it on the other.
  const double z1 = -G.c / G.one_plus_beta, z2 = -G.c / G.alpha_plus_beta;
  const double margin =
      std::fabs(law.alpha - 1.0) * ln_2 / std::fmin(G.one_plus_beta, G.alpha_plus_beta);
  const double lo = std::fmin(z1, z2) - margin, hi = std::fmax(z1, z2) + margin;
  // Start on the side where monotone Newton applies: left of the root when G is concave.
  const root_result root =
      safeguarded_newton(G, lo, hi, law.alpha < 1.0 ? std::fmax(z1, z2) : std::fmin(z1, z2));
  if (!root.converged) {
    return {NAN, NAN, cell_status::not_converged, root.iterations};
  }
  const double ln_N = ln_C_2T - softplus_and_sigmoid(root.x).value;
  const double ln_D = ln_T_3 + root.x;
  if (!in_double_range(ln_N) || !in_double_range(ln_D)) {
    return {NAN, NAN, cell_status::out_of_range, root.iterations};
  }
  return {ln_N, ln_D, cell_status::ok, root.iterations};
}

// One output cell: the optimum and its loss; the Chinchilla model spends the whole budget on
// training (the T = 0 budget optimum), as in the lesson's chart.
struct budget_result {
  double N;
  double D;
  double loss;
  double chinchilla_N;
  double chinchilla_D;
  double chinchilla_loss;
  cell_status status;
  int iterations;
};

SCALESWEEP_HD budget_result budget_optimum(const scaling_law& law, const cost_coefficients& k,
                                           double budget, double T) {
  const double C = budget_in_training_flops(k, budget);
  const budget_solution opt = solve_budget(law, C, effective_inference_tokens(k, T));
  const budget_solution chin = solve_budget(law, C, 0.0);
  if (opt.status != cell_status::ok || chin.status != cell_status::ok) {
    const cell_status s = opt.status != cell_status::ok ? opt.status : chin.status;
    return {NAN, NAN, NAN, NAN, NAN, NAN, s, opt.iterations};
  }
  const double N = std::exp(opt.ln_N), D = std::exp(opt.ln_D);
  const double Nc = std::exp(chin.ln_N), Dc = std::exp(chin.ln_D);
  return {N, D, loss(law, N, D), Nc, Dc, loss(law, Nc, Dc), cell_status::ok, opt.iterations};
}

} // namespace scalesweep
