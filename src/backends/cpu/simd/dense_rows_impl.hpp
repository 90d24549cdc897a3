// The body of the per-ISA dense rows (dense_rows.hpp), included by each ISA's file only.
#pragma once

#include "scalesweep/cells/problem_rows.hpp"

#include "backends/cpu/simd/dense_rows.hpp"

// The standard headers and <immintrin.h> this file uses come first in the ISA files, outside their
// target pragma (their inline functions keep the baseline instruction set).

namespace scalesweep::simd {
namespace { // one copy per ISA's file: never merged by the linker with the other ISA's

// The status of n cells that the first pass below settled, from their T: NaN there is
// undertrained, the only settled status but ok. Four cells' bytes from one comparison's sign
// mask and a table, where GCC would turn a byte per double comparison into a chain of packs that
// costs more than the rest of the cell (docs/benchmarks.md). AVX2 instructions, which the AVX-512
// build has too.
void settled_status(const double* T, std::uint8_t* status, std::int64_t n) {
  constexpr auto under = static_cast<std::uint8_t>(cell_status::undertrained);
  constexpr auto ok = static_cast<std::uint8_t>(cell_status::ok);
  static constexpr std::array<std::uint32_t, 16> bytes = [] {
    std::array<std::uint32_t, 16> b{};
    for (std::uint32_t m = 0; m < 16; ++m) {
      for (std::uint32_t k = 0; k < 4; ++k) {
        b[m] |= static_cast<std::uint32_t>(((m >> k) & 1U) != 0 ? under : ok) << (8 * k);
      }
    }
    return b;
  }();
  std::int64_t j = 0;
  for (; j + 4 <= n; j += 4) {
    const __m256d t = _mm256_loadu_pd(T + j);
    const int nan_mask = _mm256_movemask_pd(_mm256_cmp_pd(t, t, _CMP_UNORD_Q));
    std::memcpy(status + j, &bytes[static_cast<std::size_t>(nan_mask)], 4);
  }
  for (; j < n; ++j) {
    status[j] = std::isnan(T[j]) ? under : ok;
  }
}

// Implied demand in chunks of a row. A first pass takes the common case, valid inputs and a T in
// range, where the status is only ok or undertrained: T (NaN where undertrained, one select) and a
// count of the cells outside that case; settled_status then writes the chunk's status bytes. A
// chunk with any other cell is computed again by the full cell
// (problem_rows<implied_demand>::cell), which orders every status. The first pass's values are
// bitwise the full cell's: the same functions of implied_demand.hpp, and NaN exactly where the full
// cell's status is undertrained. The full cell's five-way status, turned from double comparisons
// into bytes, costs more than the rest of the cell (docs/benchmarks.md), which is why the common
// case gets its own pass.
void implied_demand_row(const sweep_views& views, const tile_box& box, std::int64_t row,
                        std::int64_t begin, std::int64_t end, const tile_columns& out) {
  using rows = problem_rows<problem_kind::implied_demand>;
  std::int64_t g[max_rank] = {};
  row_grid_index<rows::rank>(box, row, g);
  const rows::row r = rows::make(views, g);
  const row_start at = row_start_of<rows::rank>(box, row);
  const scaling_law law = views.law.law;
  // A row whose scale or parameter term is invalid holds only invalid cells: the full cells.
  if (!(r.scale.valid && implied_demand_parameter_valid(r.parameter))) {
    compute_row<problem_kind::implied_demand>(views, box, row, begin, end, 1, out);
    return;
  }
  constexpr std::int64_t chunk = 512;
  const double* __restrict data_terms = views.data_terms + at.first_grid;
  const double* __restrict D = views.D + at.first_grid;
  double* __restrict T = out.f64[implied_demand_columns::T] + at.first_out;
  std::uint8_t* __restrict status = out.status + at.first_out;
  for (std::int64_t first = begin; first < end; first += chunk) {
    const std::int64_t last = std::min(first + chunk, end);
    std::int64_t unsettled = 0;
    for (std::int64_t j = first; j < last; ++j) {
      const double t_eff = signed_implied_effective_demand(law, r.parameter, data_terms[j], D[j]);
      const double T_j = implied_demand_tokens(r.scale, t_eff);
      const bool under = t_eff < 0;
      T[j] = under ? NAN : T_j;
      unsettled +=
          (implied_demand_column_valid(data_terms[j], D[j]) & implied_demand_in_range(t_eff, T_j))
              ? 0
              : 1;
    }
    settled_status(T + first, status + first, last - first);
    if (unsettled != 0) {
      compute_row<problem_kind::implied_demand>(views, box, row, first, last, 1, out);
    }
  }
}

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
  implied_demand_row(local_views, box, row, begin, end, local_out);
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
