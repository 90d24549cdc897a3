// The problems a sweep solves, the order of their dimensions and of their output columns (the plan
// names them; backends and writers index by them).
#pragma once

#include "scalesweep/cells/axis_id.hpp"

#include <cstddef>

namespace scalesweep {

enum class problem_kind { dense_loss, dense_cost, budget_curve, loss_target, budget };

// Each problem's dimensions, outermost first: the one order that the plan's grid shapes, the
// backends' cell indexing (the *_dims positions below) and the file's dimensions follow.
inline constexpr axis_id dense_loss_axes[] = {axis_id::N, axis_id::D};
inline constexpr axis_id dense_cost_axes[] = {axis_id::hardware, axis_id::T, axis_id::N,
                                              axis_id::D};
inline constexpr axis_id budget_curve_axes[] = {axis_id::hardware, axis_id::T, axis_id::budget,
                                                axis_id::N};
inline constexpr axis_id loss_target_axes[] = {axis_id::hardware, axis_id::T, axis_id::loss_target};
inline constexpr axis_id budget_axes[] = {axis_id::hardware, axis_id::T, axis_id::budget};

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

template <std::size_t Rank>
constexpr int rank_of(const axis_id (&)[Rank]) {
  return static_cast<int>(Rank);
}

namespace dense_loss_dims {
enum : int {
  N = dim_of(dense_loss_axes, axis_id::N),
  D = dim_of(dense_loss_axes, axis_id::D),
  rank = rank_of(dense_loss_axes)
};
}
namespace dense_cost_dims {
enum : int {
  hardware = dim_of(dense_cost_axes, axis_id::hardware),
  T = dim_of(dense_cost_axes, axis_id::T),
  N = dim_of(dense_cost_axes, axis_id::N),
  D = dim_of(dense_cost_axes, axis_id::D),
  rank = rank_of(dense_cost_axes)
};
}
namespace budget_curve_dims {
enum : int {
  hardware = dim_of(budget_curve_axes, axis_id::hardware),
  T = dim_of(budget_curve_axes, axis_id::T),
  budget = dim_of(budget_curve_axes, axis_id::budget),
  N = dim_of(budget_curve_axes, axis_id::N),
  rank = rank_of(budget_curve_axes)
};
}
namespace loss_target_dims {
enum : int {
  hardware = dim_of(loss_target_axes, axis_id::hardware),
  T = dim_of(loss_target_axes, axis_id::T),
  loss_target = dim_of(loss_target_axes, axis_id::loss_target),
  rank = rank_of(loss_target_axes)
};
}
namespace budget_dims {
enum : int {
  hardware = dim_of(budget_axes, axis_id::hardware),
  T = dim_of(budget_axes, axis_id::T),
  budget = dim_of(budget_axes, axis_id::budget),
  rank = rank_of(budget_axes)
};
}

namespace budget_curve_columns {
enum : int { loss, D, count };
}
namespace loss_target_columns {
enum : int { N, D, cost, chinchilla_N, chinchilla_D, chinchilla_cost, count };
}
namespace budget_columns {
enum : int { N, D, loss, chinchilla_N, chinchilla_D, chinchilla_loss, count };
}

} // namespace scalesweep
