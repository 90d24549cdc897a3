// Chooses the dense rows' instruction set at run time, as the lanes do (cpu_lanes.cpp); built for
// baseline x86-64. Without lanes every row takes the baseline loop.
#include "backends/cpu/simd/dense_rows.hpp"

#include "backends/cpu/simd/cpu_lanes.hpp"

#include <cstring>

namespace scalesweep::simd {

bool dense_row(problem_kind kind, const sweep_views& views, const tile_box& box, std::int64_t row,
               std::int64_t begin, std::int64_t end, const tile_columns& out) {
#if SCALESWEEP_SIMD_LANES
  if (std::strcmp(lanes_isa(), "avx512") == 0) {
    return dense_row_avx512(kind, views, box, row, begin, end, out);
  }
  if (std::strcmp(lanes_isa(), "avx2") == 0) {
    return dense_row_avx2(kind, views, box, row, begin, end, out);
  }
#else
  (void)kind, (void)views, (void)box, (void)row, (void)begin, (void)end, (void)out;
#endif
  return false;
}

std::int64_t regret_ratio_row(const problem_rows<problem_kind::regret>::row& r, std::int64_t first,
                              std::int64_t n, double* regret, std::uint8_t* status) {
#if SCALESWEEP_SIMD_LANES
  if (std::strcmp(lanes_isa(), "avx512") == 0) {
    return regret_ratio_row_avx512(r, first, n, regret, status);
  }
  if (std::strcmp(lanes_isa(), "avx2") == 0) {
    return regret_ratio_row_avx2(r, first, n, regret, status);
  }
#else
  (void)r, (void)first, (void)n, (void)regret, (void)status;
#endif
  return -1;
}

} // namespace scalesweep::simd
