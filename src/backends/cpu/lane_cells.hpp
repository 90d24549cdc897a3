// The optimum problems' cells on the CPU's SIMD lanes, whatever supplies their inputs: a sweep's
// row segment (lanes_driver.cpp) or arrays broadcast by a caller (cell_arrays.cpp). Cells that need
// a root go through simd::*_lanes in packs; the rest, and any lane that has not converged, through
// the scalar cell function, so every cell's result is what the scalar path would store.
#pragma once

#include "scalesweep/math/budget_optimum.hpp"
#include "scalesweep/math/constrained_regret.hpp"
#include "scalesweep/math/demand.hpp"
#include "scalesweep/math/demand_regret.hpp"
#include "scalesweep/math/loss_target_optimum.hpp"
#include "scalesweep/math/serving_constraints.hpp"

#include "backends/cpu/simd/cpu_lanes.hpp"

#include <cmath>
#include <cstddef>
#include <vector>

namespace scalesweep {

// Per-thread scratch for one batch of cells: lane inputs and outputs, and which cells use them.
struct lane_scratch {
  std::vector<double> input, ln_t_eff, ln_N, ln_D, N, D, loss, regret;
  std::vector<unsigned char> converged, regular;
  std::vector<budget_bound_model> on_bound; // budget cells under a serving limit

  simd::lane_output resize(std::size_t n) {
    for (std::vector<double>* v : {&input, &ln_t_eff, &ln_N, &ln_D, &N, &D, &loss, &regret}) {
      v->resize(n);
    }
    converged.resize(n);
    regular.resize(n);
    return {ln_N.data(), ln_D.data(),      N.data(),     D.data(),
            loss.data(), converged.data(), regret.data()};
  }

  // Irregular cells get a regular cell's inputs, so every lane computes something valid; false
  // when no cell of the batch is regular.
  bool fill_irregular(std::size_t n) {
    std::size_t first = n;
    for (std::size_t j = 0; j < n && first == n; ++j) {
      first = regular[j] ? j : n;
    }
    if (first == n) {
      return false;
    }
    for (std::size_t j = 0; j < n; ++j) {
      if (!regular[j]) {
        input[j] = input[first];
        ln_t_eff[j] = ln_t_eff[first];
      }
    }
    return true;
  }

