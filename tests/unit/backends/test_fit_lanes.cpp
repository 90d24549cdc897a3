// The Huber objective on the CPU's vector lanes (its own inline exp/log) against the scalar
// objective that CUDA also runs: the same value and gradient to rounding, on every lane width
// this CPU has, with padding and bootstrap weights.
#include "backends/cpu/simd/cpu_lanes.hpp"
#include "backends/fit/fit_lanes.hpp"
#include "fit_test_data.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

namespace {

using namespace scalesweep;
using namespace scalesweep::app;

// Lane widths this CPU runs (the AVX-512 lanes need AVX-512F/DQ, the AVX2 ones AVX2 and FMA).
std::vector<std::pair<const char*, fit_simd::huber_lanes_function>> available_lanes() {
  std::vector<std::pair<const char*, fit_simd::huber_lanes_function>> out;
  const char* isa = simd::lanes_isa();
  if (std::strcmp(isa, "avx512") == 0) {
    out.emplace_back("avx512", &fit_simd::huber_lanes_avx512);
  }
  if (std::strcmp(isa, "avx512") == 0 || std::strcmp(isa, "avx2") == 0) {
    out.emplace_back("avx2", &fit_simd::huber_lanes_avx2);
  }
  return out;
}

// Each point's exp and log are within a few ulps of std's (the inline functions: <= 2 and
// <= 4 ulp), so a residual r = log L - LSE (LSE ~ 1) moves by ~1e-15 absolute: relative to the
// smallest |r| that matters (~1e-3 .. 1e-5 near the optimum) that is 1e-10 at most, and the sums
// over 240 points are reordered (8 partial sums). Hence 1e-9 of the largest gradient component,
// and 1e-12 relative on f. A wrong polynomial coefficient or exponent bit is off by far more.
TEST(FitLanes, MatchScalarObjective) {
  const auto lanes = available_lanes();
  if (lanes.empty()) {
    GTEST_SKIP() << "this CPU (or build) has no vector lanes";
  }
  const fit_data data = fit_testing::shipped_data();
  const fit_points_view view = data.view();
  const std::uint32_t padded = fit_simd::padded_size(data.size());
  std::vector<double> log_N(padded), log_D(padded), log_loss(padded), weight(padded, 0.0);
  std::vector<std::uint32_t> counts(data.size());
  for (std::uint32_t i = 0; i < padded; ++i) {
    const std::uint32_t j = i < data.size() ? i : 0;
    log_N[i] = data.log_N[j], log_D[i] = data.log_D[j], log_loss[i] = data.log_loss[j];
    if (i < data.size()) {
      counts[i] = (i * 5) % 3; // a resample's multiplicities
      weight[i] = counts[i];
    }
  }
  fit_points_view weighted = view;
  weighted.counts = counts.data();
  const fit_simd::lane_points points{log_N.data(), log_D.data(), log_loss.data(), weight.data(),
                                     padded};
  const double xs[][law_parameters] = {{6.169, 7.670, 0.5973, 0.3473, 0.3672},
                                       {0, 25, -1, 2, 0},
                                       {25, 0, 1, 0, 2},
                                       {7.3, 4.1, 0.2, 0.61, 0.12},
                                       {5, 10, 0.5, 0.5, 0.5}};
  for (const auto& [name, function] : lanes) {
    for (const auto& x : xs) {
      double g_lane[law_parameters], g_scalar[law_parameters];
      const double f_lane =
          fit_simd::huber_lanes_objective{points, view, 1e-3, function}(x, g_lane);
      const double f_scalar = huber_objective{weighted, 1e-3}(x, g_scalar);
      EXPECT_NEAR(f_lane, f_scalar, 1e-12 * std::fabs(f_scalar)) << name;
      double largest = 0;
      for (double g : g_scalar) {
        largest = std::fmax(largest, std::fabs(g));
      }
      for (int p = 0; p < law_parameters; ++p) {
        EXPECT_NEAR(g_lane[p], g_scalar[p], 1e-9 * largest) << name << " parameter " << p;
      }
    }
  }
}

} // namespace
