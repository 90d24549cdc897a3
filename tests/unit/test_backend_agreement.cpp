// The CUDA backend agrees with the CPU backend to 1e-12 relative (skipped without a device).
#include "backend_harness.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

namespace {

using namespace scalesweep;
using namespace scalesweep::harness;

// llm.c-style validation: |gpu - cpu| <= atol + rtol |cpu|, first mismatches printed.
// rtol 1e-12: the same double-precision formulas differ only by device libm and FMA contraction,
// ~4e-16 per operation (ECOSYSTEM.md), amplified at most by the solvers' condition (~1e2).
TEST(BackendAgreement, CudaMatchesCpu) {
  if (cuda_device_count() == 0) {
    GTEST_SKIP() << (cuda_compiled() ? "no CUDA device present" : "built without CUDA");
  }
  const sweep_plan plan = plan_with_tiles(4096);
  backend_options cuda_options;
  cuda_options.choice = backend_choice::cuda;
  const auto gpu = compute_all(plan, *make_backend(plan, cuda_options));
  const auto cpu = compute_all(plan, *make_cpu_backend(plan, 0));
  constexpr double rtol = 1e-12;
  int mismatches = 0;
  std::size_t compared = 0, bitwise = 0;
  for (std::size_t v = 0; v < cpu.size(); ++v) {
    for (std::size_t i = 0; i < cpu[v].size(); ++i) {
      const double c = cpu[v][i], g = gpu[v][i];
      ++compared;
      bitwise += same_bits(c, g) ? 1 : 0;
      const bool both_nan = std::isnan(c) && std::isnan(g);
      if (!both_nan && !(std::fabs(g - c) <= rtol * std::fabs(c))) {
        if (++mismatches <= 10) {
          ADD_FAILURE() << "variable " << v << " cell " << i << ": cpu " << c << " cuda " << g;
        }
      }
    }
  }
  std::printf("compared %zu values, %.1f %% bitwise equal\n", compared, 100.0 * bitwise / compared);
  EXPECT_EQ(mismatches, 0);
}

} // namespace
