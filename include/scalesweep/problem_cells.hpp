// Per-cell work of each problem: decode the cell's axis values, solve, store. Both backends call
// these.
#pragma once

#include "scalesweep/budget_optimum.hpp"
#include "scalesweep/cost_model.hpp"
#include "scalesweep/host_device.hpp"
#include "scalesweep/law.hpp"
#include "scalesweep/loss_target_optimum.hpp"
#include "scalesweep/tile.hpp"

#include <cstdint>

namespace scalesweep {

// Axis values and per-scenario cost coefficients, as raw pointers into host or device memory.
struct sweep_views {
  scaling_law law;
  const cost_coefficients* hardware;
  const double* T;
  const double* N;
  const double* D;
  const double* loss_target;
  const double* budget;
};

inline constexpr int max_f64_columns = 8;

// Output columns of one tile, each holding cell_count(box) values in the box's row-major order.
struct tile_columns {
  double* f64[max_f64_columns];
  std::uint8_t* status; // null for problems without a status
};

// The problems, their dimension order (problems.cpp names them) and their column order.
enum class problem_kind { dense_loss, dense_cost, budget_curve, loss_target, budget };

namespace dense_loss_dims {
enum : int { N, D, rank };
}
namespace dense_cost_dims {
enum : int { hardware, T, N, D, rank };
}
namespace budget_curve_dims {
enum : int { hardware, T, budget, N, rank };
}
namespace loss_target_dims {
enum : int { hardware, T, loss_target, rank };
}
namespace budget_dims {
enum : int { hardware, T, budget, rank };
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

SCALESWEEP_HD void dense_loss_cell(const sweep_views& v, const tile_box& box, std::int64_t i,
                                   const tile_columns& out) {
  std::int64_t g[max_rank] = {};
  grid_index(box, i, g);
  out.f64[0][i] = loss(v.law, v.N[g[dense_loss_dims::N]], v.D[g[dense_loss_dims::D]]);
}

SCALESWEEP_HD void dense_cost_cell(const sweep_views& v, const tile_box& box, std::int64_t i,
                                   const tile_columns& out) {
  std::int64_t g[max_rank] = {};
  grid_index(box, i, g);
  out.f64[0][i] =
      lifetime_cost(v.hardware[g[dense_cost_dims::hardware]], v.N[g[dense_cost_dims::N]],
                    v.D[g[dense_cost_dims::D]], v.T[g[dense_cost_dims::T]]);
}

// The lesson's curve: loss of an N-parameter model trained on what the budget leaves after
// serving T tokens. NaN where no training tokens are left.
SCALESWEEP_HD void budget_curve_cell(const sweep_views& v, const tile_box& box, std::int64_t i,
                                     const tile_columns& out) {
  std::int64_t g[max_rank] = {};
  grid_index(box, i, g);
  const cost_coefficients& k = v.hardware[g[budget_curve_dims::hardware]];
  const double N = v.N[g[budget_curve_dims::N]];
  const double D =
      budget_line_tokens(budget_in_training_flops(k, v.budget[g[budget_curve_dims::budget]]),
                         effective_inference_tokens(k, v.T[g[budget_curve_dims::T]]), N);
  const bool feasible = D > 0;
  out.f64[budget_curve_columns::loss][i] = feasible ? loss(v.law, N, D) : NAN;
  out.f64[budget_curve_columns::D][i] = feasible ? D : NAN;
}

SCALESWEEP_HD void loss_target_cell(const sweep_views& v, const tile_box& box, std::int64_t i,
                                    const tile_columns& out) {
  std::int64_t g[max_rank] = {};
  grid_index(box, i, g);
  const loss_target_result r = loss_target_optimum(v.law, v.hardware[g[loss_target_dims::hardware]],
                                                   v.loss_target[g[loss_target_dims::loss_target]],
                                                   v.T[g[loss_target_dims::T]]);
  out.f64[loss_target_columns::N][i] = r.N;
  out.f64[loss_target_columns::D][i] = r.D;
  out.f64[loss_target_columns::cost][i] = r.cost;
  out.f64[loss_target_columns::chinchilla_N][i] = r.chinchilla_N;
  out.f64[loss_target_columns::chinchilla_D][i] = r.chinchilla_D;
  out.f64[loss_target_columns::chinchilla_cost][i] = r.chinchilla_cost;
  out.status[i] = static_cast<std::uint8_t>(r.status);
}

SCALESWEEP_HD void budget_cell(const sweep_views& v, const tile_box& box, std::int64_t i,
                               const tile_columns& out) {
  std::int64_t g[max_rank] = {};
  grid_index(box, i, g);
  const budget_result r = budget_optimum(v.law, v.hardware[g[budget_dims::hardware]],
                                         v.budget[g[budget_dims::budget]], v.T[g[budget_dims::T]]);
  out.f64[budget_columns::N][i] = r.N;
  out.f64[budget_columns::D][i] = r.D;
  out.f64[budget_columns::loss][i] = r.loss;
  out.f64[budget_columns::chinchilla_N][i] = r.chinchilla_N;
  out.f64[budget_columns::chinchilla_D][i] = r.chinchilla_D;
  out.f64[budget_columns::chinchilla_loss][i] = r.chinchilla_loss;
  out.status[i] = static_cast<std::uint8_t>(r.status);
}

// One dispatch for both backends, so adding a problem touches this switch and problems.cpp only.
SCALESWEEP_HD void compute_cell(problem_kind kind, const sweep_views& v, const tile_box& box,
                                std::int64_t i, const tile_columns& out) {
  switch (kind) {
  case problem_kind::dense_loss:
    dense_loss_cell(v, box, i, out);
    break;
  case problem_kind::dense_cost:
    dense_cost_cell(v, box, i, out);
    break;
  case problem_kind::budget_curve:
    budget_curve_cell(v, box, i, out);
    break;
  case problem_kind::loss_target:
    loss_target_cell(v, box, i, out);
    break;
  case problem_kind::budget:
    budget_cell(v, box, i, out);
    break;
  }
}

} // namespace scalesweep
