// The problems a sweep solves, the order of their dimensions and of their output columns (the plan
// names them; backends and writers index by them).
#pragma once

#include "scalesweep/cells/axis_id.hpp"

#include <cstddef>

namespace scalesweep {

enum class problem_kind {
  dense_loss,
  dense_cost,
  budget_curve,
  loss_target,
  budget,
  implied_demand
};

// Each problem's dimensions, outermost first: the one order that the plan's grid shapes, the
// backends' cell indexing (axis_position below) and the file's dimensions follow.
inline constexpr axis_id dense_loss_axes[] = {axis_id::N, axis_id::D};
inline constexpr axis_id dense_cost_axes[] = {axis_id::hardware, axis_id::T, axis_id::N,
                                              axis_id::D};
inline constexpr axis_id budget_curve_axes[] = {axis_id::hardware, axis_id::T, axis_id::budget,
                                                axis_id::N};
inline constexpr axis_id loss_target_axes[] = {axis_id::hardware, axis_id::T, axis_id::loss_target};
inline constexpr axis_id budget_axes[] = {axis_id::hardware, axis_id::T, axis_id::budget};
inline constexpr axis_id implied_demand_axes[] = {axis_id::hardware, axis_id::N, axis_id::D};

// The position of `id` among `axes`; an axis the problem does not have fails to compile (the
// throw makes the constant expression invalid).
template <std::size_t Rank>
constexpr int dim_of(const axis_id (&axes)[Rank], axis_id id) {
  for (std::size_t d = 0; d < Rank; ++d) {
    if (axes[d] == id) {
      return static_cast<int>(d);
    }
  }
  throw "the problem has no such axis";
}

// At compile time, for kernels and loops: axis_position<budget_axes, axis_id::T> is 1, and
// axes_rank<budget_axes> is 3.
template <const auto& Axes, axis_id Id>
inline constexpr int axis_position = dim_of(Axes, Id);
template <const auto& Axes>
inline constexpr int axes_rank = static_cast<int>(sizeof(Axes) / sizeof(Axes[0]));

namespace budget_curve_columns {
enum : int { loss, D, count };
}
// The implied demand of a trained model (N, D): lifetime inference tokens, then the status.
namespace implied_demand_columns {
enum : int { T, count };
}
// The optima: each model's N, D, tokens per parameter, its cost or loss and the cost's parts;
// first the optimum, then the Chinchilla model it is compared with.
namespace loss_target_columns {
enum : int {
  N,
  D,
  tokens_per_param,
  cost,
  train_cost,
  serve_cost,
  chinchilla_N,
  chinchilla_D,
  chinchilla_tokens_per_param,
  chinchilla_cost,
  chinchilla_train_cost,
  chinchilla_serve_cost,
  count
};
}
namespace budget_columns {
enum : int {
  N,
  D,
  tokens_per_param,
  loss,
  train_cost,
  serve_cost,
  chinchilla_N,
  chinchilla_D,
  chinchilla_tokens_per_param,
  chinchilla_loss,
  chinchilla_train_cost,
  chinchilla_serve_cost,
  count
};
}

} // namespace scalesweep
