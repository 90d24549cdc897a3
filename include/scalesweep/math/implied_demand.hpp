// Implied demand (SPEC §5.3): the inference demand T for which a trained model (N, D) is the
// loss-target optimum at its own loss. Closed form from the first-order condition; the derivation
// is in docs/economics.md §3.
#pragma once

#include "scalesweep/math/cost_model.hpp"
#include "scalesweep/math/host_device.hpp"
#include "scalesweep/math/law.hpp"
#include "scalesweep/math/real_ops.hpp"
#include "scalesweep/math/status.hpp"

#include <cmath>

namespace scalesweep {

// On the iso-loss curve through (N, D) the first-order condition of min 6ND + 2NT (Lagrange;
// docs/economics.md eq. 3.2) is beta u (1 + T/(3D)) = alpha a with a = A N^-alpha, u = B D^-beta:
//   T_eff = 3D [alpha a / (beta u) - 1] = 3D (alpha a - beta u) / (beta u)          (SPEC §5.3)
// in FLOP-objective tokens. Negative: the model holds fewer tokens per parameter than the T = 0
// (Chinchilla) optimum of its loss, which no demand T >= 0 can justify.
// Written as a difference over beta u: alpha a and beta u are each one rounding from a and u, and
// their difference is exact where they are close (Sterbenz), so the only error beyond that of a
// and u is one rounding; near the Chinchilla point the result's relative error grows like
// alpha a / |alpha a - beta u|, the condition of T_eff itself in a and u.
template <class Real>
SCALESWEEP_HD Real signed_implied_effective_demand(const scaling_law& law, Real parameter_term,
                                                   Real data_term, Real D) {
  const Real beta_u = law.beta * data_term;
  return 3.0 * D * ((law.alpha * parameter_term - beta_u) / beta_u);
}

struct implied_demand_result {
  double T;     // lifetime inference tokens in the scenario's accounting (NaN unless ok)
  double t_eff; // the same in FLOP-objective tokens: T k_inference / k_train
  cell_status status;
};

// One cell from per-axis terms: parameter_term = A N^-alpha (law.hpp parameter_term),
// data_term = B D^-beta (data_term), both as the dense loss grid already holds them.
// T = T_eff k_train / k_inference converts back to tokens (SPEC §1.2 identity); for usd, energy and
// co2 k_inference carries the scenario's prefill/decode split. A bracket of exactly 0 is the
// Chinchilla model itself: T = 0, ok (the T = 0 optimum is unique, so no other T reaches it).
SCALESWEEP_HD implied_demand_result implied_demand_cell(const prepared_law& p,
                                                        const hardware_terms& h,
                                                        double parameter_term, double data_term,
                                                        double D) {
  const bool valid = is_valid(p.law) && std::isfinite(D) && D > 0 &&
                     std::isfinite(parameter_term) && parameter_term > 0 &&
                     std::isfinite(data_term) && data_term > 0 && std::isfinite(h.k.train) &&
                     h.k.train > 0 && std::isfinite(h.k.inference) && h.k.inference > 0;
  if (!valid) {
    return {NAN, NAN, cell_status::invalid_input};
  }
  const double t_eff = signed_implied_effective_demand(p.law, parameter_term, data_term, D);
  if (t_eff < 0) {
    return {NAN, NAN, cell_status::undertrained};
  }
  // The inverse of effective_inference_tokens: the same ratio k_inference/k_train, divided out.
  const double T = t_eff / (h.k.inference / h.k.train);
  if (!(T < HUGE_VAL) || !(t_eff < HUGE_VAL)) {
    return {NAN, NAN, cell_status::out_of_range};
  }
  return {T, t_eff, cell_status::ok};
}

// One model from plain numbers (eval, tests): the terms a dense grid would hold for N and D.
SCALESWEEP_HD implied_demand_result implied_demand(const scaling_law& law,
                                                   const cost_coefficients& k, double N, double D) {
  if (!(N > 0) || !(D > 0)) {
    return {NAN, NAN, cell_status::invalid_input};
  }
  return implied_demand_cell(prepare_law(law), make_hardware_terms(k), parameter_term(law, N),
                             data_term(law, D), D);
}

} // namespace scalesweep
