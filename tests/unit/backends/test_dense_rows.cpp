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

#include <cmath>
#include <cstring>
#include <vector>

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

// The regret grid's ratio pass against the scalar ratio, cell by cell, on hand-made columns: the
// cells it must leave to the share form are those below regret_ratio_floor, those whose model is
// not ok (NaN columns), and those whose cost overflows (+inf, or NaN when both costs do), where
// the ratio form would store an infinite regret as ok.
TEST(DenseRows, RegretRatioPassLeavesSmallNaNAndOverflowingCellsUnsettled) {
  if (!simd::lanes_available()) {
    GTEST_SKIP() << "this CPU (or SCALESWEEP_LANES=none) has no lanes";
  }
  using rows = problem_rows<problem_kind::regret>;
  const double t_eff = 1e12;
  // N (3D + t_eff) of a 7e10-parameter model on 1.4e12 tokens: the reference cost.
  const double cost = 7e10 * (3.0 * 1.4e12 + t_eff);
  // plan N, plan D and the optimum's cost; the comment is the cell's expected verdict.
  const std::vector<double> plan_N = {7e10 * 1.5,    // regret ~0.5: settled
                                      7e10,          // regret 0 (same model): below the floor
                                      7e10 * 1.0005, // regret ~5e-4: below the floor
                                      NAN,           // plan not ok
                                      7e10,          // optimum not ok (NaN cost below)
                                      1e200,         // plan cost overflows: +inf
                                      1e200,         // both overflow: NaN
                                      7e10 * 1.002}; // regret ~2e-3: settled
  const std::vector<double> plan_D = {1.4e12, 1.4e12, 1.4e12, 1.4e12, 1.4e12, 1e200, 1e200, 1.4e12};
  const std::vector<double> actual_cost = {cost, cost, cost, cost, NAN, cost, HUGE_VAL, cost};
  const std::vector<bool> settled = {true, false, false, false, false, false, false, true};
  const rows::row r{nullptr, nullptr, plan_N.data(), plan_D.data(), actual_cost.data(), t_eff};
  const auto n = static_cast<std::int64_t>(plan_N.size());
  for (std::int64_t first = 0; first < n; ++first) { // every start, as a segment cut in a row
    std::vector<double> regret(static_cast<std::size_t>(n - first), -7.0);
    std::vector<std::uint8_t> status(regret.size(), 255);
    const std::int64_t unsettled =
        simd::regret_ratio_row(r, first, n - first, regret.data(), status.data());
    std::int64_t expected_unsettled = 0;
    for (std::int64_t j = first; j < n; ++j) {
      const auto k = static_cast<std::size_t>(j - first);
      const double scalar = rows::ratio(r, j);
      EXPECT_TRUE(std::memcmp(&regret[k], &scalar, sizeof scalar) == 0)
          << "cell " << j << ": lanes " << regret[k] << ", scalar " << scalar;
      EXPECT_EQ(ratio_form_holds(scalar), settled[static_cast<std::size_t>(j)]) << "cell " << j;
      EXPECT_EQ(status[k], static_cast<std::uint8_t>(cell_status::ok));
      expected_unsettled += settled[static_cast<std::size_t>(j)] ? 0 : 1;
    }
    EXPECT_EQ(unsettled, expected_unsettled) << "from cell " << first;
  }
}

} // namespace
