// Chooses the CPU lanes' instruction set at run time (built for baseline x86-64, unlike the
// per-ISA lane files); builds without lanes (SCALESWEEP_SIMD_LANES=OFF, non-x86) report none.
#include "backends/cpu/simd/cpu_lanes.hpp"

#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace scalesweep::simd {

namespace {
const char* detect() {
#if SCALESWEEP_SIMD_LANES
  // SCALESWEEP_LANES=avx2|none narrows the choice (benchmarks, debugging).
  const char* cap = std::getenv("SCALESWEEP_LANES");
  const bool allow512 = cap == nullptr || std::strcmp(cap, "avx512") == 0;
  const bool allow2 = cap == nullptr || std::strcmp(cap, "none") != 0;
  if (allow512 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")) {
    return "avx512";
  }
  if (allow2 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    return "avx2";
  }
#endif
  return "";
}
} // namespace

const char* lanes_isa() {
  static const char* isa = detect();
  return isa;
}

#if SCALESWEEP_SIMD_LANES
void loss_target_lanes(const prepared_law& p, const double* ln_t_eff, const double* ln_R,
                       std::int64_t n, const lane_output& out) {
  if (std::strcmp(lanes_isa(), "avx512") == 0) {
    loss_target_lanes_avx512(p, ln_t_eff, ln_R, n, out);
  } else {
    loss_target_lanes_avx2(p, ln_t_eff, ln_R, n, out);
  }
}

void budget_lanes(const prepared_law& p, const double* ln_t_eff, const double* ln_C, std::int64_t n,
                  const lane_output& out) {
  if (std::strcmp(lanes_isa(), "avx512") == 0) {
    budget_lanes_avx512(p, ln_t_eff, ln_C, n, out);
  } else {
    budget_lanes_avx2(p, ln_t_eff, ln_C, n, out);
  }
}

void robust_lanes(const prepared_law& p, double ln_t_eff_low, double ln_t_eff_high,
                  const double* ln_R, std::int64_t n, const lane_output& out) {
  if (std::strcmp(lanes_isa(), "avx512") == 0) {
    robust_lanes_avx512(p, ln_t_eff_low, ln_t_eff_high, ln_R, n, out);
  } else {
    robust_lanes_avx2(p, ln_t_eff_low, ln_t_eff_high, ln_R, n, out);
  }
}

void regret_lanes(const prepared_law& p, const double* plan_delta, const double* best_delta,
                  const double* best_q, const double* best_one_minus_q, std::int64_t n,
                  double* regret) {
  if (std::strcmp(lanes_isa(), "avx512") == 0) {
    regret_lanes_avx512(p, plan_delta, best_delta, best_q, best_one_minus_q, n, regret);
  } else {
    regret_lanes_avx2(p, plan_delta, best_delta, best_q, best_one_minus_q, n, regret);
  }
}
#else
// A build without lanes: lanes_available() is false, so the scalar path is always taken.
void loss_target_lanes(const prepared_law&, const double*, const double*, std::int64_t,
                       const lane_output&) {
  throw std::logic_error("loss_target_lanes called in a build without SIMD lanes");
}

void budget_lanes(const prepared_law&, const double*, const double*, std::int64_t,
                  const lane_output&) {
  throw std::logic_error("budget_lanes called in a build without SIMD lanes");
}

void regret_lanes(const prepared_law&, const double*, const double*, const double*, const double*,
                  std::int64_t, double*) {
  throw std::logic_error("regret_lanes called in a build without SIMD lanes");
}

void robust_lanes(const prepared_law&, double, double, const double*, std::int64_t,
                  const lane_output&) {
  throw std::logic_error("robust_lanes called in a build without SIMD lanes");
}
#endif

} // namespace scalesweep::simd
