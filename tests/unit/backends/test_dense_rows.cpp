// backends/cpu/simd/dense_rows: the implied-demand rows built for AVX2 / AVX-512 (vectorised, no
// FMA contraction, a first pass for the common cells) equal the baseline build's compute_row bit
// for bit, NaN payloads and statuses included, on the backend tests' grid (three scenarios; models
// from 1e7 to 1e13 parameters and 1e8 to 1e15 tokens: undertrained, ok and invalid cells), on rows
// that start mid-way, and with invalid and overflowing cells scattered through long rows.
#include "scalesweep/cells/problem_rows.hpp"

#include "backend_harness.hpp"
#include "backends/cpu/lane_cells.hpp"
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

// Every implied-demand row of the plan through the lanes' rows (whole, and cut at an odd cell: a
// segment boundary inside a row) against the baseline build's compute_row, bit for bit; returns
// how many compared cells hold each status.
std::vector<std::int64_t> compare_implied_demand_rows(const sweep_plan& plan,
                                                      const sweep_views& views) {
  std::vector<std::int64_t> statuses(256, 0);
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
        for (const std::int64_t cut : {std::int64_t{0}, length / 3 + 1}) {
          EXPECT_TRUE(simd::dense_row(p.kind, views, box, row, 0, cut, lanes.columns()));
          EXPECT_TRUE(simd::dense_row(p.kind, views, box, row, cut, length, lanes.columns()));
          compute_row<problem_kind::implied_demand>(views, box, row, 0, length, 1,
                                                    baseline.columns());
          const std::int64_t first = row * length;
          EXPECT_EQ(std::memcmp(lanes.f64(0) + first, baseline.f64(0) + first,
                                static_cast<std::size_t>(length) * sizeof(double)),
                    0)
              << "implied_T, tile " << t << " row " << row;
          EXPECT_EQ(std::memcmp(lanes.status() + first, baseline.status() + first,
                                static_cast<std::size_t>(length)),
                    0)
              << "implied_status, tile " << t << " row " << row;
          for (std::int64_t j = 0; j < length; ++j) {
            ++statuses[baseline.status()[first + j]];
          }
        }
      }
    }
  }
  return statuses;
}

std::int64_t count_of(const std::vector<std::int64_t>& statuses, cell_status s) {
  return statuses[static_cast<std::size_t>(s)];
}

TEST(DenseRows, ImpliedDemandEqualsTheBaselineBitForBit) {
  if (!simd::lanes_available()) {
    GTEST_SKIP() << "this CPU (or SCALESWEEP_LANES=none) has no lanes";
  }
  const sweep_plan plan = plan_with_tiles(1 << 20, grid_points::long_rows());
  const sweep_terms terms = make_sweep_terms(plan);
  const std::vector<std::int64_t> statuses =
      compare_implied_demand_rows(plan, host_views(plan, terms));
  EXPECT_GT(count_of(statuses, cell_status::ok), 100000);
  EXPECT_GT(count_of(statuses, cell_status::undertrained), 10000);
}

// The rows' first pass settles only valid cells whose T is in range (ok or undertrained), and
// hands every chunk with another cell to the full cell: rows with such cells scattered among
// thousands of ordinary ones (terms and D poked after planning, as no config would give them),
// and a row whose parameter term is invalid throughout.
TEST(DenseRows, ImpliedDemandChunksWithInvalidOrOverflowingCellsEqualTheBaseline) {
  if (!simd::lanes_available()) {
    GTEST_SKIP() << "this CPU (or SCALESWEEP_LANES=none) has no lanes";
  }
  const sweep_plan plan = plan_with_tiles(1 << 20, grid_points::long_rows());
  sweep_terms terms = make_sweep_terms(plan);
  sweep_views views = host_views(plan, terms);
  std::vector<double> D(views.D, views.D + grid_points::long_rows().D);
  const auto at = [&](std::size_t j) { return j * D.size() / 16; };
  terms.data_terms[at(1)] = 0.0;      // invalid
  terms.data_terms[at(3)] = NAN;      // invalid
  terms.data_terms[at(5)] = HUGE_VAL; // invalid
  terms.data_terms[at(7)] = 1e-300;   // T_eff overflows: out of range
  D[at(9)] = 0.0;                     // invalid
  D[at(11)] = HUGE_VAL;               // invalid
  D[at(13)] = 1e300;                  // 3D (...) overflows: out of range
  D[D.size() - 1] = NAN;              // invalid, the row's last cell
  terms.parameter_terms[2] = NAN;     // a whole row invalid
  views = host_views(plan, terms);
  views.D = D.data();
  const std::vector<std::int64_t> statuses = compare_implied_demand_rows(plan, views);
  EXPECT_GT(count_of(statuses, cell_status::ok), 100000);
  EXPECT_GT(count_of(statuses, cell_status::undertrained), 10000);
  EXPECT_GT(count_of(statuses, cell_status::invalid_input), 5000); // the invalid rows
  EXPECT_GT(count_of(statuses, cell_status::out_of_range), 0);
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
  const rows::row r{nullptr, nullptr, plan_N.data(), plan_D.data(), actual_cost.data(),
                    nullptr, nullptr, nullptr,       nullptr,       t_eff};
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
      // Bitwise on purpose: NaN payloads included.
      // NOLINTNEXTLINE(bugprone-suspicious-memory-comparison)
      EXPECT_TRUE(std::memcmp(&regret[k], &scalar, sizeof scalar) == 0)
          << "cell " << j << ": lanes " << regret[k] << ", scalar " << scalar;
      EXPECT_EQ(ratio_form_holds(scalar), settled[static_cast<std::size_t>(j)]) << "cell " << j;
      EXPECT_EQ(status[k], static_cast<std::uint8_t>(cell_status::ok));
      expected_unsettled += settled[static_cast<std::size_t>(j)] ? 0 : 1;
    }
    EXPECT_EQ(unsettled, expected_unsettled) << "from cell " << first;
  }
}

