// The robust choice and the regret grid under law samples on the CPU backend (SPEC §5.4 under
// §5.5): each kept sample's robust models and regrets against the scalar cell of that sample's
// law, and the quantiles against numpy's linear definition written out here over those scalar
// cells, on tiles that cut the (spread, T) and (T_plan, T) rows of the rank-5 grids, with and
// without serving constraints.
#include "scalesweep/math/constrained_regret.hpp"
#include "scalesweep/math/demand_regret.hpp"
#include "scalesweep/math/status.hpp"

#include "backend_harness.hpp"
#include "backends/cpu/sample_tiles.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace scalesweep {
namespace {

constexpr double levels[] = {0.05, 0.5, 0.95};

// 43 laws (0.05 · 42 is not an integer: the lerp is exercised): epoch2024's constants moved by up
// to ±5 % each, deterministically (as the agreement tests' laws); loss targets from below some
// laws' E (infeasible samples) upwards.
// Loss targets from below some laws' E (infeasible samples: the CPU reduction's gather with
// counts) upwards; `every_feasible` keeps them above every law's E (at most 1.81686 x 1.05 =
// 1.908), so that every sample of every cell has an optimum (the CPU's transposing gather).
const char* some_infeasible = "[1.72, 1.8, 1.9, 2.05, 2.3, 2.6, 3.0]";
const char* every_feasible = "[1.95, 2.3, 3.0]";
// Twelve targets: a row longer than the CPU's pieces under thousands of samples (8 cells).
const char* long_rows = "[1.72, 1.8, 1.85, 1.9, 1.95, 2.0, 2.05, 2.15, 2.3, 2.45, 2.6, 3.0]";

sweep_plan sample_plan(std::int64_t tile_cells, bool constraints,
                       const char* targets = some_infeasible, std::size_t law_count = 43) {
  std::string text = R"(
[law]
preset = "epoch2024"
samples = "synthetic"
[uncertainty]
quantiles = [0.05, 0.5, 0.95]
keep_samples = true
[objective]
kind = "usd"
[[hardware]]
name = "a"
preset = "sardana2024-default"
[[hardware]]
name = "c"
preset = "h200-fp8"
[axes]
T = { values = [0, 1e10, 1e13, 1e16] }
loss_target = { values = TARGETS }
spread = { values = [1, 3, 30] }
[output]
chunk_cells = TILE
dense = ["regret"]
)";
  if (constraints) {
    text += harness::constraints_text;
  }
  text.replace(text.find("TILE"), 4, std::to_string(tile_cells));
  text.replace(text.find("TARGETS"), 7, targets);
  sweep_config config = parse_config(text, "robust-samples.toml");
  config.law.samples = harness::synthetic_laws(law_count, 2024);
  return make_plan(std::move(config));
}

