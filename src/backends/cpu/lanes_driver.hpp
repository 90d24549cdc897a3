// The optimum problems on the CPU's SIMD lanes: a row segment's cells that need a root go through
// simd::*_lanes in packs, the rest (and any lane that has not converged) through the scalar cell.
#pragma once

#include "scalesweep/cells/problem_rows.hpp"

#include <cstdint>

namespace scalesweep {

// Cells [begin, end) of row `row` of the box, as compute_row<Kind> would compute them.
void loss_target_segment_lanes(const sweep_views& v, const tile_box& box, std::int64_t row,
                               std::int64_t begin, std::int64_t end, const tile_columns& out);
void budget_segment_lanes(const sweep_views& v, const tile_box& box, std::int64_t row,
                          std::int64_t begin, std::int64_t end, const tile_columns& out);
void regret_segment_lanes(const sweep_views& v, const tile_box& box, std::int64_t row,
                          std::int64_t begin, std::int64_t end, const tile_columns& out);
void robust_segment_lanes(const sweep_views& v, const tile_box& box, std::int64_t row,
                          std::int64_t begin, std::int64_t end, const tile_columns& out);

// Cells [begin, end) of row `row` of an optimum problem (`optimum`: loss_target, budget or
// robust): on
// the lanes when `lanes`, else through compute_row, as the CPU backend's tiles.
void compute_optimum_segment(problem_kind optimum, const sweep_views& v, const tile_box& box,
                             std::int64_t row, std::int64_t begin, std::int64_t end,
                             const tile_columns& out, bool lanes);

} // namespace scalesweep
