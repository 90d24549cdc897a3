// The problems a sweep solves, the order of their dimensions and of their output columns (the plan
// names them; backends and writers index by them).
#pragma once

#include "scalesweep/cells/axis_id.hpp"

#include <cstddef>

namespace scalesweep {

// The *_quantiles and *_samples problems are the optima under law uncertainty (SPEC §5.5): per
// cell, quantiles over the law samples (and the feasible fraction), or every sample's optimum kept.
enum class problem_kind {
  dense_loss,
  dense_cost,
  budget_curve,
  loss_target,
  budget,
  implied_demand,
  loss_target_quantiles,
  budget_quantiles,
  loss_target_samples,
  budget_samples,
  regret,
  robust,
  robust_quantiles,
  robust_samples,
  regret_quantiles,
  regret_samples
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
inline constexpr axis_id regret_axes[] = {axis_id::hardware, axis_id::T_plan, axis_id::T,
                                          axis_id::loss_target};
inline constexpr axis_id robust_axes[] = {axis_id::hardware, axis_id::spread, axis_id::T,
                                          axis_id::loss_target};
// Under law uncertainty the optima gain a leading dimension: the quantile levels (a tile spans all
// of them, so each cell's samples are solved once for every level) or the samples.
inline constexpr axis_id loss_target_quantiles_axes[] = {axis_id::quantile, axis_id::hardware,
                                                         axis_id::T, axis_id::loss_target};
inline constexpr axis_id budget_quantiles_axes[] = {axis_id::quantile, axis_id::hardware,
                                                    axis_id::T, axis_id::budget};
inline constexpr axis_id loss_target_samples_axes[] = {axis_id::sample, axis_id::hardware,
                                                       axis_id::T, axis_id::loss_target};
inline constexpr axis_id budget_samples_axes[] = {axis_id::sample, axis_id::hardware, axis_id::T,
                                                  axis_id::budget};
inline constexpr axis_id robust_quantiles_axes[] = {
    axis_id::quantile, axis_id::hardware, axis_id::spread, axis_id::T, axis_id::loss_target};
inline constexpr axis_id robust_samples_axes[] = {
    axis_id::sample, axis_id::hardware, axis_id::spread, axis_id::T, axis_id::loss_target};
inline constexpr axis_id regret_quantiles_axes[] = {
    axis_id::quantile, axis_id::hardware, axis_id::T_plan, axis_id::T, axis_id::loss_target};
inline constexpr axis_id regret_samples_axes[] = {
    axis_id::sample, axis_id::hardware, axis_id::T_plan, axis_id::T, axis_id::loss_target};

// Whether a problem solves its optimum once per law sample, and which plain optimum that is.
constexpr bool reduces_to_quantiles(problem_kind kind) {
  return kind == problem_kind::loss_target_quantiles || kind == problem_kind::budget_quantiles ||
         kind == problem_kind::robust_quantiles || kind == problem_kind::regret_quantiles;
}
constexpr bool keeps_samples(problem_kind kind) {
  return kind == problem_kind::loss_target_samples || kind == problem_kind::budget_samples ||
         kind == problem_kind::robust_samples || kind == problem_kind::regret_samples;
}
constexpr bool has_sample_axis(problem_kind kind) {
  return reduces_to_quantiles(kind) || keeps_samples(kind);
}
constexpr problem_kind optimum_per_sample(problem_kind kind) {
  switch (kind) {
  case problem_kind::loss_target_quantiles:
  case problem_kind::loss_target_samples:
    return problem_kind::loss_target;
  case problem_kind::robust_quantiles:
  case problem_kind::robust_samples:
    return problem_kind::robust;
  case problem_kind::regret_quantiles:
  case problem_kind::regret_samples:
    return problem_kind::regret;
  default:
    return problem_kind::budget;
  }
}

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
// Regret of the model planned for T_plan once the demand is T (SPEC §5.4), then the status.
namespace regret_columns {
enum : int { regret, count };
}
// The robust model over demands [T/s, T s] and its largest regret there, then the status.
namespace robust_columns {
enum : int { N, D, regret, count };
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

// The quantile problems: each number's quantiles over the samples with an optimum (the saving is
// 1 - opt_cost / chinchilla_cost, N_ratio opt_N / chinchilla_N, each per sample), then the share
// of samples with one (no quantile dimension). The *_samples problems have their optimum's
// columns.
namespace loss_target_quantiles_columns {
enum : int { N, D, cost, saving, N_ratio, feasible_fraction, count };
}
namespace budget_quantiles_columns {
enum : int { N, D, loss, feasible_fraction, count };
}
namespace robust_quantiles_columns {
enum : int { N, D, regret, feasible_fraction, count };
}
namespace regret_quantiles_columns {
enum : int { regret, feasible_fraction, count };
}

} // namespace scalesweep
