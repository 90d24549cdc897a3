// backends/cpu/simd/dense_rows: the implied-demand rows built for AVX2 / AVX-512 (vectorised, no
// FMA contraction) equal the baseline build's compute_row bit for bit, NaN payloads and statuses
// included, on the backend tests' grid (three scenarios; models from 1e7 to 1e13 parameters and
// 1e8 to 1e15 tokens: undertrained, ok and invalid cells) and on rows that start mid-way.
#include "scalesweep/cells/problem_rows.hpp"

#include "backend_harness.hpp"
#include "backends/cpu/simd/cpu_lanes.hpp"
#include "backends/cpu/simd/dense_rows.hpp"
#include "plan/sweep_terms.hpp"

#include <gtest/gtest.h>

#include <cstring>

namespace {

using namespace scalesweep;
using namespace scalesweep::harness;

TEST(DenseRows, ImpliedDemandEqualsTheBaselineBitForBit) {
  if (!simd::lanes_available()) {
    GTEST_SKIP() << "this CPU (or SCALESWEEP_LANES=none) has no lanes";
  }
  const sweep_plan plan = plan_with_tiles(1 << 20, grid_points::long_rows());
  const sweep_terms terms = make_sweep_terms(plan);
  const sweep_views views = host_views(plan, terms);
  std::int64_t compared = 0;
  for (const problem_grid& p : plan.problems) {
    if (p.kind != problem_kind::implied_demand) {
      continue;
    }
    host_tile lanes(p);
    host_tile baseline(p);
    for (std::int64_t t = 0; t < p.tile_count(); ++t) {
      const tile_box box = p.tile(t);
      const std::int64_t length = row_length(box);
      for (std::int64_t row = 0; row < row_count(box); ++row) {
        // Whole rows, and rows cut at an odd cell (a segment boundary inside a row).
        for (const std::int64_t cut : {std::int64_t{0}, length / 3 + 1}) {
          ASSERT_TRUE(simd::dense_row(p.kind, views, box, row, 0, cut, lanes.columns()));
          ASSERT_TRUE(simd::dense_row(p.kind, views, box, row, cut, length, lanes.columns()));
          compute_row<problem_kind::implied_demand>(views, box, row, 0, length, 1,
                                                    baseline.columns());
          const std::int64_t first = row * length;
          ASSERT_EQ(std::memcmp(lanes.f64(0) + first, baseline.f64(0) + first,
                                static_cast<std::size_t>(length) * sizeof(double)),
                    0)
              << "implied_T, tile " << t << " row " << row;
          ASSERT_EQ(std::memcmp(lanes.status() + first, baseline.status() + first,
                                static_cast<std::size_t>(length)),
                    0)
              << "implied_status, tile " << t << " row " << row;
          compared += length;
        }
      }
    }
  }
  EXPECT_GT(compared, 100000);
}

TEST(DenseRows, OtherProblemsAreLeftToTheBaseline) {
  const sweep_plan plan = plan_with_tiles(4096);
  const sweep_terms terms = make_sweep_terms(plan);
  const sweep_views views = host_views(plan, terms);
  for (const problem_grid& p : plan.problems) {
    if (p.kind == problem_kind::implied_demand) {
      continue;
    }
    host_tile tile(p);
    EXPECT_FALSE(simd::dense_row(p.kind, views, p.tile(0), 0, 0, 1, tile.columns()));
  }
}

} // namespace