  bool usable(std::size_t j) const {
    return regular[j] && converged[j] && in_double_range(ln_N[j]) && in_double_range(ln_D[j]);
  }
};

inline lane_scratch& thread_lane_scratch() {
  thread_local lane_scratch s;
  return s;
}

// Loss-target optima of n cells under one hardware scenario: cell j's target is target_at(j)
// (loss_target_terms), its demand demand_at(j), its serving bound bound_at(j) (a
// loss_target_bound pointer, null without constraints); store(j, loss_target_result) takes each
// result. Cells that the bound settles need no root: the scalar cell function takes them.
template <class TargetAt, class DemandAt, class BoundAt, class Store>
void loss_target_cells_on_lanes(const prepared_law& law, const hardware_terms& h, std::size_t n,
                                const TargetAt& target_at, const DemandAt& demand_at,
                                const BoundAt& bound_at, const Store& store) {
  lane_scratch& s = thread_lane_scratch();
  const simd::lane_output lanes = s.resize(n);
  for (std::size_t j = 0; j < n; ++j) {
    const loss_target_terms& target = target_at(j);
    const demand& d = demand_at(j);
    const loss_target_bound* bound = bound_at(j);
    s.regular[j] =
        loss_target_needs_root(target, d) && !(bound != nullptr && bound_settles(d, target, *bound))
            ? 1
            : 0;
    s.input[j] = target.ln_R;
    s.ln_t_eff[j] = d.ln_t_eff;
  }
  if (s.fill_irregular(n)) {
    simd::loss_target_lanes(law, s.ln_t_eff.data(), s.input.data(), static_cast<std::int64_t>(n),
                            lanes);
  }
  for (std::size_t j = 0; j < n; ++j) {
    store(j, s.usable(j) ? loss_target_result_of(h, demand_at(j), target_at(j), s.N[j], s.D[j],
                                                 simd::lane_steps)
                         : loss_target_cell_under(law, h, demand_at(j), target_at(j), bound_at(j)));
  }
}

// Budget optima of n cells under one hardware scenario h: cell j's budget is terms_at(j)
// (budget_terms), its Chinchilla model chinchilla_at(j) (budget_chinchilla of those terms), its
// demand demand_at(j); store(j, budget_result) takes each result. `limit` is h's N_max (null
// without constraints): cells where it binds need no root and take the scalar cell function.
template <class TermsAt, class ChinchillaAt, class DemandAt, class Store>
void budget_cells_on_lanes(const prepared_law& law, const hardware_terms& h,
                           const serving_limit* limit, std::size_t n, const TermsAt& terms_at,
                           const ChinchillaAt& chinchilla_at, const DemandAt& demand_at,
                           const Store& store) {
  lane_scratch& s = thread_lane_scratch();
  const simd::lane_output lanes = s.resize(n);
  s.on_bound.resize(n);
  for (std::size_t j = 0; j < n; ++j) {
    const budget_terms terms = terms_at(j);
    const demand& d = demand_at(j);
    s.on_bound[j] = limit != nullptr ? budget_on_bound(law, terms, d, *limit)
                                     : budget_bound_model{false, {NAN, NAN, NAN}};
    s.regular[j] = budget_needs_root(law, terms, d) && !s.on_bound[j].binds ? 1 : 0;
    s.input[j] = terms.ln_C;
    s.ln_t_eff[j] = d.ln_t_eff;
  }
  if (s.fill_irregular(n)) {
    simd::budget_lanes(law, s.ln_t_eff.data(), s.input.data(), static_cast<std::int64_t>(n), lanes);
  }
  for (std::size_t j = 0; j < n; ++j) {
    // A binding cell's model is the one the mask found (constrained_budget_cell_result's).
    store(j, s.on_bound[j].binds
                 ? budget_result_on_bound(h, demand_at(j), s.on_bound[j].model, chinchilla_at(j))
             : s.usable(j)
                 ? budget_result_of(h.k, demand_at(j).T, {s.N[j], s.D[j], s.loss[j]},
                                    chinchilla_at(j), simd::lane_steps)
                 : budget_cell_under(law, h, terms_at(j), chinchilla_at(j), demand_at(j), limit));
  }
}

// Robust models of n cells sharing one demand d and spread: cell j's loss target is target_at(j)
// (loss_target_terms), its serving bound bound_at(j) (a loss_target_bound pointer, null without
// constraints); store(j, robust_result) takes each result. Cells whose spread the bound touches
// (constrained_regret.hpp's cases b and c) take the scalar cell function.
template <class TargetAt, class BoundAt, class Store>
void robust_cells_on_lanes(const prepared_law& law, const demand& d, const spread_terms& spread,
                           std::size_t n, const TargetAt& target_at, const BoundAt& bound_at,
                           const Store& store) {
  lane_scratch& s = thread_lane_scratch();
  const simd::lane_output lanes = s.resize(n);
  for (std::size_t j = 0; j < n; ++j) {
    const loss_target_terms& target = target_at(j);
    const loss_target_bound* bound = bound_at(j);
    s.regular[j] = robust_needs_roots(target, d, spread) &&
                           !(bound != nullptr && bound_touches_spread(*bound, d, spread))
                       ? 1
                       : 0;
    s.input[j] = target.ln_R;
  }
  if (s.fill_irregular(n)) {
    simd::robust_lanes(law, scaled_demand(d, spread, false).ln_t_eff,
                       scaled_demand(d, spread, true).ln_t_eff, s.input.data(),
                       static_cast<std::int64_t>(n), lanes);
  }
  for (std::size_t j = 0; j < n; ++j) {
    const bool usable = s.regular[j] && s.converged[j];
    store(j, usable ? robust_within_bound(robust_result_of(s.ln_N[j], s.ln_D[j], s.N[j], s.D[j],
                                                           s.regret[j], 2 * simd::lane_steps),
                                          bound_at(j))
                    : constrained_robust_cell_result(law, d, target_at(j), spread, bound_at(j)));
  }
}

// The share-form regrets (regret_of) of a dense regret row segment's n cells whose ratio form,
// already in regret[], did not settle every cell: the lanes run the share form over the span from
// the first to the last unsettled cell, reading the row's share columns (cell j's plan deviation
// plan_delta[j], its optimum's delta[j], q[j], one_minus_q[j]) in place, and each unsettled cell
// takes its lane's value. In a row (one T_plan, T) the unsettled cells are the loss targets whose
// D is large against both demands, one run of them: the span wastes few lanes, where listing the
// cells and gathering their optima cost more than their share form (docs/benchmarks.md). A cell
// whose model is not ok has NaN columns and is left NaN; returns how many are, for the scalar cell.
inline std::size_t regret_share_span(const prepared_law& law, const double* plan_delta,
                                     const double* delta, const double* q,
                                     const double* one_minus_q, std::size_t n, double* regret) {
  std::size_t lo = 0;
  while (lo < n && ratio_form_holds(regret[lo])) {
    ++lo;
  }
  std::size_t hi = n;
  while (hi > lo && ratio_form_holds(regret[hi - 1])) {
    --hi;
  }
  if (lo == hi) {
    return 0;
  }
  thread_local std::vector<double> share;
  share.resize(hi - lo);
  simd::regret_lanes(law, plan_delta + lo, delta + lo, q + lo, one_minus_q + lo,
                     static_cast<std::int64_t>(hi - lo), share.data());
  std::size_t left_nan = 0;
  for (std::size_t j = lo; j < hi; ++j) { // branch-free: which cells hold is data
    const double x = ratio_form_holds(regret[j]) ? regret[j] : share[j - lo];
    regret[j] = x;
    left_nan += std::isnan(x) ? 1 : 0;
  }
  return left_nan;
}

// The cells on the lanes where `lanes` (the CPU has them), else one by one through the scalar cell
// function: what a caller that serves both CPUs writes once.
template <class TargetAt, class DemandAt, class BoundAt, class Store>
void loss_target_cells(const prepared_law& law, const hardware_terms& h, std::size_t n,
                       const TargetAt& target_at, const DemandAt& demand_at,
                       const BoundAt& bound_at, const Store& store, bool lanes) {
  if (lanes) {
    loss_target_cells_on_lanes(law, h, n, target_at, demand_at, bound_at, store);
    return;
  }
  for (std::size_t j = 0; j < n; ++j) {
    store(j, loss_target_cell_under(law, h, demand_at(j), target_at(j), bound_at(j)));
  }
}

template <class TermsAt, class ChinchillaAt, class DemandAt, class Store>
void budget_cells(const prepared_law& law, const hardware_terms& h, const serving_limit* limit,
                  std::size_t n, const TermsAt& terms_at, const ChinchillaAt& chinchilla_at,
                  const DemandAt& demand_at, const Store& store, bool lanes) {
  if (lanes) {
    budget_cells_on_lanes(law, h, limit, n, terms_at, chinchilla_at, demand_at, store);
    return;
  }
  for (std::size_t j = 0; j < n; ++j) {
    store(j, budget_cell_under(law, h, terms_at(j), chinchilla_at(j), demand_at(j), limit));
  }
}

} // namespace scalesweep
