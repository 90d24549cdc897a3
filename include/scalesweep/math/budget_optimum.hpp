// Budget problem (the lesson's widget): lowest loss for a fixed lifetime cost C, per cell.
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

// min L(N, D) subject to 6ND + 2NT = C (FLOP units). On the budget line let q = 6ND/C be the
// share spent on training: N = C(1-q)/(2T), D = T q/(3(1-q)), and 1 + T/(3D) = 1/q. The first-
// order condition alpha A N^-alpha = beta B D^-beta (1 + T/(3D)), in logs and z = logit(q), is
//   G(z) = c + (alpha+beta) softplus(z) - (1+beta) softplus(-z) = 0,
//   c = ln(alpha A/(beta B)) - alpha ln(C/(2T)) + beta ln(T/3),
// increasing (G' = (alpha+beta) sigma(z) + (1+beta) sigma(-z) > 0), with the asymptotes
// c + (1+beta) z (z -> -inf) and c + (alpha+beta) z (z -> +inf); G - asymptote = (alpha - 1)
// softplus(+-z), so G is concave for alpha < 1 (every published law) and convex for alpha > 1.
template <class Real>
struct budget_condition {
  Real c;
  double alpha_plus_beta;
  double one_plus_beta;

  SCALESWEEP_HD root_eval<Real> operator()(Real z) const {
    const log_sum_exp_result<Real> sp = softplus_and_sigmoid(z); // softplus(-z) = softplus(z) - z
    const Real sigma = sp.weight_of_second;
    return {c + alpha_plus_beta * sp.value - one_plus_beta * (sp.value - z),
            alpha_plus_beta * sigma + one_plus_beta * (1.0 - sigma),
            (alpha_plus_beta - one_plus_beta) * sigma * (1.0 - sigma)};
  }
};

// The condition of a cell with budget e^ln_C (training FLOPs) and demand e^ln_t_eff > 0, and the
// root-finder's start: the roots of the two asymptotes bound z* on one side; |alpha - 1| ln 2
// (the most G departs from an asymptote near z = 0) over the smaller slope bounds the other.
template <class Real>
struct budget_setup {
  budget_condition<Real> condition;
  root_state<Real> start;
  Real ln_C_2T; // ln(C/(2T)): ln N = ln_C_2T - softplus(z)
  Real ln_T_3;  // ln(T/3):    ln D = ln_T_3 + z
};

template <class Real>
SCALESWEEP_HD budget_setup<Real> setup_budget(const prepared_law& p, Real ln_C, Real ln_t_eff) {
  const double alpha = p.law.alpha;
  const Real ln_C_2T = ln_C - ln_2 - ln_t_eff;
  const Real ln_T_3 = ln_t_eff - ln_3;
  const budget_condition<Real> G{p.ln_alpha_A_over_beta_B - alpha * ln_C_2T + p.law.beta * ln_T_3,
                                 alpha + p.law.beta, 1.0 + p.law.beta};
  const Real z1 = -G.c * (1.0 / G.one_plus_beta), z2 = -G.c * (1.0 / G.alpha_plus_beta);
  const double margin = (alpha > 1.0 ? alpha - 1.0 : 1.0 - alpha) * ln_2 /
                        (G.one_plus_beta < G.alpha_plus_beta ? G.one_plus_beta : G.alpha_plus_beta);
  // Start at the asymptote root on the side where the root-finder moves monotonically: left of
  // the root when G is concave (alpha < 1), right of it when convex.
  const Real start = alpha < 1.0 ? max_of(z1, z2) : min_of(z1, z2);
  return {G,
          {start, min_of(z1, z2) - margin, max_of(z1, z2) + margin, no_lanes<Real>()},
          ln_C_2T,
          ln_T_3};
}

template <class Real>
SCALESWEEP_HD log_point_of<Real> budget_point(const budget_setup<Real>& setup, Real z) {
  return {setup.ln_C_2T - softplus_and_sigmoid(z).value, setup.ln_T_3 + z};
}

