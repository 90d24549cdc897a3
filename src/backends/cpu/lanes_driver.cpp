// A sweep's row segments on the SIMD lanes: the row's per-axis terms feed lane_cells.hpp, whose
// results are stored as problem_rows would store them.
#include "backends/cpu/lanes_driver.hpp"

#include "backends/cpu/lane_cells.hpp"
#include "backends/cpu/simd/dense_rows.hpp"

#include <cmath>

namespace scalesweep {

namespace {
// A row segment as the lanes see it: the row's terms (problem_rows<Kind>::make), the grid index
// of its first cell along the innermost axis, and a store of cell j's result where
// compute_row<Kind> would put it.
template <problem_kind Kind>
struct segment {
  using rows = problem_rows<Kind>;
  typename rows::row r;
  std::int64_t first;     // grid index of the segment's first cell along the row
  std::int64_t first_out; // its position in the tile's columns
  tile_columns out;

  segment(const sweep_views& v, const tile_box& box, std::int64_t row, std::int64_t begin,
          const tile_columns& columns)
      : r(make_row(v, box, row)), first(row_start_of<rows::rank>(box, row).first_grid + begin),
        first_out(row_start_of<rows::rank>(box, row).first_out + begin), out(columns) {}

  template <class Result>
  void store(std::size_t j, const Result& x) const {
    rows::store(x, first_out + static_cast<std::int64_t>(j), out);
  }

private:
  static typename rows::row make_row(const sweep_views& v, const tile_box& box, std::int64_t row) {
    std::int64_t g[max_rank] = {};
    row_grid_index<rows::rank>(box, row, g);
    return rows::make(v, g);
  }
};
} // namespace

void loss_target_segment_lanes(const sweep_views& v, const tile_box& box, std::int64_t row,
                               std::int64_t begin, std::int64_t end, const tile_columns& out) {
  const segment<problem_kind::loss_target> s(v, box, row, begin, out);
  const loss_target_terms* targets = v.loss_targets + s.first;
  loss_target_cells_on_lanes(
      v.law, s.r.hardware, static_cast<std::size_t>(end - begin),
      [&](std::size_t j) -> const loss_target_terms& { return targets[j]; },
      [&](std::size_t) -> const demand& { return s.r.demand; },
      [&](std::size_t j) -> const loss_target_bound* {
        return s.r.bounds != nullptr ? s.r.bounds + s.first + static_cast<std::int64_t>(j)
                                     : nullptr;
      },
      [&](std::size_t j, const loss_target_result& x) { s.store(j, x); });
}

void budget_segment_lanes(const sweep_views& v, const tile_box& box, std::int64_t row,
                          std::int64_t begin, std::int64_t end, const tile_columns& out) {
  const segment<problem_kind::budget> s(v, box, row, begin, out);
  budget_cells_on_lanes(
      v.law, s.r.hardware, s.r.limit, static_cast<std::size_t>(end - begin),
      [&](std::size_t j) {
        const std::int64_t b = s.first + static_cast<std::int64_t>(j);
        return make_budget_terms(s.r.hardware, v.budget[b], v.ln_budget[b]);
      },
      [&](std::size_t j) -> const budget_model& {
        return s.r.chinchilla[s.first + static_cast<std::int64_t>(j)];
      },
      [&](std::size_t) -> const demand& { return s.r.demand; },
      [&](std::size_t j, const budget_result& x) { s.store(j, x); });
}

void compute_optimum_segment(problem_kind optimum, const sweep_views& v, const tile_box& box,
                             std::int64_t row, std::int64_t begin, std::int64_t end,
                             const tile_columns& out, bool lanes) {
  if (optimum == problem_kind::loss_target) {
    if (lanes) {
      loss_target_segment_lanes(v, box, row, begin, end, out);
    } else {
      compute_row<problem_kind::loss_target>(v, box, row, begin, end, 1, out);
    }
  } else if (optimum == problem_kind::robust) {
    if (lanes) {
      robust_segment_lanes(v, box, row, begin, end, out);
    } else {
      compute_row<problem_kind::robust>(v, box, row, begin, end, 1, out);
    }
  } else {
    if (lanes) {
      budget_segment_lanes(v, box, row, begin, end, out);
    } else {
      compute_row<problem_kind::budget>(v, box, row, begin, end, 1, out);
    }
  }
}

// The ratio form over the whole segment first, vectorised; then the share form on the lanes where
// that left cells unsettled; then the scalar cell where a model is not ok (on a serving bound, or
// none), which leaves the share form NaN.
void regret_segment_lanes(const sweep_views& v, const tile_box& box, std::int64_t row,
                          std::int64_t begin, std::int64_t end, const tile_columns& out) {
  const segment<problem_kind::regret> s(v, box, row, begin, out);
  const std::int64_t n = end - begin;
  double* regret = out.f64[regret_columns::regret] + s.first_out;
  const std::int64_t unsettled =
      simd::regret_ratio_row(s.r, s.first, n, regret, out.status + s.first_out);
  if (unsettled < 0) {
    compute_row<problem_kind::regret>(v, box, row, begin, end, 1, out);
    return;
  }
  if (unsettled == 0) { // most rows away from the diagonal and from small demands
    return;
  }
  const std::int64_t at = s.first;
  if (regret_share_span(v.law, s.r.plan_delta + at, s.r.actual_delta + at, s.r.actual_q + at,
                        s.r.actual_one_minus_q + at, static_cast<std::size_t>(n), regret) == 0) {
    return;
  }
  for (std::int64_t j = 0; j < n; ++j) { // a model that is not ok: the cell's own rule
    if (std::isnan(regret[j])) {
      problem_rows<problem_kind::regret>::cell(v, s.r, at + j, s.first_out + j, out);
    }
  }
}

void robust_segment_lanes(const sweep_views& v, const tile_box& box, std::int64_t row,
                          std::int64_t begin, std::int64_t end, const tile_columns& out) {
  const segment<problem_kind::robust> s(v, box, row, begin, out);
  const loss_target_terms* targets = v.loss_targets + s.first;
  robust_cells_on_lanes(
      v.law, s.r.demand, s.r.spread, static_cast<std::size_t>(end - begin),
      [&](std::size_t j) -> const loss_target_terms& { return targets[j]; },
      [&](std::size_t j) -> const loss_target_bound* {
        return s.r.bounds != nullptr ? s.r.bounds + s.first + static_cast<std::int64_t>(j)
                                     : nullptr;
      },
      [&](std::size_t j, const robust_result& x) { s.store(j, x); });
}

} // namespace scalesweep
