// Host-side dispatch from a plan's runtime problem kind to each backend's per-problem template
// instantiations, and the rank check that guards them.
#pragma once

#include "scalesweep/cells/problem_rows.hpp"
#include "scalesweep/cells/tile.hpp"
#include "scalesweep/error.hpp"

#include <string>
#include <type_traits>

namespace scalesweep {

// Calls f(std::integral_constant<problem_kind, K>{}) for the runtime `kind`: the one switch from
// a plan's problem to each backend's per-problem instantiations (host code only). The problems
// with a sample axis have no rows of their own: backends solve them through their optimum's rows
// (has_sample_axis, optimum_per_sample), never through this switch.
template <class F>
void with_problem_kind(problem_kind kind, F&& f) {
  using k = problem_kind;
  switch (kind) {
  case k::dense_loss:
    return f(std::integral_constant<k, k::dense_loss>{});
  case k::dense_cost:
    return f(std::integral_constant<k, k::dense_cost>{});
  case k::budget_curve:
    return f(std::integral_constant<k, k::budget_curve>{});
  case k::loss_target:
    return f(std::integral_constant<k, k::loss_target>{});
  case k::budget:
    return f(std::integral_constant<k, k::budget>{});
  case k::implied_demand:
    return f(std::integral_constant<k, k::implied_demand>{});
  case k::regret:
    return f(std::integral_constant<k, k::regret>{});
  case k::robust:
    return f(std::integral_constant<k, k::robust>{});
  case k::loss_target_quantiles:
  case k::budget_quantiles:
  case k::loss_target_samples:
  case k::budget_samples:
  case k::robust_quantiles:
  case k::robust_samples:
  case k::regret_quantiles:
  case k::regret_samples:
    throw error("internal error: a problem with a sample axis dispatched as rows");
  }
}

// Host check before a backend hands a tile to the row functions, which take the problem's rank
// as a compile-time constant: a tile of another rank would be decoded wrongly, not rejected.
template <problem_kind Kind>
void check_tile_rank(const tile_box& box) {
  if (box.rank != problem_rows<Kind>::rank) {
    throw error("internal error: a tile of rank " + std::to_string(box.rank) +
                " for a problem of rank " + std::to_string(problem_rows<Kind>::rank));
  }
}

} // namespace scalesweep