// Training tokens an N-parameter model can afford on the budget line 6ND + 2NT = C (FLOP units):
// D = C/(6N) - T/3; not positive where serving T tokens alone exhausts the budget.
SCALESWEEP_HD double budget_line_tokens(double C, double t_eff, double N) {
  return C / (6.0 * N) - t_eff / 3.0;
}

// Smallest budget with an admissible model: one parameter trained on one token, serving T.
SCALESWEEP_HD double minimum_budget_in_training_flops(double t_eff) {
  return training_flops(1.0, 1.0) + inference_flops(1.0, t_eff);
}

// A budget in the objective's unit as the solvers see it: C in training FLOPs and its log.
struct budget_terms {
  double C;
  double ln_C;
  bool valid;
};

// ln(budget in the objective's unit), computed once per budget value; NaN for a budget that is
// not positive (make_budget_terms marks it invalid).
SCALESWEEP_HD double budget_log(double budget) {
  return budget > 0 ? std::log(budget) : NAN;
}

// ln_budget = budget_log(budget).
SCALESWEEP_HD budget_terms make_budget_terms(const hardware_terms& h, double budget,
                                             double ln_budget) {
  return {budget_in_training_flops(h.k, budget), ln_budget - h.ln_train,
          std::isfinite(budget) && budget > 0};
}

struct budget_solution {
  log_point point;
  cell_status status;
  int iterations;
};

SCALESWEEP_HD budget_solution checked_budget_solution(const log_point& point, int iterations) {
  if (!in_double_range(point.ln_N) || !in_double_range(point.ln_D)) {
    return {{NAN, NAN}, cell_status::out_of_range, iterations};
  }
  return {point, cell_status::ok, iterations};
}

// Whether a cell needs the root-finder: valid inputs, a feasible budget and T_eff > 0.
SCALESWEEP_HD bool budget_needs_root(const prepared_law& p, const budget_terms& b,
                                     const demand& d) {
  return is_valid(p.law) && b.valid && d.valid && d.t_eff > 0 &&
         !(b.C < minimum_budget_in_training_flops(d.t_eff));
}

SCALESWEEP_HD budget_solution solve_budget(const prepared_law& p, const budget_terms& b,
                                           const demand& d) {
  if (!is_valid(p.law) || !b.valid || !d.valid) {
    return {{NAN, NAN}, cell_status::invalid_input, 0};
  }
  if (b.C < minimum_budget_in_training_flops(d.t_eff)) {
    return {{NAN, NAN}, cell_status::infeasible, 0};
  }
  if (!(d.t_eff > 0)) {
    return checked_budget_solution(chinchilla_budget_point(p, b.ln_C - ln_6), 0);
  }
  const budget_setup<double> setup = setup_budget(p, b.ln_C, d.ln_t_eff);
  const root_result root =
      safeguarded_root(setup.condition, setup.start.lo, setup.start.hi, setup.start.x);
  if (!root.converged) {
    return {{NAN, NAN}, cell_status::not_converged, root.iterations};
  }
  return checked_budget_solution(budget_point(setup, root.x), root.iterations);
}

// A model as the budget problem reports it: N, D and its loss, from ln N and ln D.
template <class Real>
struct budget_model_of {
  Real N;
  Real D;
  Real loss;
};
using budget_model = budget_model_of<double>;

template <class Real>
SCALESWEEP_HD budget_model_of<Real> budget_model_at(const scaling_law& law,
                                                    const log_point_of<Real>& x) {
  return {exp_of(x.ln_N), exp_of(x.ln_D), loss_at_log(law, x.ln_N, x.ln_D)};
}

// The Chinchilla model spends the whole budget on training (the T = 0 budget optimum), as in the
// lesson's chart; it depends on the budget and the hardware only, so sweeps compute it once per
// (hardware, budget).
SCALESWEEP_HD budget_model budget_chinchilla(const prepared_law& p, const budget_terms& b) {
  return budget_model_at(p.law, chinchilla_budget_point(p, b.ln_C - ln_6));
}

