// Dense rows built for AVX512 (dense_rows.hpp).
#include "backends/cpu/simd/dense_rows_impl.hpp"

namespace scalesweep::simd {

bool dense_row_avx512(problem_kind kind, const sweep_views& views, const tile_box& box,
                      std::int64_t row, std::int64_t begin, std::int64_t end,
                      const tile_columns& out) {
  return dense_row_impl(kind, views, box, row, begin, end, out);
}

std::int64_t regret_ratio_row_avx512(const problem_rows<problem_kind::regret>::row& r,
                                     std::int64_t first, std::int64_t n, double* regret,
                                     std::uint8_t* status) {
  return regret_ratio_row_impl(r, first, n, regret, status);
}

} // namespace scalesweep::simd
