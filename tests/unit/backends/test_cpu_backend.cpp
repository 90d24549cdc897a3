// The CPU backend's results do not depend on thread count or tile size: bitwise equal, since the
// same code runs on the same inputs in the same order of operations per cell.
#include "scalesweep/math/budget_optimum.hpp"
#include "scalesweep/math/constrained_regret.hpp"
#include "scalesweep/math/demand_regret.hpp"
#include "scalesweep/math/loss_target_optimum.hpp"
#include "scalesweep/math/serving_constraints.hpp"
#include "scalesweep/math/status.hpp"

#include "backend_harness.hpp"
#include "backends/cpu/simd/cpu_lanes.hpp"
#include "plan/presets.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace {

using namespace scalesweep;
using namespace scalesweep::harness;

TEST(CpuBackend, ResultsAreIndependentOfThreadsAndTileSize) {
  const sweep_plan big = plan_with_tiles(1 << 20);
  const sweep_plan tiny = plan_with_tiles(7);
  ASSERT_GT(tiny.problems[0].tile_count(), 100);
  const auto one = compute_all(big, *make_cpu_backend(big, 1));
  const auto two = compute_all(big, *make_cpu_backend(big, 2));
  const auto tiled = compute_all(tiny, *make_cpu_backend(tiny, 2));
  ASSERT_EQ(one.size(), tiled.size());
  for (std::size_t v = 0; v < one.size(); ++v) {
    for (std::size_t i = 0; i < one[v].size(); ++i) {
      ASSERT_TRUE(same_bits(one[v][i], two[v][i])) << "variable " << v << " cell " << i;
      ASSERT_TRUE(same_bits(one[v][i], tiled[v][i])) << "variable " << v << " cell " << i;
    }
  }
}

// Rows of several work segments and tiles that start inside a row (the layout the CUDA kernels'
// long-row path sees), and the overlapped driving of the run's pipeline: still bitwise equal.
TEST(CpuBackend, LongRowsAndOverlappedTilesGiveTheSameResults) {
  const sweep_plan whole = plan_with_tiles(1 << 20, grid_points::long_rows());
  const sweep_plan inside_rows = plan_with_tiles(3000, grid_points::long_rows());
  const auto reference = compute_all(whole, *make_cpu_backend(whole, 2));
  const auto tiled = compute_all(inside_rows, *make_cpu_backend(inside_rows, 2));
  const auto overlapped = compute_all_overlapped(inside_rows, *make_cpu_backend(inside_rows, 2));
  ASSERT_EQ(reference.size(), tiled.size());
  ASSERT_EQ(reference.size(), overlapped.size());
  for (std::size_t v = 0; v < reference.size(); ++v) {
    for (std::size_t i = 0; i < reference[v].size(); ++i) {
      ASSERT_TRUE(same_bits(reference[v][i], tiled[v][i])) << "variable " << v << " cell " << i;
      ASSERT_TRUE(same_bits(reference[v][i], overlapped[v][i]))
          << "variable " << v << " cell " << i;
    }
  }
}

} // namespace