// One output cell: the optimum and its loss, and the Chinchilla model of the same budget; for
// each, tokens per parameter and the lifetime cost's parts when serving the cell's T (the
// Chinchilla model's exceed the budget: it spent all of it on training).
struct budget_result {
  double N = NAN;
  double D = NAN;
  double tokens_per_param = NAN;
  double loss = NAN;
  double train_cost = NAN;
  double serve_cost = NAN;
  double chinchilla_N = NAN;
  double chinchilla_D = NAN;
  double chinchilla_tokens_per_param = NAN;
  double chinchilla_loss = NAN;
  double chinchilla_train_cost = NAN;
  double chinchilla_serve_cost = NAN;
  cell_status status = cell_status::ok;
  int iterations = 0;
};

// A cell without an optimum: every number NaN.
SCALESWEEP_HD budget_result budget_failure(cell_status status, int iterations) {
  budget_result r;
  r.status = status;
  r.iterations = iterations;
  return r;
}

// An optimum in double range; out_of_range when the Chinchilla model it is compared with is not
// (an extreme custom law can put that one beyond 1e308 while the optimum is fine). The Chinchilla
// model's serving cost may overflow to inf while both models are in range (a huge T): it is
// stored as such, as `optimum` reports it.
SCALESWEEP_HD budget_result budget_result_of(const cost_coefficients& k, double T,
                                             const budget_model& opt, const budget_model& chin,
                                             int iterations) {
  const bool chin_in_range = chin.N > 0 && chin.D > 0 && chin.N < HUGE_VAL && chin.D < HUGE_VAL;
  if (!chin_in_range) {
    return budget_failure(cell_status::out_of_range, iterations);
  }
  const cost_split cost = lifetime_cost_split(k, opt.N, opt.D, T);
  const cost_split chin_cost = lifetime_cost_split(k, chin.N, chin.D, T);
  budget_result r;
  r.N = opt.N;
  r.D = opt.D;
  r.tokens_per_param = tokens_per_parameter(opt.N, opt.D);
  r.loss = opt.loss;
  r.train_cost = cost.train;
  r.serve_cost = cost.serve;
  r.chinchilla_N = chin.N;
  r.chinchilla_D = chin.D;
  r.chinchilla_tokens_per_param = tokens_per_parameter(chin.N, chin.D);
  r.chinchilla_loss = chin.loss;
  r.chinchilla_train_cost = chin_cost.train;
  r.chinchilla_serve_cost = chin_cost.serve;
  r.iterations = iterations;
  return r;
}

SCALESWEEP_HD budget_result finish_budget(const prepared_law& p, const hardware_terms& h,
                                          const demand& d, const budget_model& chin,
                                          const budget_solution& s) {
  if (s.status != cell_status::ok) {
    return budget_failure(s.status, s.iterations);
  }
  return budget_result_of(h.k, d.T, budget_model_at(p.law, s.point), chin, s.iterations);
}

SCALESWEEP_HD budget_result budget_cell_result(const prepared_law& p, const hardware_terms& h,
                                               const budget_terms& b, const budget_model& chin,
                                               const demand& d) {
  return finish_budget(p, h, d, chin, solve_budget(p, b, d));
}

// One cell from plain numbers (CLI, tests): the same functions a sweep applies per axis and row.
SCALESWEEP_HD budget_result budget_optimum(const scaling_law& law, const cost_coefficients& k,
                                           double budget, double T) {
  const prepared_law p = prepare_law(law);
  const hardware_terms h = make_hardware_terms(k);
  const budget_terms b = make_budget_terms(h, budget, budget_log(budget));
  return budget_cell_result(p, h, b, budget_chinchilla(p, b), make_demand(h, T, demand_log(T)));
}

} // namespace scalesweep
