// The fit's math headers: the Huber objective's form and analytic gradient, L-BFGS and
// Nelder-Mead on functions with known minima, the grid of starts, and recovery of known
// constants from synthetic data.
#include "scalesweep/math/fit_task.hpp"

#include "app/fit/fit_session.hpp"
#include "backends/fit/fit_runner.hpp"
#include "fit_test_data.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <tuple>

namespace {

using namespace scalesweep;
using namespace scalesweep::app;

// Steps per parameter scaled by how fast the residuals move with it: 1 for a, b, e, the largest
// |log N| (|log D|) for alpha (beta), so that every step moves the residuals by about h0.
void parameter_scales(const fit_points_view& points, double* scale) {
  for (int p = 0; p < law_parameters; ++p) {
    scale[p] = 1;
  }
  for (std::uint32_t i = 0; i < points.n; ++i) {
    scale[param_alpha] = std::fmax(scale[param_alpha], std::fabs(points.log_N[i]));
    scale[param_beta] = std::fmax(scale[param_beta], std::fabs(points.log_D[i]));
  }
}

// Analytic gradient against central differences. `smooth`: the objective is C-infinity, so the
// differences are Richardson-extrapolated (error O(h0^4) = 1e-16 relative for h0 = 1e-4) and must
// agree to 1e-8 of the gradient's largest component. Otherwise (Huber, whose second derivative
// jumps at |r| = delta) a plain central difference with h0 = 1e-7: a point whose residual crosses
// delta inside the stencil adds at most ~h0 * scale^2 ~ 1e-4 absolute, rounding adds
// eps |f| / h ~ 1e-8; tolerance 1e-5 relative + 1e-9. A wrong term (sign, missing log N, a
// point's weight) is off by far more: one point of 240 is 4e-3 of the sum.
template <class Objective>
void expect_gradient_matches_differences(const Objective& objective, const double* x0,
                                         bool smooth) {
  double x[law_parameters], g[law_parameters], g_unused[law_parameters], scale[law_parameters];
  parameter_scales(objective.points, scale);
  for (int p = 0; p < law_parameters; ++p) {
    x[p] = x0[p];
  }
  objective(x, g);
  double largest = 0;
  for (double v : g) {
    largest = std::fmax(largest, std::fabs(v));
  }
  const auto central = [&](int p, double h) {
    x[p] = x0[p] + h;
    const double up = objective(x, g_unused);
    x[p] = x0[p] - h;
    const double down = objective(x, g_unused);
    x[p] = x0[p];
    return (up - down) / (2 * h);
  };
  for (int p = 0; p < law_parameters; ++p) {
    if (smooth) {
      const double h = 1e-4 / scale[p];
      const double fd = (4 * central(p, h / 2) - central(p, h)) / 3;
      EXPECT_NEAR(g[p], fd, 1e-8 * largest) << "parameter " << p;
    } else {
      const double fd = central(p, 1e-7 / scale[p]);
      EXPECT_NEAR(g[p], fd, 1e-5 * largest + 1e-9) << "parameter " << p;
    }
  }
}

TEST(FitMath, HuberGradientMatchesFiniteDifferences) {
  const fit_data data = fit_testing::shipped_data();
  // Near the optimum (residuals on both sides of delta), at grid starts, and far from the data.
  const double points[][law_parameters] = {{6.169, 7.670, 0.5973, 0.3473, 0.3672},
                                           {5, 10, 0.5, 0.5, 0.5},
                                           {0, 25, -1, 2, 0},
                                           {7.3, 4.1, 0.2, 0.61, 0.12}};
  for (const auto& x : points) {
    expect_gradient_matches_differences(huber_objective{data.view(), 1e-3}, x, false);
    expect_gradient_matches_differences(huber_objective{data.view(), 1e3}, x, true); // quadratic
    expect_gradient_matches_differences(smoothed_abs_objective{data.view(), 1e-2}, x, true);
  }
}

TEST(FitMath, WeightedGradientMatchesFiniteDifferences) {
  const fit_data data = fit_testing::shipped_data();
  std::vector<std::uint32_t> counts(data.size());
  for (std::uint32_t i = 0; i < data.size(); ++i) {
    counts[i] = (i * 7) % 4; // 0 to 3 copies of each point, as a bootstrap resample has
  }
  fit_points_view view = data.view();
  view.counts = counts.data();
  const double x[law_parameters] = {6.0, 7.5, 0.6, 0.34, 0.36};
  expect_gradient_matches_differences(huber_objective{view, 1e-3}, x, false);
  expect_gradient_matches_differences(smoothed_abs_objective{view, 1e-2}, x, true);
  // The weights multiply the terms: counts of 2 everywhere give twice the objective.
  std::vector<std::uint32_t> twos(data.size(), 2);
  fit_points_view doubled = data.view();
  doubled.counts = twos.data();
  double g[law_parameters];
  const double twice = huber_objective{doubled, 1e-3}(x, g);
  const double once = huber_objective{data.view(), 1e-3}(x, g);
  EXPECT_DOUBLE_EQ(twice, 2 * once);
}

// Besiroglu et al.'s notebook reports 0.0010182740346 at A = 477.84171, B = 2143.8638,
// E = 1.8172355, alpha = 0.34731266, beta = 0.36718262 (data/README.md): our objective there
// must be their number, so the sum over points (the mean would be 240 times smaller). The
// printed parameters are rounded to 8 digits, which moves the objective by ~5e-13.
TEST(FitMath, ObjectiveIsBesirogluSum) {
  const fit_data data = fit_testing::shipped_data();
  ASSERT_EQ(data.size(), 240u);
  const double x[law_parameters] = {std::log(477.84171), std::log(2143.8638), std::log(1.8172355),
                                    0.34731266, 0.36718262};
  double g[law_parameters];
  const double f = huber_objective{data.view(), 1e-3}(x, g);
  EXPECT_NEAR(f, 0.0010182740346, 1e-12);
}

// The normaliser of exp(-rho_delta): sqrt(2 pi) at delta -> infinity; and the closed form against
// a midpoint-rule integral for delta = 1 (error ~1e-10 with 2e6 steps over [-40, 40]).
TEST(FitMath, HuberDensityNormalizer) {
  EXPECT_NEAR(huber_density_normalizer(40.0), std::sqrt(2 * M_PI), 1e-12);
  double integral = 0;
  const int steps = 2000000;
  const double h = 80.0 / steps;
  for (int i = 0; i < steps; ++i) {
    integral += std::exp(-huber_rho(-40 + (i + 0.5) * h, 1.0).value) * h;
  }
  EXPECT_NEAR(huber_density_normalizer(1.0), integral, 1e-8);
}

// Rosenbrock in 5-D (minimum 0 at (1, ..., 1)): curved valley, the classic L-BFGS test.
struct rosenbrock {
  double operator()(const double* x, double* g) const {
    double f = 0;
    for (int i = 0; i < 5; ++i) {
      g[i] = 0;
    }
    for (int i = 0; i < 4; ++i) {
      const double a = x[i + 1] - x[i] * x[i], b = 1 - x[i];
      f += 100 * a * a + b * b;
      g[i] += -400 * a * x[i] - 2 * b;
      g[i + 1] += 200 * a;
    }
    return f;
  }
};

TEST(FitMath, LbfgsMinimisesRosenbrock) {
  double x[5] = {-1.2, 1, -1.2, 1, -1.2};
  const minimize_outcome o = lbfgs_minimize<5, 10>(rosenbrock{}, x, lbfgs_settings{});
  EXPECT_TRUE(converged(o.status)) << static_cast<int>(o.status);
  EXPECT_LT(o.f, 1e-20);
  for (double v : x) {
    EXPECT_NEAR(v, 1.0, 1e-9);
  }
  EXPECT_LT(o.iterations, 200);
}

TEST(FitMath, LbfgsStopsAtIterationLimit) {
  double x[5] = {-1.2, 1, -1.2, 1, -1.2};
  lbfgs_settings s;
  s.max_iterations = 3;
  const minimize_outcome o = lbfgs_minimize<5, 10>(rosenbrock{}, x, s);
  EXPECT_EQ(o.status, minimize_status::max_iterations);
  EXPECT_EQ(o.iterations, 3);
}

TEST(FitMath, LbfgsReportsNonFiniteStart) {
  double x[5] = {NAN, 1, 1, 1, 1};
  const minimize_outcome o = lbfgs_minimize<5, 10>(rosenbrock{}, x, lbfgs_settings{});
  EXPECT_EQ(o.status, minimize_status::not_finite);
}

// A kinked function (minimum 0 at (1, -2, 3)) that gradient methods handle badly.
struct kinked {
  double operator()(const double* x) const {
    return std::fabs(x[0] - 1) + 2 * std::fabs(x[1] + 2) + (x[2] - 3) * (x[2] - 3);
  }
};

TEST(FitMath, NelderMeadFindsKinkedMinimum) {
  double x[3] = {0, 0, 0};
  const double step[3] = {0.5, 0.5, 0.5};
  const minimize_outcome o = nelder_mead_minimize<3>(kinked{}, x, step, nelder_mead_settings{});
  EXPECT_TRUE(converged(o.status));
  EXPECT_NEAR(x[0], 1, 1e-9);
  EXPECT_NEAR(x[1], -2, 1e-9);
  EXPECT_NEAR(x[2], 3, 1e-5); // quadratic: f changes by dx^2, so x is known to sqrt(f tolerance)
}

// Besiroglu et al.'s grid: itertools.product(alpha, beta, e, a, b) over alpha, beta in
// {0, ..., 2} step 0.5, e in {-1, ..., 1} step 0.5, a, b in {0, ..., 25} step 5.
TEST(FitMath, StartGridIsBesirogluGrid) {
  const start_grid grid;
  ASSERT_EQ(grid.size(), 4500u);
  std::set<std::tuple<double, double, double, double, double>> seen;
  for (std::uint32_t k = 0; k < grid.size(); ++k) {
    double x[law_parameters];
    grid.start(k, x);
    seen.insert({x[0], x[1], x[2], x[3], x[4]});
  }
  std::set<std::tuple<double, double, double, double, double>> expected;
  for (double alpha : {0.0, 0.5, 1.0, 1.5, 2.0}) {
    for (double beta : {0.0, 0.5, 1.0, 1.5, 2.0}) {
      for (double e : {-1.0, -0.5, 0.0, 0.5, 1.0}) {
        for (double a : {0.0, 5.0, 10.0, 15.0, 20.0, 25.0}) {
          for (double b : {0.0, 5.0, 10.0, 15.0, 20.0, 25.0}) {
            expected.insert({a, b, e, alpha, beta});
          }
        }
      }
    }
  }
  EXPECT_EQ(seen, expected);
  double x[law_parameters];
  grid.start(1, x); // the product's second element: b moves first
  EXPECT_EQ(std::make_tuple(x[0], x[1], x[2], x[3], x[4]),
            std::make_tuple(0.0, 5.0, -1.0, 0.0, 0.0));
}

// Noise-free data from Hoffmann's unrounded constants (Besiroglu et al.'s quote): the grid's best
// fit has zero residuals, so it must return the constants (to the optimiser's tolerance).
TEST(FitMath, RecoversConstantsFromExactSyntheticData) {
  const double law[5] = {1.693374, 406.401, 410.723, 0.33917084, 0.2849083}; // E A B alpha beta
  const fit_data data = fit_testing::synthetic_data(law, 0.0, 0);
  const fit_runner cpu(backend_choice::cpu, 0, 0);
  const point_estimate e = fit_point_estimate(data, grid_starts(start_grid{}), fit_settings{}, cpu);
  EXPECT_LT(e.best.objective, 1e-20);
  EXPECT_NEAR(std::exp(e.best.x[param_e]), law[0], 1e-7 * law[0]);
  EXPECT_NEAR(std::exp(e.best.x[param_a]), law[1], 1e-6 * law[1]);
  EXPECT_NEAR(std::exp(e.best.x[param_b]), law[2], 1e-6 * law[2]);
  EXPECT_NEAR(e.best.x[param_alpha], law[3], 1e-7);
  EXPECT_NEAR(e.best.x[param_beta], law[4], 1e-7);
}

// With 1 % multiplicative noise and every 9th run 20 % too high, the Huber fit still lands close
// to the constants: the outliers weigh like |r| only. (Least squares moves E by several %.)
TEST(FitMath, RecoversConstantsDespiteNoiseAndOutliers) {
  const double law[5] = {1.693374, 406.401, 410.723, 0.33917084, 0.2849083};
  const fit_data data = fit_testing::synthetic_data(law, 0.01, 9);
  const fit_runner cpu(backend_choice::cpu, 0, 0);
  const point_estimate e = fit_point_estimate(data, grid_starts(start_grid{}), fit_settings{}, cpu);
  EXPECT_NEAR(std::exp(e.best.x[param_e]), law[0], 0.02 * law[0]);
  EXPECT_NEAR(e.best.x[param_alpha], law[3], 0.03);
  EXPECT_NEAR(e.best.x[param_beta], law[4], 0.03);
  EXPECT_GT(e.reached, 1u);
}

} // namespace