namespace {

using namespace scalesweep;

// The CPU computes the optima in SIMD lanes (AVX2/AVX-512, libmvec's exp/log: <= 4 ulp) where it
// can; `scalesweep optimum` and the tests' references use the scalar cells (glibc, <= 1 ulp).
// The solves are well conditioned (errors grow ~1/beta ~ 3.5 from ln to N and D), so both agree
// to a few 1e-15; 1e-13 leaves margin. Run with SCALESWEEP_LANES=none/avx2 by ctest too.
// Under serving constraints the scalar cells are the constrained problems' (constrained_*_optimum)
// and `counts` tallies the statuses they give.
void expect_lanes_match_scalar_cells(const sweep_plan& plan, std::vector<int>& counts) {
  const auto computed = harness::compute_all(plan, *make_cpu_backend(plan, 0));
  const scaling_law law = plan.config.law.law;
  std::size_t column = 0;
  double worst = 0;
  for (const problem_grid& p : plan.problems) {
    if (p.kind != problem_kind::loss_target && p.kind != problem_kind::budget) {
      column += p.outputs.size();
      continue;
    }
    const axis* T = plan.find_axis(axis_id::T);
    const axis* x = plan.find_axis(p.kind == problem_kind::loss_target ? axis_id::loss_target
                                                                       : axis_id::budget);
    for (std::int64_t h = 0; h < p.shape[0]; ++h) {
      for (std::int64_t t = 0; t < p.shape[1]; ++t) {
        for (std::int64_t j = 0; j < p.shape[2]; ++j) {
          const auto cell = static_cast<std::size_t>((h * p.shape[1] + t) * p.shape[2] + j);
          const cost_coefficients& k = plan.hardware_coefficients[static_cast<std::size_t>(h)];
          const double Tv = T->values[static_cast<std::size_t>(t)];
          const double xv = x->values[static_cast<std::size_t>(j)];
          // Every f64 column, in the *_columns order: the optimum, then its Chinchilla model.
          std::vector<double> expected;
          double status = 0;
          const serving_limit limit = plan.config.serving_limits.empty()
                                          ? no_serving_limit()
                                          : plan.config.serving_limits[static_cast<std::size_t>(h)];
          if (p.kind == problem_kind::loss_target) {
            const loss_target_result r =
                plan.config.serving_limits.empty()
                    ? loss_target_optimum(law, k, xv, Tv)
                    : constrained_loss_target_optimum(law, k, limit, xv, Tv).optimum;
            expected = {r.N,
                        r.D,
                        r.tokens_per_param,
                        r.cost,
                        r.train_cost,
                        r.serve_cost,
                        r.chinchilla_N,
                        r.chinchilla_D,
                        r.chinchilla_tokens_per_param,
                        r.chinchilla_cost,
                        r.chinchilla_train_cost,
                        r.chinchilla_serve_cost};
            status = static_cast<double>(r.status);
          } else {
            const budget_result r = plan.config.serving_limits.empty()
                                        ? budget_optimum(law, k, xv, Tv)
                                        : constrained_budget_optimum(law, k, limit, xv, Tv);
            expected = {r.N,
                        r.D,
                        r.tokens_per_param,
                        r.loss,
                        r.train_cost,
                        r.serve_cost,
                        r.chinchilla_N,
                        r.chinchilla_D,
                        r.chinchilla_tokens_per_param,
                        r.chinchilla_loss,
                        r.chinchilla_train_cost,
                        r.chinchilla_serve_cost};
            status = static_cast<double>(r.status);
          }
          ASSERT_EQ(expected.size() + 1, p.outputs.size());
          ASSERT_EQ(computed[column + p.outputs.size() - 1][cell], status);
          ++counts[static_cast<std::size_t>(status)];
          for (std::size_t v = 0; v < expected.size(); ++v) {
            const double got = computed[column + v][cell];
            if (std::isnan(expected[v])) {
              ASSERT_TRUE(std::isnan(got));
              continue;
            }
            // Serving costs at T = 0 are exactly 0 on both paths.
            const double error = expected[v] == 0
                                     ? std::fabs(got)
                                     : std::fabs(got - expected[v]) / std::fabs(expected[v]);
            worst = std::max(worst, error);
            ASSERT_LE(error, 1e-13) << p.name << " cell " << cell << " output " << v;
          }
        }
      }
    }
    column += p.outputs.size();
  }
  std::printf("lanes vs scalar cells: worst relative difference %.2e\n", worst);
}

TEST(CpuBackend, LanesAgreeWithTheScalarCells) {
  if (!simd::lanes_available()) {
    // The backend then computes every cell with the scalar path the reference calls: the
    // comparison would hold whatever either computed.
    GTEST_SKIP() << "no SIMD lanes on this CPU (or SCALESWEEP_LANES=none): nothing to compare";
  }
  std::vector<int> counts(cell_status_count);
  expect_lanes_match_scalar_cells(harness::plan_with_tiles(1 << 20), counts);
  EXPECT_EQ(counts[static_cast<std::size_t>(cell_status::constrained)], 0);
}

// The constrained problems: cells the bound settles leave the lanes' packs; the rest are solved
// there as without constraints. Every status the bound gives occurs.
TEST(CpuBackend, LanesAgreeWithTheScalarCellsUnderServingConstraints) {
  if (!simd::lanes_available()) {
    GTEST_SKIP() << "no SIMD lanes on this CPU (or SCALESWEEP_LANES=none): nothing to compare";
  }
  std::vector<int> counts(cell_status_count);
  expect_lanes_match_scalar_cells(harness::plan_with_tiles(1 << 20, {}, harness::constraints_text),
                                  counts);
  EXPECT_GT(counts[static_cast<std::size_t>(cell_status::constrained)], 0);
  EXPECT_GT(counts[static_cast<std::size_t>(cell_status::ok)], 0);
  EXPECT_GT(counts[static_cast<std::size_t>(cell_status::infeasible)], 0);
}

// The lanes run a fixed lane_steps root steps and hand unconverged cells to the scalar path: the
// results would stay right if they never converged, so convergence itself is asserted here, on
// every law preset across loss targets, budgets and demands.
TEST(CpuLanes, EveryCellThatNeedsARootConvergesWithinTheLaneSteps) {
  if (!simd::lanes_available()) {
    GTEST_SKIP() << "no SIMD lanes on this CPU (or SCALESWEEP_LANES=none)";
  }
  constexpr std::size_t n = 61;
  std::vector<double> ln_N(n), ln_D(n), N(n), D(n), loss(n), x(n), ln_T(n);
  std::vector<unsigned char> converged(n);
  const simd::lane_output out{ln_N.data(), ln_D.data(), N.data(),
                              D.data(),    loss.data(), converged.data()};
  for (const law_preset& preset : law_presets()) {
    const prepared_law p = prepare_law(preset.law);
    for (const double T : {1.0, 1e6, 1e10, 1e13, 1e16}) {
      ln_T.assign(n, std::log(T));
      // Loss targets from 1e-4 to 2 nats above E; ln R as a sweep computes it from the target.
      std::vector<double> target(n);
      for (std::size_t j = 0; j < n; ++j) {
        target[j] = preset.law.E + 1e-4 * std::pow(2e4, static_cast<double>(j) / (n - 1));
        x[j] = std::log(target[j] - preset.law.E);
      }
      simd::loss_target_lanes(p, ln_T.data(), x.data(), static_cast<std::int64_t>(n), out);
      for (std::size_t j = 0; j < n; ++j) {
        ASSERT_EQ(converged[j], 1) << preset.name << " T " << T << " ln R " << x[j];
        const loss_target_result r = loss_target_optimum(preset.law, {1, 1}, target[j], T);
        ASSERT_NEAR(N[j] / r.N, 1.0, 1e-13) << preset.name; // tolerance: see the test above
      }
      // Budgets from 10 to 1e10 times the least that serves T (one parameter, one token).
      const double least = minimum_budget_in_training_flops(T);
      for (std::size_t j = 0; j < n; ++j) {
        x[j] = std::log(least * std::pow(10.0, 1.0 + 9.0 * static_cast<double>(j) / (n - 1)));
      }
      simd::budget_lanes(p, ln_T.data(), x.data(), static_cast<std::int64_t>(n), out);
      for (std::size_t j = 0; j < n; ++j) {
        ASSERT_EQ(converged[j], 1) << preset.name << " T " << T << " ln C " << x[j];
        const budget_result r = budget_optimum(preset.law, {1, 1}, std::exp(x[j]), T);
        ASSERT_NEAR(N[j] / r.N, 1.0, 1e-13) << preset.name;
      }
    }
  }
}

// The serving limit of scenario h, or null without constraints.
const serving_limit* limit_of(const sweep_plan& plan, std::size_t h) {
  return plan.config.serving_limits.empty() ? nullptr : &plan.config.serving_limits[h];
}

// The robust cells of the harness's sweep (3 scenarios x spreads 1, 3, 100 x T from 0 to 1e16 x
// 53 loss targets) on the lanes against the scalar cell (robust_optimum, or under serving
// constraints constrained_robust_optimum, whose cells the bound touches never reach the lanes).
// N and D: the lanes' roots and closed form differ from the scalar ones only by libmvec's <= 4
// ulp, amplified ~1/beta from the share to D: 1e-13 as for the other optima. The regret is the
// relative distance of the two endpoint roots squared over (docs/economics.md §4.2), each term
// relative to itself: 1e-12 relative, or 1e-300 absolute where it is 0 (spread 1, T = 0).
// `counts` tallies the statuses.
void expect_robust_lanes_match_scalar_cells(const sweep_plan& plan, std::vector<int>& counts) {
  const auto computed = harness::compute_all(plan, *make_cpu_backend(plan, 0));
  const std::size_t column = harness::first_column_of(plan, problem_kind::robust);
  const std::vector<double>& spreads = plan.find_axis(axis_id::spread)->values;
  const std::vector<double>& Ts = plan.find_axis(axis_id::T)->values;
  const std::vector<double>& targets = plan.find_axis(axis_id::loss_target)->values;
  double worst[3] = {0, 0, 0};
  std::size_t cell = 0;
  for (std::size_t h = 0; h < plan.hardware_coefficients.size(); ++h) {
    const serving_limit* limit = limit_of(plan, h);
    for (const double s : spreads) {
      for (const double T : Ts) {
        for (const double l : targets) {
          const cost_coefficients& k = plan.hardware_coefficients[h];
          const robust_result r =
              limit != nullptr ? constrained_robust_optimum(plan.config.law.law, k, *limit, l, T, s)
                               : robust_optimum(plan.config.law.law, k, l, T, s);
          ASSERT_EQ(computed[column + robust_columns::count][cell], static_cast<double>(r.status))
              << "cell " << cell;
          ++counts[static_cast<std::size_t>(r.status)];
          const double expected[] = {r.N, r.D, r.regret};
          for (int v = 0; v < robust_columns::count; ++v) {
            const double got = computed[column + static_cast<std::size_t>(v)][cell];
            if (std::isnan(expected[v])) {
              ASSERT_TRUE(std::isnan(got)) << "cell " << cell << " output " << v;
              continue;
            }
            const double error = expected[v] == 0
                                     ? std::fabs(got) * 1e-300
                                     : std::fabs(got - expected[v]) / std::fabs(expected[v]);
            worst[v] = std::max(worst[v], error);
            ASSERT_LE(error, v == robust_columns::regret ? 1e-12 : 1e-13)
                << "cell " << cell << " output " << v << ": " << got << " vs " << expected[v];
          }
          ++cell;
        }
      }
    }
  }
  const int ok = counts[static_cast<std::size_t>(cell_status::ok)];
  EXPECT_GT(static_cast<std::size_t>(ok), cell / 3); // the comparison is not all NaN
  std::printf("robust lanes vs scalar: worst relative N %.2e, D %.2e, regret %.2e\n", worst[0],
              worst[1], worst[2]);
}

TEST(CpuBackend, RobustLanesAgreeWithTheScalarCells) {
  if (!simd::lanes_available()) {
    GTEST_SKIP() << "no SIMD lanes on this CPU (or SCALESWEEP_LANES=none): nothing to compare";
  }
  std::vector<int> counts(cell_status_count);
  expect_robust_lanes_match_scalar_cells(harness::plan_with_tiles(1 << 20), counts);
  EXPECT_EQ(counts[static_cast<std::size_t>(cell_status::constrained)], 0);
}

// Under serving constraints: the cells the bound touches (the model on the bound, the crossing
// with a clamped reference, targets infeasible under the bound) take the scalar path, the rest
// the lanes; every status occurs.
TEST(CpuBackend, RobustLanesAgreeWithTheScalarCellsUnderServingConstraints) {
  if (!simd::lanes_available()) {
    GTEST_SKIP() << "no SIMD lanes on this CPU (or SCALESWEEP_LANES=none): nothing to compare";
  }
  std::vector<int> counts(cell_status_count);
  expect_robust_lanes_match_scalar_cells(
      harness::plan_with_tiles(1 << 20, {}, harness::constraints_text), counts);
  EXPECT_GT(counts[static_cast<std::size_t>(cell_status::constrained)], 0);
  EXPECT_GT(counts[static_cast<std::size_t>(cell_status::infeasible)], 0);
}

// The regret cells of the harness's sweep (3 scenarios x T_plan x T from 0 to 1e16 x 53 loss
// targets) against the one-cell scalar path (demand_regret, or constrained_demand_regret under
// serving constraints). Where the fast ratio serves (regret >= 1e-3) both paths run the same
// scalar code; below, the lanes' share form differs by libmvec's <= 4 ulp per function, relative
// to the regret itself (docs/economics.md §4.2): 1e-12 relative; the diagonal, and cells whose
// plan and reference are both on the bound, are exactly 0 on both.
void expect_regret_lanes_match_scalar_cells(const sweep_plan& plan, std::vector<int>& counts) {
  const auto computed = harness::compute_all(plan, *make_cpu_backend(plan, 0));
  const std::size_t column = harness::first_column_of(plan, problem_kind::regret);
  const std::vector<double>& Ts = plan.find_axis(axis_id::T)->values;
  const std::vector<double>& targets = plan.find_axis(axis_id::loss_target)->values;
  double worst = 0;
  std::size_t cell = 0, small = 0;
  for (std::size_t h = 0; h < plan.hardware_coefficients.size(); ++h) {
    const serving_limit* limit = limit_of(plan, h);
    for (const double T_plan : Ts) {
      for (const double T : Ts) {
        for (const double l : targets) {
          const cost_coefficients& k = plan.hardware_coefficients[h];
          const regret_result r =
              limit != nullptr
                  ? constrained_demand_regret(plan.config.law.law, k, *limit, l, T_plan, T)
                  : demand_regret(plan.config.law.law, k, l, T_plan, T);
          ASSERT_EQ(computed[column + 1][cell], static_cast<double>(r.status)) << "cell " << cell;
          ++counts[static_cast<std::size_t>(r.status)];
          const double got = computed[column][cell];
          if (std::isnan(r.regret)) {
            ASSERT_TRUE(std::isnan(got)) << "cell " << cell;
          } else if (r.regret == 0) {
            ASSERT_EQ(got, 0.0) << "cell " << cell;
          } else {
            small += r.regret < 1e-3 ? 1 : 0;
            const double error = std::fabs(got - r.regret) / r.regret;
            worst = std::max(worst, error);
            ASSERT_LE(error, 1e-12) << "cell " << cell << ": " << got << " vs " << r.regret;
          }
          ++cell;
        }
      }
    }
  }
  EXPECT_GT(small, 100U); // the share form on the lanes was compared, not only the fast ratio
  std::printf("regret lanes vs scalar: worst relative %.2e (%zu cells below 1e-3)\n", worst, small);
}

TEST(CpuBackend, RegretLanesAgreeWithTheScalarCells) {
  if (!simd::lanes_available()) {
    GTEST_SKIP() << "no SIMD lanes on this CPU (or SCALESWEEP_LANES=none): nothing to compare";
  }
  std::vector<int> counts(cell_status_count);
  expect_regret_lanes_match_scalar_cells(harness::plan_with_tiles(1 << 20), counts);
  EXPECT_EQ(counts[static_cast<std::size_t>(cell_status::constrained)], 0);
}

TEST(CpuBackend, RegretLanesAgreeWithTheScalarCellsUnderServingConstraints) {
  if (!simd::lanes_available()) {
    GTEST_SKIP() << "no SIMD lanes on this CPU (or SCALESWEEP_LANES=none): nothing to compare";
  }
  std::vector<int> counts(cell_status_count);
  expect_regret_lanes_match_scalar_cells(
      harness::plan_with_tiles(1 << 20, {}, harness::constraints_text), counts);
  EXPECT_GT(counts[static_cast<std::size_t>(cell_status::constrained)], 0);
  EXPECT_GT(counts[static_cast<std::size_t>(cell_status::ok)], 0);
  EXPECT_GT(counts[static_cast<std::size_t>(cell_status::infeasible)], 0);
}

// Every robust cell that needs both roots converges within the lane steps, on every law preset.
TEST(CpuLanes, RobustCellsConvergeWithinTheLaneSteps) {
  if (!simd::lanes_available()) {
    GTEST_SKIP() << "no SIMD lanes on this CPU (or SCALESWEEP_LANES=none)";
  }
  constexpr std::size_t n = 61;
  std::vector<double> ln_N(n), ln_D(n), N(n), D(n), loss(n), regret(n), ln_R(n);
  std::vector<unsigned char> converged(n);
  const simd::lane_output out{ln_N.data(), ln_D.data(),      N.data(),     D.data(),
                              loss.data(), converged.data(), regret.data()};
  for (const law_preset& preset : law_presets()) {
    const prepared_law p = prepare_law(preset.law);
    for (const double T : {1.0, 1e6, 1e10, 1e13, 1e16}) {
      for (const double s : {1.0001, 10.0, 1e4}) {
        std::vector<double> target(n);
        for (std::size_t j = 0; j < n; ++j) {
          target[j] = preset.law.E + 1e-4 * std::pow(2e4, static_cast<double>(j) / (n - 1));
          ln_R[j] = std::log(target[j] - preset.law.E);
        }
        simd::robust_lanes(p, std::log(T) - std::log(s), std::log(T) + std::log(s), ln_R.data(),
                           static_cast<std::int64_t>(n), out);
        for (std::size_t j = 0; j < n; ++j) {
          ASSERT_EQ(converged[j], 1) << preset.name << " T " << T << " s " << s;
          const robust_result r = robust_optimum(preset.law, {1, 1}, target[j], T, s);
          ASSERT_NEAR(N[j] / r.N, 1.0, 1e-13) << preset.name << " T " << T << " s " << s;
        }
      }
    }
  }
}

} // namespace
