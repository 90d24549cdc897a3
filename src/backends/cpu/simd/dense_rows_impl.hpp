// The body of the per-ISA dense rows (dense_rows.hpp), included by each ISA's file only.
#pragma once

#include "scalesweep/cells/problem_rows.hpp"

#include "backends/cpu/simd/dense_rows.hpp"

namespace scalesweep::simd {
namespace { // one copy per ISA's file: never merged by the linker with the other ISA's

bool dense_row_impl(problem_kind kind, const sweep_views& views, const tile_box& box,
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

std::int64_t regret_ratio_row_impl(const problem_rows<problem_kind::regret>::row& r,
                                   std::int64_t first, std::int64_t n, double* __restrict regret,
                                   std::uint8_t* __restrict status) {
  using rows = problem_rows<problem_kind::regret>;
  const rows::row local = r; // the loads' pointers stay in registers across the stores
  std::int64_t unsettled = 0;
  for (std::int64_t j = 0; j < n; ++j) {
    const double x = rows::ratio(local, first + j);
    regret[j] = x;
    status[j] = static_cast<std::uint8_t>(cell_status::ok);
    unsettled += ratio_form_holds(x) ? 0 : 1;
  }
  return unsettled;
}

} // namespace
} // namespace scalesweep::simd
