// Dense rows built for AVX2 (dense_rows.hpp).
// Every shared header comes first, outside the target pragma, so that their inline functions
// keep the baseline instruction set wherever a copy of one is emitted (a copy built for this ISA
// could be the one the linker keeps for every file). The impl's functions, under the pragma, are
// built for AVX2 and inline those baseline functions (GCC inlines a callee whose
// instruction set is a subset of the caller's).
#include "backends/cpu/simd/dense_rows.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <immintrin.h>

#pragma GCC push_options
#pragma GCC target("avx2")
#include "backends/cpu/simd/dense_rows_impl.hpp"

namespace scalesweep::simd {

bool dense_row_avx2(problem_kind kind, const sweep_views& views, const tile_box& box,
                    std::int64_t row, std::int64_t begin, std::int64_t end,
                    const tile_columns& out) {
  return dense_row_impl(kind, views, box, row, begin, end, out);
}

std::int64_t regret_ratio_row_avx2(const problem_rows<problem_kind::regret>::row& r,
                                   std::int64_t first, std::int64_t n, double* regret,
                                   std::uint8_t* status) {
  return regret_ratio_row_impl(r, first, n, regret, status);
}

} // namespace scalesweep::simd

#pragma GCC pop_options
