// At T = 0 both problems have closed forms (SPEC §1.4); the solvers must equal them to 1e-13.
#include "scalesweep/math/budget_optimum.hpp"
#include "scalesweep/math/loss_target_optimum.hpp"

#include "plan/presets.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace {

using namespace scalesweep;

// The closed forms exactly as SPEC §1.4 prints them, evaluated with pow: an independent
// transcription, not the solvers' log-space code. Both sides are a handful of correctly rounded
// operations on values near 1e9..1e13, so they agree to ~1e-15; 1e-13 is SPEC's bound.
constexpr double closed_form_tolerance = 1e-13;

double rel(double a, double b) {
  return std::fabs(a - b) / std::fabs(b);
}

TEST(ClosedForms, LossTargetAtZeroDemandEqualsChinchillaForEveryPreset) {
  for (const law_preset& p : law_presets()) {
    const scaling_law& L = p.law;
    for (double reducible : {0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.0, 1.5, 2.0}) {
      const double target = L.E + reducible;
      const double Nc = std::pow(L.A * (1 + L.alpha / L.beta) / reducible, 1 / L.alpha);
      const double Dc = std::pow(L.B * (1 + L.beta / L.alpha) / reducible, 1 / L.beta);
      const loss_target_result r = loss_target_optimum(L, {1, 1}, target, 0.0);
      SCOPED_TRACE(std::string(p.name) + " loss " + std::to_string(target));
      ASSERT_EQ(r.status, cell_status::ok);
      EXPECT_LE(rel(r.N, Nc), closed_form_tolerance);
      EXPECT_LE(rel(r.D, Dc), closed_form_tolerance);
      EXPECT_LE(rel(r.cost, 6 * Nc * Dc), closed_form_tolerance);
      EXPECT_LE(rel(r.chinchilla_N, Nc), closed_form_tolerance);
      EXPECT_LE(rel(r.chinchilla_D, Dc), closed_form_tolerance);
      // The closed form lies on the iso-loss curve.
      EXPECT_NEAR(loss(L, r.N, r.D), target, 4e-15 * target);
    }
  }
}

TEST(ClosedForms, BudgetAtZeroDemandEqualsChinchillaForEveryPreset) {
  for (const law_preset& p : law_presets()) {
    const scaling_law& L = p.law;
    const double G = std::pow(L.alpha * L.A / (L.beta * L.B), 1 / (L.alpha + L.beta));
    const double a = L.beta / (L.alpha + L.beta), b = L.alpha / (L.alpha + L.beta);
    for (double C : {1e18, 1e20, 5.76e23, 1e24, 3e25, 1e27}) {
      const double N = G * std::pow(C / 6, a);
      const double D = std::pow(C / 6, b) / G;
      const budget_result r = budget_optimum(L, {1, 1}, C, 0.0);
      SCOPED_TRACE(std::string(p.name) + " budget " + std::to_string(C));
      ASSERT_EQ(r.status, cell_status::ok);
      EXPECT_LE(rel(r.N, N), closed_form_tolerance);
      EXPECT_LE(rel(r.D, D), closed_form_tolerance);
      EXPECT_LE(rel(6 * r.N * r.D, C), closed_form_tolerance);
      EXPECT_LE(rel(r.loss, loss(L, N, D)), closed_form_tolerance);
      // The Chinchilla model reported beside it is the same closed form (computed per sweep
      // axis, not per cell).
      EXPECT_LE(rel(r.chinchilla_N, N), closed_form_tolerance);
      EXPECT_LE(rel(r.chinchilla_D, D), closed_form_tolerance);
    }
  }
}

// The two closed forms are two views of one curve of optima: the budget optimum's loss, used as a
// loss target, must give back the same (N, D).
TEST(ClosedForms, LossTargetAndBudgetClosedFormsDescribeTheSamePoint) {
  for (const law_preset& p : law_presets()) {
    const budget_result b = budget_optimum(p.law, {1, 1}, 5.76e23, 0.0);
    ASSERT_EQ(b.status, cell_status::ok);
    const loss_target_result l = loss_target_optimum(p.law, {1, 1}, b.loss, 0.0);
    ASSERT_EQ(l.status, cell_status::ok);
    // b.loss is rounded once (~1e-16 relative of ~2 nats, i.e. ~1e-15 of the reducible part),
    // and N depends on the reducible loss to the power -1/alpha ~ -3: a few 1e-15.
    EXPECT_LE(rel(l.N, b.N), 1e-13) << p.name;
    EXPECT_LE(rel(l.D, b.D), 1e-13) << p.name;
  }
}

TEST(ClosedForms, StatusesForInadmissibleCells) {
  const scaling_law L = law_presets().front().law;
  EXPECT_EQ(loss_target_optimum(L, {1, 1}, L.E, 1e12).status, cell_status::infeasible);
  EXPECT_EQ(loss_target_optimum(L, {1, 1}, L.E - 0.1, 0).status, cell_status::infeasible);
  EXPECT_EQ(loss_target_optimum(L, {1, 1}, NAN, 0).status, cell_status::invalid_input);
  EXPECT_EQ(loss_target_optimum(L, {1, 1}, 2.0, -1).status, cell_status::invalid_input);
  EXPECT_EQ(loss_target_optimum(L, {1, 1}, 2.0, INFINITY).status, cell_status::invalid_input);
  // N ~ (A/R)^(1/alpha) = 1e750 for R = 1e-250: beyond double.
  const scaling_law no_floor{0.0, 406.4, 410.7, 0.34, 0.28};
  EXPECT_EQ(loss_target_optimum(no_floor, {1, 1}, 1e-250, 0).status, cell_status::out_of_range);
  // Budget optima beyond double. For E=1, A=1e60, B=1e-10, alpha=0.05, beta=2 and C = 1e300 the
  // T = 0 closed form gives G = (alpha A/(beta B))^(1/(alpha+beta)) = 10^33.36 and
  // N = G (C/6)^(beta/(alpha+beta)) = 10^325.3: beyond double. At T = 1 the optimum itself fits
  // (N < C/(2T)), but the Chinchilla model it is compared with is that same 10^325 model.
  const scaling_law steep{1.0, 1e60, 1e-10, 0.05, 2.0};
  for (double T : {0.0, 1.0}) {
    const budget_result r = budget_optimum(steep, {1, 1}, 1e300, T);
    EXPECT_EQ(r.status, cell_status::out_of_range) << "T = " << T;
    EXPECT_TRUE(std::isnan(r.N) && std::isnan(r.chinchilla_N)) << "T = " << T;
  }
  EXPECT_EQ(budget_optimum(L, {1, 1}, 0.0, 0).status, cell_status::invalid_input);
  EXPECT_EQ(budget_optimum(L, {1, 1}, -5.0, 0).status, cell_status::invalid_input);
  EXPECT_EQ(budget_optimum(L, {1, 1}, 1e12, 1e12).status, cell_status::infeasible);
  EXPECT_EQ(budget_optimum(L, {1, 1}, 6.0 + 2e12 * (1 - 1e-12), 1e12).status,
            cell_status::infeasible);
  scaling_law bad = L;
  bad.alpha = -0.3;
  EXPECT_EQ(loss_target_optimum(bad, {1, 1}, 2.0, 0).status, cell_status::invalid_input);
  // Non-ok cells carry NaN values, never numbers that look valid.
  EXPECT_TRUE(std::isnan(loss_target_optimum(L, {1, 1}, 1.0, 0).N));
  EXPECT_TRUE(std::isnan(budget_optimum(L, {1, 1}, 1.0, 1e12).loss));
}

} // namespace
