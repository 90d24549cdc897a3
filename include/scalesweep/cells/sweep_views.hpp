// What every cell of a sweep reads: the axis values and their derived terms, as raw pointers into
// host or device memory, and the output columns of one tile.
#pragma once

#include "scalesweep/math/budget_optimum.hpp"
#include "scalesweep/math/cost_model.hpp"
#include "scalesweep/math/demand_regret.hpp"
#include "scalesweep/math/law.hpp"
#include "scalesweep/math/loss_target_optimum.hpp"
#include "scalesweep/math/serving_constraints.hpp"

#include <cstdint>

namespace scalesweep {

// The regret optima as the ratio form (regret_from_models) and the share form (regret_of) read
// them, [hardware][T][loss_target] columns beside regret_optima: a dense regret cell reads 24
// bytes, not two 72-byte optima, and a row's share-form cells read contiguous columns, not a
// gather of structs (the CPU's lanes). NaN where the optimum's status is not ok, which sends the
// cell to constrained_regret_cell.
struct regret_model_columns {
  const double* N;
  const double* D;
  const double* cost;        // model_cost(N, D, t_eff) at its own T: the optimal cost there
  const double* delta;       // optimum_share: the share deviation,
  const double* q;           // the training share
  const double* one_minus_q; // and the serving share
};

// Axis values and their derived terms (each computed once per axis value on the host, with the
// functions named below), as raw pointers into host or device memory. Absent axes are null.
struct sweep_views {
  prepared_law law;
  const hardware_terms* hardware;        // make_hardware_terms
  const double* T;                       //
  const double* ln_T;                    // demand_log
  const double* N;                       //
  const double* parameter_terms;         // parameter_term: A N^-alpha
  const double* D;                       //
  const double* data_terms;              // data_term: B D^-beta
  const loss_target_terms* loss_targets; // make_loss_target_terms
  const double* budget;                  //
  const double* ln_budget;               // log(budget)
  const budget_model* budget_chinchilla; // [hardware][budget]: budget_chinchilla
  std::int64_t budget_count;
  // Serving constraints (SPEC §5.2); both null without [constraints], and the optima are then
  // the unconstrained problems'.
  const serving_limit* serving_limits;         // [hardware]: make_serving_limit
  const loss_target_bound* loss_target_bounds; // [hardware][loss_target]: make_loss_target_bound
  const spread_terms* spreads;                 // make_spread_terms
  // [hardware][T][loss_target]: the loss-target optima that dense regret cells compare
  // (make_regret_optimum), solved once; both T and T_plan index it. Null without a regret grid.
  const regret_optimum* regret_optima;
  regret_model_columns regret_models;
  std::int64_t T_count;
  std::int64_t loss_target_count;
};

inline constexpr int max_f64_columns = 16;

// Output columns of one tile, each holding cell_count(box) values in the box's row-major order.
struct tile_columns {
  double* f64[max_f64_columns];
  std::uint8_t* status; // null for problems without a status
};

} // namespace scalesweep
