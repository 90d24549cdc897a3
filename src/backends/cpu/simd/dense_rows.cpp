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

} // namespace scalesweep::simd
