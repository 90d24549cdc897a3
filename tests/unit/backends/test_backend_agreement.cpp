// The CUDA backend agrees with the CPU backend to 1e-12 relative (skipped without a device), on
// grids that reach every launch shape: rows shorter than a block (several rows per block), rows
// of several segments, tiles that start inside a row, and tiles overlapped as the run's pipeline
// overlaps them (pinned host tiles, driven from another thread than the one that built it).
#include "backend_harness.hpp"
#include "cuda_required.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ostream>
#include <thread>

namespace {

using namespace scalesweep;
using namespace scalesweep::harness;

struct agreement_case {
  const char* name;
  std::int64_t tile_cells;
  grid_points points;
};

const agreement_case cases[] = {
    {"short_rows_large_tiles", 4096, {}},
    {"short_rows_tiny_tiles", 7, {}},
    {"long_rows_large_tiles", 1 << 20, grid_points::long_rows()},
    {"long_rows_tiles_inside_rows", 3000, grid_points::long_rows()},
};

void PrintTo(const agreement_case& c, std::ostream* os) {
  *os << c.name;
}

class BackendAgreement : public ::testing::TestWithParam<agreement_case> {
protected:
  void SetUp() override { SCALESWEEP_SKIP_WITHOUT_CUDA(); }
};

// llm.c-style validation: |gpu - cpu| <= rtol |cpu| (NaN where NaN), first mismatches printed.
// rtol 1e-12: the same double-precision formulas differ only by device libm and FMA contraction,
// ~4e-16 per operation (ECOSYSTEM.md), amplified at most by the solvers' condition (~1e2).
void expect_agreement(const std::vector<std::vector<double>>& cpu,
                      const std::vector<std::vector<double>>& gpu, const char* how) {
  constexpr double rtol = 1e-12;
  ASSERT_EQ(cpu.size(), gpu.size());
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
          ADD_FAILURE() << how << ": variable " << v << " cell " << i << ": cpu " << c << " cuda "
                        << g;
        }
      }
    }
  }
  std::printf("%s: compared %zu values, %.1f %% bitwise equal\n", how, compared,
              100.0 * static_cast<double>(bitwise) / static_cast<double>(compared));
  EXPECT_EQ(mismatches, 0) << how;
}

TEST_P(BackendAgreement, CudaMatchesCpu) {
  const sweep_plan plan = plan_with_tiles(GetParam().tile_cells, GetParam().points);
  backend_options cuda_options;
  cuda_options.choice = backend_choice::cuda;
  const auto cpu = compute_all(plan, *make_cpu_backend(plan, 0));
  const std::unique_ptr<compute_backend> gpu = make_backend(plan, cuda_options);
  ASSERT_EQ(gpu->kind(), "cuda");
  expect_agreement(cpu, compute_all(plan, *gpu), "one tile at a time");
  std::vector<std::vector<double>> overlapped;
  std::thread driver([&] { overlapped = compute_all_overlapped(plan, *gpu); });
  driver.join();
  expect_agreement(cpu, overlapped, "two tiles in flight, another thread");
}

INSTANTIATE_TEST_SUITE_P(Grids, BackendAgreement, ::testing::ValuesIn(cases),
                         [](const auto& info) { return std::string(info.param.name); });

} // namespace
