// Chooses the Huber objective's lanes for this CPU (fit_lanes.hpp).
#include "backends/fit/fit_lanes.hpp"

#include "backends/cpu/simd/cpu_lanes.hpp"

#include <cstring>

namespace scalesweep::fit_simd {

huber_lanes_function huber_lanes_for_this_cpu() {
#if SCALESWEEP_SIMD_LANES
  const char* isa = simd::lanes_isa();
  if (std::strcmp(isa, "avx512") == 0) {
    return &huber_lanes_avx512;
  }
  if (std::strcmp(isa, "avx2") == 0) {
    return &huber_lanes_avx2;
  }
#endif
  return nullptr;
}

} // namespace scalesweep::fit_simd
