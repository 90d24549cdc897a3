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

// What every cell of a dense row shares: the law's and the scenario's validity, and the ratio
// k_train/k_inference that converts T_eff back to tokens.
struct implied_demand_scale {
  double train_over_inference;
  bool valid;
};

SCALESWEEP_HD implied_demand_scale make_implied_demand_scale(const prepared_law& p,
                                                             const hardware_terms& h) {
  const bool valid = is_valid(p.law) && std::isfinite(h.k.train) && h.k.train > 0 &&
                     std::isfinite(h.k.inference) && h.k.inference > 0;
  return {h.k.train / h.k.inference, valid};
}

// The cell's inputs are in range: the scale valid (make_implied_demand_scale), and each term and
// D positive and finite; otherwise the cell is invalid_input. The row's parameter term and a
// column's data term and D apart, so that a dense row checks the first once. `&` rather than
// `&&`, and comparisons false for NaN, so that a row of cells vectorises.
SCALESWEEP_HD bool implied_demand_parameter_valid(double parameter_term) {
  return (parameter_term > 0) & (parameter_term < HUGE_VAL);
}

SCALESWEEP_HD bool implied_demand_column_valid(double data_term, double D) {
  return (D > 0) & (D < HUGE_VAL) & (data_term > 0) & (data_term < HUGE_VAL);
}

// T_eff in FLOP-objective tokens back to the scenario's tokens: the inverse of
// effective_inference_tokens (T k_inference / k_train), a multiply by the reciprocal ratio, one
// rounding like a division, and no second divide per cell.
SCALESWEEP_HD double implied_demand_tokens(const implied_demand_scale& s, double t_eff) {
  return t_eff * s.train_over_inference;
}

// From valid inputs: T_eff and T are in range (neither +inf nor NaN); otherwise the cell is
// out_of_range, unless T_eff < 0 makes it undertrained first.
SCALESWEEP_HD bool implied_demand_in_range(double t_eff, double T) {
  return (T < HUGE_VAL) & (t_eff < HUGE_VAL);
}

// One cell from per-axis terms: parameter_term = A N^-alpha (law.hpp parameter_term),
// data_term = B D^-beta (data_term), both as the dense loss grid already holds them.
// T = T_eff k_train / k_inference converts back to tokens (SPEC §1.2 identity); for usd, energy and
// co2 k_inference carries the scenario's prefill/decode split. A bracket of exactly 0 is the
// Chinchilla model itself: T = 0, ok (the T = 0 optimum is unique, so no other T reaches it).
SCALESWEEP_HD implied_demand_result implied_demand_from_terms(const scaling_law& law,
                                                              const implied_demand_scale& s,
                                                              double parameter_term,
                                                              double data_term, double D) {
  // No branch, so that the compiler vectorises a row: the status as arithmetic on 0/1 flags
  // (selects between enum values get threaded into jumps that GCC's if-conversion then cannot
  // undo). In order of precedence: invalid input, undertrained (the bracket is negative), out of
  // range, else ok (code 0).
  // The flags as unsigned before the `&`: clang warns on `&` between bools from calls.
  const unsigned valid = static_cast<unsigned>(s.valid) &
                         static_cast<unsigned>(implied_demand_parameter_valid(parameter_term)) &
                         static_cast<unsigned>(implied_demand_column_valid(data_term, D));
  const double t_eff = signed_implied_effective_demand(law, parameter_term, data_term, D);
  const double T = implied_demand_tokens(s, t_eff);
  const auto under = static_cast<unsigned>(t_eff < 0);
  const auto outside = static_cast<unsigned>(!implied_demand_in_range(t_eff, T));
  constexpr auto code = [](cell_status c) { return static_cast<unsigned>(c); };
  const unsigned status_code = (1U - valid) * code(cell_status::invalid_input) +
                               valid * (under * code(cell_status::undertrained) +
                                        (1U - under) * outside * code(cell_status::out_of_range));
  const auto status = static_cast<cell_status>(status_code);
  const bool ok = status_code == code(cell_status::ok);
  return {ok ? T : NAN, ok ? t_eff : NAN, status};
}

SCALESWEEP_HD implied_demand_result implied_demand_cell(const prepared_law& p,
                                                        const hardware_terms& h,
                                                        double parameter_term, double data_term,
                                                        double D) {
  return implied_demand_from_terms(p.law, make_implied_demand_scale(p, h), parameter_term,
                                   data_term, D);
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