// numpy.quantile's default ("linear", Hyndman & Fan 7): position (n - 1) q between the sorted
// values, linear between its neighbours.
double numpy_linear_quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double h = static_cast<double>(v.size() - 1) * q;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (h - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

// Relative error, or (where the reference is 0: spread 1, T = 0) the value itself scaled away.
double relative_error(double got, double want) {
  return want == 0 ? std::fabs(got) * 1e-300 : std::fabs(got - want) / std::fabs(want);
}

// Tolerances as the lanes-vs-scalar robust test's (test_cpu_backend.cpp): N and D 1e-13 (libmvec's
// <= 4 ulp amplified ~1/beta), the regret 1e-12; a quantile interpolates between two order
// statistics each within those, of one sign, so it is within them too.
void expect_robust_samples_match_scalar_cells(std::int64_t tile_cells, bool constraints,
                                              const char* target_values = some_infeasible,
                                              std::size_t law_count = 43) {
  const sweep_plan plan = sample_plan(tile_cells, constraints, target_values, law_count);
  const auto computed = harness::compute_all(plan, *make_cpu_backend(plan, 0));
  const std::size_t kept = harness::first_column_of(plan, problem_kind::robust_samples);
  const std::size_t reduced = harness::first_column_of(plan, problem_kind::robust_quantiles);
  const std::vector<scaling_law>& laws = plan.config.law.samples;
  const std::vector<double>& spreads = plan.find_axis(axis_id::spread)->values;
  const std::vector<double>& Ts = plan.find_axis(axis_id::T)->values;
  const std::vector<double>& targets = plan.find_axis(axis_id::loss_target)->values;
  const std::size_t H = plan.hardware_coefficients.size();
  const std::size_t cells = H * spreads.size() * Ts.size() * targets.size();
  ASSERT_EQ(computed[kept].size(), laws.size() * cells);
  ASSERT_EQ(computed[reduced].size(), std::size(levels) * cells);
  double worst[robust_columns::count] = {};
  int partly_feasible = 0, not_every = 0, constrained = 0;
  std::size_t cell = 0;
  for (std::size_t h = 0; h < H; ++h) {
    const serving_limit* limit =
        plan.config.serving_limits.empty() ? nullptr : &plan.config.serving_limits[h];
    const cost_coefficients& k = plan.hardware_coefficients[h];
    for (const double spread : spreads) {
      for (const double T : Ts) {
        for (const double l : targets) {
          std::vector<double> feasible[robust_columns::count];
          for (std::size_t s = 0; s < laws.size(); ++s) {
            const robust_result r =
                limit != nullptr ? constrained_robust_optimum(laws[s], k, *limit, l, T, spread)
                                 : robust_optimum(laws[s], k, l, T, spread);
            const std::size_t i = s * cells + cell;
            ASSERT_EQ(computed[kept + robust_columns::count][i], static_cast<double>(r.status))
                << "sample " << s << " cell " << cell;
            constrained += r.status == cell_status::constrained ? 1 : 0;
            const double want[] = {r.N, r.D, r.regret};
            for (int v = 0; v < robust_columns::count; ++v) {
              const double got = computed[kept + static_cast<std::size_t>(v)][i];
              if (std::isnan(want[v])) {
                ASSERT_TRUE(std::isnan(got)) << "sample " << s << " cell " << cell;
                continue;
              }
              ASSERT_LE(relative_error(got, want[v]), v == robust_columns::regret ? 1e-12 : 1e-13)
                  << "sample " << s << " cell " << cell << " output " << v;
              if (status_has_optimum(r.status)) {
                feasible[v].push_back(want[v]);
              }
            }
          }
          const std::size_t n = feasible[0].size();
          partly_feasible += n > 0 && n < laws.size() ? 1 : 0;
          not_every += n < laws.size() ? 1 : 0;
          EXPECT_EQ(computed[reduced + robust_quantiles_columns::feasible_fraction][cell],
                    static_cast<double>(n) / static_cast<double>(laws.size()))
              << "cell " << cell;
          for (int v = 0; v < robust_columns::count; ++v) {
            for (std::size_t c = 0; c < std::size(levels); ++c) {
              const double got = computed[reduced + static_cast<std::size_t>(v)][c * cells + cell];
              if (n == 0) {
                EXPECT_TRUE(std::isnan(got)) << "cell " << cell;
                continue;
              }
              const double want = numpy_linear_quantile(feasible[v], levels[c]);
              worst[v] = std::max(worst[v], relative_error(got, want));
              ASSERT_LE(relative_error(got, want), v == robust_columns::regret ? 1e-12 : 1e-13)
                  << "cell " << cell << " quantity " << v << " level " << levels[c] << ": " << got
                  << " vs " << want;
            }
          }
          ++cell;
        }
      }
    }
  }
  if (target_values == every_feasible) {
    EXPECT_EQ(not_every, 0); // every sample of every cell has an optimum
  } else {
    EXPECT_GT(partly_feasible, 0); // the feasible fraction is exercised between 0 and 1
  }
  if (constraints) {
    EXPECT_GT(constrained, 0); // the bound binds for some samples' cells
  }
  std::printf("robust under %zu samples (tiles of %lld cells%s): worst relative quantile error "
              "N %.2e, D %.2e, regret %.2e\n",
              laws.size(), static_cast<long long>(tile_cells),
              constraints ? ", serving constraints" : "", worst[0], worst[1], worst[2]);
}

// The regret grid the same way: each sample-cell against the scalar cell of its law
// (demand_regret, or constrained_demand_regret under serving constraints: the same functions the
// sweep's cells call, so the kept samples agree bit for bit), the quantiles to 1e-13 (an
// interpolation between two of those values).
void expect_regret_samples_match_scalar_cells(std::int64_t tile_cells, bool constraints,
                                              const char* target_values = some_infeasible) {
  const sweep_plan plan = sample_plan(tile_cells, constraints, target_values);
  const auto computed = harness::compute_all(plan, *make_cpu_backend(plan, 0));
  const std::size_t kept = harness::first_column_of(plan, problem_kind::regret_samples);
  const std::size_t reduced = harness::first_column_of(plan, problem_kind::regret_quantiles);
  const std::vector<scaling_law>& laws = plan.config.law.samples;
  const std::vector<double>& Ts = plan.find_axis(axis_id::T)->values;
  const std::vector<double>& targets = plan.find_axis(axis_id::loss_target)->values;
  const std::size_t H = plan.hardware_coefficients.size();
  const std::size_t cells = H * Ts.size() * Ts.size() * targets.size();
  ASSERT_EQ(computed[kept].size(), laws.size() * cells);
  double worst = 0;
  int partly_feasible = 0, positive = 0;
  std::size_t cell = 0;
  for (std::size_t h = 0; h < H; ++h) {
    const serving_limit* limit =
        plan.config.serving_limits.empty() ? nullptr : &plan.config.serving_limits[h];
    const cost_coefficients& k = plan.hardware_coefficients[h];
    for (const double T_plan : Ts) {
      for (const double T : Ts) {
        for (const double l : targets) {
          std::vector<double> feasible;
          for (std::size_t s = 0; s < laws.size(); ++s) {
            const regret_result r =
                limit != nullptr ? constrained_demand_regret(laws[s], k, *limit, l, T_plan, T)
                                 : demand_regret(laws[s], k, l, T_plan, T);
            const std::size_t i = s * cells + cell;
            ASSERT_EQ(computed[kept + regret_columns::count][i], static_cast<double>(r.status))
                << "sample " << s << " cell " << cell;
            const double got = computed[kept + regret_columns::regret][i];
            if (std::isnan(r.regret)) {
              ASSERT_TRUE(std::isnan(got)) << "sample " << s << " cell " << cell;
              continue;
            }
            ASSERT_EQ(got, r.regret) << "sample " << s << " cell " << cell;
            if (status_has_optimum(r.status)) {
              feasible.push_back(r.regret);
              positive += r.regret > 0 ? 1 : 0;
            }
          }
          const std::size_t n = feasible.size();
          partly_feasible += n > 0 && n < laws.size() ? 1 : 0;
          EXPECT_EQ(computed[reduced + regret_quantiles_columns::feasible_fraction][cell],
                    static_cast<double>(n) / static_cast<double>(laws.size()));
          for (std::size_t c = 0; c < std::size(levels); ++c) {
            const double got =
                computed[reduced + regret_quantiles_columns::regret][c * cells + cell];
            if (n == 0) {
              EXPECT_TRUE(std::isnan(got)) << "cell " << cell;
              continue;
            }
            const double want = numpy_linear_quantile(feasible, levels[c]);
            worst = std::max(worst, relative_error(got, want));
            ASSERT_LE(relative_error(got, want), 1e-13) << "cell " << cell << " level " << c;
          }
          ++cell;
        }
      }
    }
  }
  EXPECT_EQ(partly_feasible > 0, target_values == some_infeasible);
  EXPECT_GT(positive, 1000); // the comparison is not all zeros (the diagonal's)
  std::printf("regret under %zu samples (tiles of %lld cells%s): worst relative quantile error "
              "%.2e\n",
              laws.size(), static_cast<long long>(tile_cells),
              constraints ? ", serving constraints" : "", worst);
}

TEST(RobustSamples, KeptAndQuantilesEqualTheScalarCellsOfEachLaw) {
  expect_robust_samples_match_scalar_cells(4096, false);
}

// 29-cell tiles split the rows of (spread, T) and the loss targets between tiles.
TEST(RobustSamples, TilesThatCutTheRowsGiveTheSameCells) {
  expect_robust_samples_match_scalar_cells(29, false);
}

TEST(RobustSamples, UnderServingConstraints) {
  expect_robust_samples_match_scalar_cells(97, true);
}

// Under 4,100 samples a CPU piece is 8 cells (cells_per_piece: the solved piece stays in the
// caches), so the twelve-target rows are cut into pieces of 8 and 4 within every tile.
TEST(RobustSamples, PiecesShorterThanARowUnderManySamples) {
  ASSERT_EQ(cells_per_piece(4100, 12), 8);
  expect_robust_samples_match_scalar_cells(4096, false, long_rows, 4100);
}

// Every sample of every cell with an optimum: the CPU reduction's transposing gather.
TEST(RobustSamples, EverySampleFeasible) {
  expect_robust_samples_match_scalar_cells(4096, false, every_feasible);
}

TEST(RegretSamples, EverySampleFeasible) {
  expect_regret_samples_match_scalar_cells(4096, false, every_feasible);
}

TEST(RegretSamples, KeptAndQuantilesEqualTheScalarCellsOfEachLaw) {
  expect_regret_samples_match_scalar_cells(4096, false);
}

TEST(RegretSamples, TilesThatCutTheRowsGiveTheSameCells) {
  expect_regret_samples_match_scalar_cells(29, false);
}

TEST(RegretSamples, UnderServingConstraints) {
  expect_regret_samples_match_scalar_cells(97, true);
}

} // namespace
} // namespace scalesweep
