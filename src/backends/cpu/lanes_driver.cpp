// A sweep's row segments on the SIMD lanes: the row's per-axis terms feed lane_cells.hpp, whose
// results are stored as problem_rows would store them.
#include "backends/cpu/lanes_driver.hpp"

#include "backends/cpu/lane_cells.hpp"

namespace scalesweep {

void loss_target_segment_lanes(const sweep_views& v, const tile_box& box, std::int64_t row,
                               std::int64_t begin, std::int64_t end, const tile_columns& out) {
  using rows = problem_rows<problem_kind::loss_target>;
  std::int64_t g[max_rank] = {};
  row_grid_index<rows::rank>(box, row, g);
  const rows::row r = rows::make(v, g);
  const row_start at = row_start_of<rows::rank>(box, row);
  const loss_target_terms* targets = v.loss_targets + at.first_grid + begin;
  loss_target_cells_on_lanes(
      v.law, r.hardware, static_cast<std::size_t>(end - begin),
      [&](std::size_t j) -> const loss_target_terms& { return targets[j]; },
      [&](std::size_t) -> const demand& { return r.demand; },
      [&](std::size_t j) -> const loss_target_bound* {
        return r.bounds != nullptr ? r.bounds + at.first_grid + begin + static_cast<std::int64_t>(j)
                                   : nullptr;
      },
      [&](std::size_t j, const loss_target_result& x) {
        rows::store(x, at.first_out + begin + static_cast<std::int64_t>(j), out);
      });
}

void budget_segment_lanes(const sweep_views& v, const tile_box& box, std::int64_t row,
                          std::int64_t begin, std::int64_t end, const tile_columns& out) {
  using rows = problem_rows<problem_kind::budget>;
  std::int64_t g[max_rank] = {};
  row_grid_index<rows::rank>(box, row, g);
  const rows::row r = rows::make(v, g);
  const row_start at = row_start_of<rows::rank>(box, row);
  const std::int64_t first = at.first_grid + begin;
  budget_cells_on_lanes(
      v.law, r.hardware, r.limit, static_cast<std::size_t>(end - begin),
      [&](std::size_t j) {
        const std::int64_t b = first + static_cast<std::int64_t>(j);
        return make_budget_terms(r.hardware, v.budget[b], v.ln_budget[b]);
      },
      [&](std::size_t j) -> const budget_model& {
        return r.chinchilla[first + static_cast<std::int64_t>(j)];
      },
      [&](std::size_t) -> const demand& { return r.demand; },
      [&](std::size_t j, const budget_result& x) {
        rows::store(x, at.first_out + begin + static_cast<std::int64_t>(j), out);
      });
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
  } else {
    if (lanes) {
      budget_segment_lanes(v, box, row, begin, end, out);
    } else {
      compute_row<problem_kind::budget>(v, box, row, begin, end, 1, out);
    }
  }
}

void regret_segment_lanes(const sweep_views& v, const tile_box& box, std::int64_t row,
                          std::int64_t begin, std::int64_t end, const tile_columns& out) {
  using rows = problem_rows<problem_kind::regret>;
  std::int64_t g[max_rank] = {};
  row_grid_index<rows::rank>(box, row, g);
  const rows::row r = rows::make(v, g);
  const row_start at = row_start_of<rows::rank>(box, row);
  const std::int64_t first = at.first_grid + begin;
  regret_cells_on_lanes(
      v.law, r.t_eff, static_cast<std::size_t>(end - begin),
      [&](std::size_t j) -> const regret_optimum& {
        return r.plan[first + static_cast<std::int64_t>(j)];
      },
      [&](std::size_t j) -> const regret_optimum& {
        return r.actual[first + static_cast<std::int64_t>(j)];
      },
      [&](std::size_t j, const regret_result& x) {
        rows::store(x, at.first_out + begin + static_cast<std::int64_t>(j), out);
      });
}

void robust_segment_lanes(const sweep_views& v, const tile_box& box, std::int64_t row,
                          std::int64_t begin, std::int64_t end, const tile_columns& out) {
  using rows = problem_rows<problem_kind::robust>;
  std::int64_t g[max_rank] = {};
  row_grid_index<rows::rank>(box, row, g);
  const rows::row r = rows::make(v, g);
  const row_start at = row_start_of<rows::rank>(box, row);
  const loss_target_terms* targets = v.loss_targets + at.first_grid + begin;
  robust_cells_on_lanes(
      v.law, r.demand, r.spread, static_cast<std::size_t>(end - begin),
      [&](std::size_t j) -> const loss_target_terms& { return targets[j]; },
      [&](std::size_t j, const robust_result& x) {
        rows::store(x, at.first_out + begin + static_cast<std::int64_t>(j), out);
      });
}

} // namespace scalesweep
