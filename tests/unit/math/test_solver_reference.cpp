// The solvers against an independent method on 10,000+ random cells per problem: long double
// bisection in the original variables (reference_solvers.hpp). SPEC §1.4 asks for 1e-10.
#include "scalesweep/math/budget_optimum.hpp"
#include "scalesweep/math/loss_target_optimum.hpp"

#include "plan/presets.hpp"
#include "reference_solvers.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace {

using namespace scalesweep;
using reference::reference_point;

constexpr double required_accuracy = 1e-10; // SPEC §1.4
constexpr int cells_per_problem = 12'000;

double rel(double x, long double ref) {
  return static_cast<double>(std::fabs((static_cast<long double>(x) - ref) / ref));
}

// Presets plus the objective's scaling: k_inference/k_train from 1e-3 to 1e3 covers usd scenarios
// (the reference sees the same T_eff identity only through the cost it is charged).
struct random_cell {
  scaling_law law;
  cost_coefficients k;
  double T;
};

random_cell draw(std::mt19937_64& rng) {
  const std::vector<law_preset>& presets = law_presets();
  std::uniform_int_distribution<std::size_t> pick(0, presets.size() - 1);
  std::uniform_real_distribution<double> unit(0, 1);
  random_cell c;
  c.law = presets[pick(rng)].law;
  const double ratio = std::pow(10.0, -3 + 6 * unit(rng));
  c.k = unit(rng) < 0.5 ? cost_coefficients{1, 1} : cost_coefficients{1e-18, 1e-18 * ratio};
  // T = 0 in 5 % of cells; otherwise log-uniform over [1, 1e16] tokens.
  c.T = unit(rng) < 0.05 ? 0.0 : std::pow(10.0, 16 * unit(rng));
  return c;
}

TEST(SolverReference, LossTargetOptimumMatchesLongDoubleBisection) {
  std::mt19937_64 rng(20240101);
  std::uniform_real_distribution<double> unit(0, 1);
  double worst_N = 0, worst_D = 0, worst_cost = 0;
  int max_iterations = 0;
  for (int i = 0; i < cells_per_problem; ++i) {
    const random_cell c = draw(rng);
    const double target = c.law.E + 0.02 + 1.5 * unit(rng); // 0.02..1.52 nats above E
    const loss_target_result r = loss_target_optimum(c.law, c.k, target, c.T);
    ASSERT_EQ(r.status, cell_status::ok) << "target " << target << " T " << c.T;
    const reference_point ref =
        reference::reference_loss_target(c.law, target, effective_inference_tokens(c.k, c.T));
    const long double ref_cost = static_cast<long double>(c.k.train) * 6 * ref.N * ref.D +
                                 static_cast<long double>(c.k.inference) * 2 * ref.N * c.T;
    worst_N = std::max(worst_N, rel(r.N, ref.N));
    worst_D = std::max(worst_D, rel(r.D, ref.D));
    worst_cost = std::max(worst_cost, rel(r.cost, ref_cost));
    max_iterations = std::max(max_iterations, r.iterations);
  }
  RecordProperty("worst_relative_error_N", std::to_string(worst_N));
  RecordProperty("max_root_iterations", max_iterations);
  std::printf("loss target: worst rel. error N %.2e D %.2e cost %.2e, max %d root-finder steps\n",
              worst_N, worst_D, worst_cost, max_iterations);
  EXPECT_LE(worst_N, required_accuracy);
  EXPECT_LE(worst_D, required_accuracy);
  EXPECT_LE(worst_cost, required_accuracy);
  // A bracket of width <= ln 2 and Halley steps: measured 3 at most over every preset and T up
  // to 1e16 (plain Newton needs 4-5). The bound is the CPU lanes' fixed step count
  // (simd::lane_steps = 4): a cell needing more would fall back to the scalar path.
  EXPECT_LE(max_iterations, 4);
}

TEST(SolverReference, BudgetOptimumMatchesLongDoubleBisection) {
  std::mt19937_64 rng(20240102);
  std::uniform_real_distribution<double> unit(0, 1);
  double worst_N = 0, worst_D = 0, worst_loss = 0;
  int max_iterations = 0;
  for (int i = 0; i < cells_per_problem; ++i) {
    const random_cell c = draw(rng);
    // Budgets from 1e18 to 1e27 training-FLOP equivalents, in the objective's unit.
    const double C_flops = std::pow(10.0, 18 + 9 * unit(rng));
    const double budget = C_flops * c.k.train;
    const double t_eff = effective_inference_tokens(c.k, c.T);
    if (C_flops < minimum_budget_in_training_flops(t_eff) * 10) {
      continue; // below 10 one-parameter models: N* < 10, outside any meaningful sweep
    }
    const budget_result r = budget_optimum(c.law, c.k, budget, c.T);
    ASSERT_EQ(r.status, cell_status::ok) << "budget " << budget << " T " << c.T;
    const reference_point ref =
        reference::reference_budget(c.law, budget_in_training_flops(c.k, budget), t_eff);
    const long double ref_loss = c.law.E +
                                 c.law.A * std::pow(ref.N, -static_cast<long double>(c.law.alpha)) +
                                 c.law.B * std::pow(ref.D, -static_cast<long double>(c.law.beta));
    worst_N = std::max(worst_N, rel(r.N, ref.N));
    worst_D = std::max(worst_D, rel(r.D, ref.D));
    worst_loss = std::max(worst_loss, rel(r.loss, ref_loss));
    max_iterations = std::max(max_iterations, r.iterations);
  }
  std::printf("budget: worst rel. error N %.2e D %.2e loss %.2e, max %d root-finder steps\n",
              worst_N, worst_D, worst_loss, max_iterations);
  EXPECT_LE(worst_N, required_accuracy);
  EXPECT_LE(worst_D, required_accuracy);
  EXPECT_LE(worst_loss, required_accuracy);
  EXPECT_LE(max_iterations, 4); // as for the loss target
}

// A law with exponents outside the published range (alpha > 1 makes the budget condition convex
// instead of concave) still converges: the safeguard, not luck, carries it.
TEST(SolverReference, UnusualExponentsStillConverge) {
  for (const scaling_law law :
       {scaling_law{1.0, 100.0, 100.0, 1.3, 0.2}, scaling_law{0.5, 10.0, 5000.0, 0.1, 0.9},
        scaling_law{2.0, 406.4, 410.7, 1.0, 1.0}}) {
    for (double T : {0.0, 1e6, 1e12, 1e16}) {
      const double target = law.E + 0.3;
      const loss_target_result l = loss_target_optimum(law, {1, 1}, target, T);
      ASSERT_EQ(l.status, cell_status::ok);
      const reference_point lr = reference::reference_loss_target(law, target, T);
      EXPECT_LE(rel(l.N, lr.N), required_accuracy);
      EXPECT_LE(rel(l.D, lr.D), required_accuracy);
      const budget_result b = budget_optimum(law, {1, 1}, 1e24, T);
      ASSERT_EQ(b.status, cell_status::ok);
      const reference_point br = reference::reference_budget(law, 1e24, T);
      EXPECT_LE(rel(b.N, br.N), required_accuracy) << "alpha " << law.alpha << " T " << T;
      EXPECT_LE(rel(b.D, br.D), required_accuracy);
    }
  }
}

} // namespace
