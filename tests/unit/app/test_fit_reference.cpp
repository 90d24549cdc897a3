// `fit` against Besiroglu et al. (2024): the Huber fit from their 4,500-point grid and the
// maximum-likelihood estimate, on the shipped data (reference figures: data/README.md).
#include "app/fit/fit_session.hpp"
#include "backends/fit/fit_runner.hpp"
#include "fit_test_data.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace {

using namespace scalesweep;
using namespace scalesweep::app;

void expect_within(double value, double reference, double relative, const char* name) {
  EXPECT_NEAR(value, reference, relative * std::fabs(reference)) << name;
}

// Notebook: objective 0.0010182740346 at A = 477.84171, B = 2143.8638, E = 1.8172355,
// alpha = 0.34731266, beta = 0.36718262 (their L-BFGS-B stops early; acceptance: objective at most
// theirs + 1e-12, parameters within 0.1 %). An independent scipy check (L-BFGS-B then BFGS at tight
// tolerances, data/README.md) found the minimum 0.0010182740178 at A 477.8259, B 2143.417,
// E 1.8172181, alpha 0.3473105, beta 0.3671724: ours must be that minimum (1e-6: its digits).
TEST(FitReference, HuberGridReachesBesirogluObjective) {
  const fit_data data = fit_testing::shipped_data();
  const fit_runner cpu(backend_choice::cpu, 0, 0);
  const point_estimate e = fit_point_estimate(data, grid_starts(start_grid{}), fit_settings{}, cpu);
  EXPECT_EQ(e.starts, 4500u);
  EXPECT_LE(e.best.objective, 0.0010182740346 + 1e-12);
  EXPECT_NEAR(e.best.objective, 0.0010182740178, 1e-13);
  const double A = std::exp(e.best.x[param_a]), B = std::exp(e.best.x[param_b]),
               E = std::exp(e.best.x[param_e]);
  expect_within(A, 477.84171, 1e-3, "A");
  expect_within(B, 2143.8638, 1e-3, "B");
  expect_within(E, 1.8172355, 1e-3, "E");
  expect_within(e.best.x[param_alpha], 0.34731266, 1e-3, "alpha");
  expect_within(e.best.x[param_beta], 0.36718262, 1e-3, "beta");
  expect_within(A, 477.8259, 1e-6, "A (scipy)");
  expect_within(B, 2143.417, 1e-6, "B (scipy)");
  expect_within(E, 1.8172181, 1e-7, "E (scipy)");
  expect_within(e.best.x[param_alpha], 0.3473105, 1e-6, "alpha (scipy)");
  expect_within(e.best.x[param_beta], 0.3671724, 1e-6, "beta (scipy)");
  // Many starts end there; the rest in local minima with objectives 10x higher or more (a
  // degenerate law, one term constant). 1,720 (scalar) to 1,722 (AVX-512 lanes) reach it here;
  // starts near a basin's edge move with rounding (another libm, FMA), tens of them, not hundreds.
  EXPECT_GT(e.reached, 1500u);
  EXPECT_LT(e.reached, 2000u);
  EXPECT_EQ(e.converged, 4500u);
}

// Their reported estimate, log-space [a, b, e, alpha, beta, log sigma] = [6.177955975826981,
// 7.6427323622433505, 0.5971119597824348, 0.34781302903942635, 0.3658541172951044,
// -12.266622737728452]: A 482.00572, B 2085.43420, E 1.81686, alpha 0.34781, beta 0.36585, and
// its negative log-likelihood -879.77314 (data/README.md: the paper's log-likelihood 879.77).
TEST(FitReference, HuberMleReproducesReportedEstimate) {
  const fit_data data = fit_testing::shipped_data(mle_parameters);
  const fit_runner cpu(backend_choice::cpu, 0, 0);
  fit_settings s;
  s.method = fit_method::huber_mle;
  // From the Huber optimum (the grid's best, found above) rather than the whole grid: the same
  // start fit_point_estimate hands the likelihood stage.
  const std::vector<double> start = {std::log(477.8259), std::log(2143.417), std::log(1.8172181),
                                     0.3473105, 0.3671724};
  const point_estimate e = fit_point_estimate(data, start, s, cpu);
  expect_within(std::exp(e.best.x[param_a]), 482.00572, 1e-3, "A");
  expect_within(std::exp(e.best.x[param_b]), 2085.43420, 1e-3, "B");
  expect_within(std::exp(e.best.x[param_e]), 1.81686, 1e-3, "E");
  expect_within(e.best.x[param_alpha], 0.34781, 1e-3, "alpha");
  expect_within(e.best.x[param_beta], 0.36585, 1e-3, "beta");
  // Closer than the acceptance asks: the same vertex of the L1 fit as the notebook.
  expect_within(e.best.x[param_a], 6.177955975826981, 1e-6, "a");
  expect_within(e.best.x[param_s], -12.266622737728452, 1e-5, "s");
  EXPECT_NEAR(e.best.objective, -879.77314, 1e-4);
  EXPECT_TRUE(converged(e.best.status))
      << static_cast<int>(e.best.status) << " after " << e.best.iterations << " iterations";
}

} // namespace
