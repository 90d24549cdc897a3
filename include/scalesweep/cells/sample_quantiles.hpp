// A sweep under law uncertainty (SPEC §5.5): per cell, the samples' optima reduced to quantiles
// of N, D, cost, saving, N / N_chinchilla (or N, D, loss; or the robust model's N, D, regret) over
// the samples with an optimum, and the feasible fraction; the regret grid's regret the same way.
// Written once for the backends, on a piece of cells' per-sample results laid out sample-major, as
// a row segment per sample computes them.
#pragma once

#include "scalesweep/cells/problem_kind.hpp"
#include "scalesweep/cells/sweep_views.hpp"
#include "scalesweep/math/host_device.hpp"
#include "scalesweep/math/quantile.hpp"
#include "scalesweep/math/status.hpp"

#include <cmath>
#include <cstdint>

namespace scalesweep {

// The samples whose cell has an optimum count towards the quantiles (SPEC §5.5).
SCALESWEEP_HD bool sample_has_optimum(std::uint8_t status) {
  return status_has_optimum(static_cast<cell_status>(status));
}

// A piece of cells along a row and their per-sample results: sample s of cell j is element
// s * stride + j of the optimum problem's columns (loss_target_columns or budget_columns, and the
// status), as a backend computes them, one row segment per sample (stride = cells on the CPU; a
// CUDA thread reduces one cell of a wider piece).
struct sample_piece {
  const tile_columns* columns;
  std::int64_t cells;
  std::int64_t samples; // S
  std::int64_t stride;
};

// Where the piece's quantiles go: quantile c of cell j's column k is
// out.f64[k][first + j + c * stride]; the feasible fraction (no quantile dimension) is
// out.f64[fraction][first + j].
struct piece_quantiles_out {
  const tile_columns* columns;
  std::int64_t first;
  std::int64_t stride;
};

// Scratch for one piece's reduction: `values` holds cells * S doubles, `counts` cells counts.
struct reduction_scratch {
  double* values;
  std::int64_t* counts;
};

// Gathers value(i) of each cell's samples with an optimum into scratch.values (cell j's from
// j * S on, in the order the samples were computed: one pass over the samples, so every cache line
// of the piece is read once) and their number into scratch.counts[j].
template <class Value>
SCALESWEEP_HD void gather_feasible(const sample_piece& in, Value value,
                                   const reduction_scratch& scratch) {
  const std::int64_t n = in.cells;
  for (std::int64_t j = 0; j < n; ++j) {
    scratch.counts[j] = 0;
  }
  const std::uint8_t* status = in.columns->status;
  for (std::int64_t s = 0; s < in.samples; ++s) {
    for (std::int64_t j = 0; j < n; ++j) {
      const std::int64_t i = s * in.stride + j;
      if (sample_has_optimum(status[i])) {
        scratch.values[j * in.samples + scratch.counts[j]++] = value(i);
      }
    }
  }
}

// Quantiles (levels q[0, count), ascending) of each cell's gathered values (gather_feasible's, or
// the same values in another order) to out column `column`, NaN where no sample has an optimum,
// selected by `select`, a callable with quantiles_by_selection's contract (that one,
// radix_quantiles on the CPU, sorted_quantiles on values a CUDA sort ordered: all return the same
// order statistics).
template <class Select>
SCALESWEEP_HD void select_feasible(const sample_piece& in, const double* q, int count,
                                   const reduction_scratch& scratch, const piece_quantiles_out& out,
                                   int column, Select& select) {
  for (std::int64_t j = 0; j < in.cells; ++j) {
    double* to = out.columns->f64[column] + out.first + j;
    const std::int64_t feasible = scratch.counts[j];
    if (feasible == 0) {
      for (int c = 0; c < count; ++c) {
        to[c * out.stride] = NAN;
      }
    } else {
      select(scratch.values + j * in.samples, feasible, q, count, to, out.stride);
    }
  }
}

// Quantiles of value(i) over each cell's samples with an optimum: gathered, then selected in place.
// Leaves each cell's count of samples with an optimum in scratch.counts.
template <class Value, class Select>
SCALESWEEP_HD void reduce_feasible(const sample_piece& in, Value value, const double* q, int count,
                                   const reduction_scratch& scratch, const piece_quantiles_out& out,
                                   int column, Select& select) {
  gather_feasible(in, value, scratch);
  select_feasible(in, q, count, scratch, out, column, select);
}

// The feasible fraction of each cell of the piece, from the counts reduce_feasible left.
SCALESWEEP_HD void store_feasible_fraction(const sample_piece& in, const reduction_scratch& scratch,
                                           const piece_quantiles_out& out, int column) {
  for (std::int64_t j = 0; j < in.cells; ++j) {
    out.columns->f64[column][out.first + j] =
        static_cast<double>(scratch.counts[j]) / static_cast<double>(in.samples);
  }
}

// The quantities a quantile problem reduces, each as (the value of sample-cell i of the optimum's
// columns f, the output column): the one list the backends read.
template <class Visit>
SCALESWEEP_HD void for_each_loss_target_quantity(double* const* f, Visit visit) {
  namespace in_c = loss_target_columns;
  namespace c = loss_target_quantiles_columns;
  visit([f](std::int64_t i) { return f[in_c::N][i]; }, c::N);
  visit([f](std::int64_t i) { return f[in_c::D][i]; }, c::D);
  visit([f](std::int64_t i) { return f[in_c::cost][i]; }, c::cost);
  visit([f](std::int64_t i) { return 1.0 - f[in_c::cost][i] / f[in_c::chinchilla_cost][i]; },
        c::saving);
  visit([f](std::int64_t i) { return f[in_c::N][i] / f[in_c::chinchilla_N][i]; }, c::N_ratio);
}

template <class Visit>
SCALESWEEP_HD void for_each_budget_quantity(double* const* f, Visit visit) {
  namespace in_c = budget_columns;
  namespace c = budget_quantiles_columns;
  visit([f](std::int64_t i) { return f[in_c::N][i]; }, c::N);
  visit([f](std::int64_t i) { return f[in_c::D][i]; }, c::D);
  visit([f](std::int64_t i) { return f[in_c::loss][i]; }, c::loss);
}

template <class Visit>
SCALESWEEP_HD void for_each_robust_quantity(double* const* f, Visit visit) {
  namespace in_c = robust_columns;
  namespace c = robust_quantiles_columns;
  visit([f](std::int64_t i) { return f[in_c::N][i]; }, c::N);
  visit([f](std::int64_t i) { return f[in_c::D][i]; }, c::D);
  visit([f](std::int64_t i) { return f[in_c::regret][i]; }, c::regret);
}

template <class Visit>
SCALESWEEP_HD void for_each_regret_quantity(double* const* f, Visit visit) {
  visit([f](std::int64_t i) { return f[regret_columns::regret][i]; },
        static_cast<int>(regret_quantiles_columns::regret));
}

template <class Select>
SCALESWEEP_HD void reduce_loss_target_samples(const sample_piece& in, const double* q, int count,
                                              const reduction_scratch& scratch,
                                              const piece_quantiles_out& out, Select& select) {
  for_each_loss_target_quantity(in.columns->f64, [&](auto value, int column) {
    reduce_feasible(in, value, q, count, scratch, out, column, select);
  });
  store_feasible_fraction(in, scratch, out, loss_target_quantiles_columns::feasible_fraction);
}

template <class Select>
SCALESWEEP_HD void reduce_budget_samples(const sample_piece& in, const double* q, int count,
                                         const reduction_scratch& scratch,
                                         const piece_quantiles_out& out, Select& select) {
  for_each_budget_quantity(in.columns->f64, [&](auto value, int column) {
    reduce_feasible(in, value, q, count, scratch, out, column, select);
  });
  store_feasible_fraction(in, scratch, out, budget_quantiles_columns::feasible_fraction);
}

template <class Select>
SCALESWEEP_HD void reduce_robust_samples(const sample_piece& in, const double* q, int count,
                                         const reduction_scratch& scratch,
                                         const piece_quantiles_out& out, Select& select) {
  for_each_robust_quantity(in.columns->f64, [&](auto value, int column) {
    reduce_feasible(in, value, q, count, scratch, out, column, select);
  });
  store_feasible_fraction(in, scratch, out, robust_quantiles_columns::feasible_fraction);
}

template <class Select>
SCALESWEEP_HD void reduce_regret_samples(const sample_piece& in, const double* q, int count,
                                         const reduction_scratch& scratch,
                                         const piece_quantiles_out& out, Select& select) {
  for_each_regret_quantity(in.columns->f64, [&](auto value, int column) {
    reduce_feasible(in, value, q, count, scratch, out, column, select);
  });
  store_feasible_fraction(in, scratch, out, regret_quantiles_columns::feasible_fraction);
}

} // namespace scalesweep
