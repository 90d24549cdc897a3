// The body of the per-ISA dense rows (dense_rows.hpp), included by each ISA's file only.
#pragma once

#include "scalesweep/cells/problem_rows.hpp"

#include "backends/cpu/simd/dense_rows.hpp"

namespace scalesweep::simd {

inline bool dense_row_impl(problem_kind kind, const sweep_views& views, const tile_box& box,
                           std::int64_t row, std::int64_t begin, std::int64_t end,
                           const tile_columns& out) {
  if (kind != problem_kind::implied_demand) {
    return false;
  }
  // Local copies, which the row's stores cannot alias: the loop keeps their pointers in
  // registers (through the references it would reload them after every store).
  const sweep_views local_views = views;
  const tile_columns local_out = out;
  compute_row<problem_kind::implied_demand>(local_views, box, row, begin, end, 1, local_out);
  return true;
}

} // namespace scalesweep::simd
