// Rows of the dense implied-demand grid, and the ratio pass of the regret grid's, built for AVX2 /
// AVX-512, so that the compiler vectorises their loop (the baseline x86-64 build cannot: SSE2 has
// no conversion from a double comparison's mask to the status byte). The implied-demand row takes
// its common cells in a first pass and the rest through the same compute_row as every backend;
// built with -ffp-contract=off, so each cell is bitwise what the baseline build computes.
// The instruction set follows the lanes' (cpu_lanes.hpp).
#pragma once

#include "scalesweep/cells/problem_kind.hpp"
#include "scalesweep/cells/problem_rows.hpp"
#include "scalesweep/cells/sweep_views.hpp"
#include "scalesweep/cells/tile.hpp"

#include <cstdint>

namespace scalesweep::simd {

// Computes cells [begin, end) of row `row` of `box` of the dense problem `kind`, and returns
// true, where this CPU's lanes have a vectorised build of that problem's rows; otherwise returns
// false and computes nothing.
bool dense_row(problem_kind kind, const sweep_views& views, const tile_box& box, std::int64_t row,
               std::int64_t begin, std::int64_t end, const tile_columns& out);

// The ratio form (problem_rows<regret>::ratio) of cells [first, first + n) of a dense regret row
// into regret[0, n), each with status ok, where this CPU has lanes, and returns how many cells it
// leaves unsettled (ratio_form_holds false: a model not ok, or a regret below regret_ratio_floor),
// which the caller then settles; otherwise returns -1 and computes nothing.
std::int64_t regret_ratio_row(const problem_rows<problem_kind::regret>::row& r, std::int64_t first,
                              std::int64_t n, double* regret, std::uint8_t* status);

// The per-ISA builds (dense_rows_avx2.cpp, dense_rows_avx512.cpp).
std::int64_t regret_ratio_row_avx2(const problem_rows<problem_kind::regret>::row& r,
                                   std::int64_t first, std::int64_t n, double* regret,
                                   std::uint8_t* status);
std::int64_t regret_ratio_row_avx512(const problem_rows<problem_kind::regret>::row& r,
                                     std::int64_t first, std::int64_t n, double* regret,
                                     std::uint8_t* status);
bool dense_row_avx2(problem_kind kind, const sweep_views& views, const tile_box& box,
                    std::int64_t row, std::int64_t begin, std::int64_t end,
                    const tile_columns& out);
bool dense_row_avx512(problem_kind kind, const sweep_views& views, const tile_box& box,
                      std::int64_t row, std::int64_t begin, std::int64_t end,
                      const tile_columns& out);

} // namespace scalesweep::simd