// The share form over a row's unsettled span (regret_share_span) on hand-made share columns: an
// unsettled cell takes regret_of of its own columns (to 1e-12 relative, the allowance of
// CpuBackend.RegretLanesAgreeWithTheScalarCells: libmvec's expm1/log1p are within 4 ulp, and the
// form's differences lose at most ~200x of that, docs/economics.md §4.2), a cell the ratio
// settled keeps its ratio whether inside the span or outside, and a cell with NaN columns (a model
// not ok) is left NaN and counted.
TEST(DenseRows, RegretShareSpanTakesTheShareFormOnlyWhereTheRatioLeftCells) {
  if (!simd::lanes_available()) {
    GTEST_SKIP() << "this CPU (or SCALESWEEP_LANES=none) has no lanes";
  }
  const prepared_law p = prepare_law(scaling_law{1.69, 406.4, 410.7, 0.34, 0.28}); // Hoffmann
  // Optima at several demands: deltas from about -1e-6 (small demand) to -0.3.
  std::vector<double> delta, q, one_minus_q;
  for (const double d : {-1e-6, -2e-4, -3e-3, -0.02, -0.1, -0.3}) {
    const optimum_share<double> s = optimum_share_of(p, d);
    delta.push_back(s.delta);
    q.push_back(s.q);
    one_minus_q.push_back(s.one_minus_q);
  }
  const std::size_t m = delta.size();
  // Row of 13 cells: plan j compares with optimum j % m; what the ratio pass left in regret[]:
  // settled (0.5, 2e-3, 0.25) before, inside and after the span; unsettled, below the floor
  // (1e-4) or NaN (cell 6: a NaN ratio, finite columns); NaN columns at cell 9.
  std::vector<double> regret = {0.5,  2e-3, 1e-4, 1e-4, 0.5, 1e-4, NAN,
                                1e-4, 2e-3, NAN,  1e-4, 0.5, 0.25};
  const std::size_t n = regret.size();
  std::vector<double> plan_delta(n), best_delta(n), best_q(n), best_one_minus_q(n);
  for (std::size_t j = 0; j < n; ++j) {
    const std::size_t o = j % m;
    plan_delta[j] = delta[o] * (1.0 + 0.01 * static_cast<double>(j)); // near, then farther
    best_delta[j] = delta[o];
    best_q[j] = q[o];
    best_one_minus_q[j] = one_minus_q[o];
  }
  best_delta[9] = best_q[9] = best_one_minus_q[9] = NAN;
  const std::vector<double> before = regret;
  const std::size_t left = regret_share_span(p, plan_delta.data(), best_delta.data(), best_q.data(),
                                             best_one_minus_q.data(), n, regret.data());
  std::size_t expected_left = 0;
  for (std::size_t j = 0; j < n; ++j) {
    if (ratio_form_holds(before[j])) {
      EXPECT_EQ(regret[j], before[j]) << "cell " << j << " was settled by the ratio";
    } else if (std::isnan(best_delta[j])) {
      EXPECT_TRUE(std::isnan(regret[j])) << "cell " << j;
      ++expected_left;
    } else {
      const double scalar =
          regret_of(p, plan_delta[j],
                    optimum_share<double>{best_delta[j], NAN, best_q[j], best_one_minus_q[j]});
      ASSERT_GT(scalar, 0.0) << "cell " << j;
      EXPECT_NEAR(regret[j], scalar, 1e-12 * scalar) << "cell " << j;
    }
  }
  EXPECT_EQ(left, expected_left);
}

} // namespace
