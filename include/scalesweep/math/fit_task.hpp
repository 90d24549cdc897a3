// One fit from one start, the unit of work that a CUDA thread or an OpenMP iteration runs: the
// grid of starts, the Huber L-BFGS fit, and the huber-mle continuation and polish.
#pragma once

#include "scalesweep/math/host_device.hpp"
#include "scalesweep/math/huber_fit.hpp"
#include "scalesweep/math/law.hpp"
#include "scalesweep/math/lbfgs.hpp"
#include "scalesweep/math/nelder_mead.hpp"

#include <cmath>
#include <cstdint>

namespace scalesweep {

// A Cartesian grid of starts over (a, b, e, alpha, beta), start k counted with the last
// parameter fastest (itertools.product(alpha, beta, e, a, b) in Besiroglu et al.'s notebook is
// the same set in another order). Default: their 4,500 points, alpha, beta in {0, 0.5, ..., 2},
// e in {-1, -0.5, ..., 1}, a, b in {0, 5, ..., 25}.
struct start_grid {
  double first[law_parameters] = {0, 0, -1, 0, 0};
  double step[law_parameters] = {5, 5, 0.5, 0.5, 0.5};
  std::uint32_t count[law_parameters] = {6, 6, 5, 5, 5};

  SCALESWEEP_HD std::uint32_t size() const {
    std::uint32_t n = 1;
    for (int p = 0; p < law_parameters; ++p) {
      n *= count[p];
    }
    return n;
  }
  SCALESWEEP_HD void start(std::uint32_t k, double* x) const {
    // Order (alpha, beta, e, a, b), b fastest, as the notebook's product.
    const int order[law_parameters] = {param_b, param_a, param_e, param_beta, param_alpha};
    for (int q = 0; q < law_parameters; ++q) {
      const int p = order[q];
      x[p] = first[p] + step[p] * static_cast<double>(k % count[p]);
      k /= count[p];
    }
  }
};

enum class fit_method : std::uint8_t { huber = 0, huber_mle = 1 };

struct fit_settings {
  fit_method method = fit_method::huber;
  double delta = 1e-3;
  lbfgs_settings lbfgs{};
  // huber-mle: the smoothed |r| homotopy runs mu = mu_first, mu_first/10, ... down to mu_last.
  double mu_first = 1e-3;
  double mu_last = 1e-10;
  nelder_mead_settings polish{};
};

// x holds (a, b, e, alpha, beta) and, for huber-mle, s = log sigma. `objective` is the Huber
// objective, or for huber-mle the negative log-likelihood. iterations and evaluations add up
// every stage.
struct fit_result {
  double x[mle_parameters];
  double objective;
  std::int32_t iterations;
  std::int32_t evaluations;
  minimize_status status;
};

// The law a fit found: its log-space parameters (a, b, e, alpha, beta) as E, A, B, alpha, beta.
SCALESWEEP_HD scaling_law law_of_fit(const double* x) {
  return {std::exp(x[param_e]), std::exp(x[param_a]), std::exp(x[param_b]), x[param_alpha],
          x[param_beta]};
}

// The Huber fit from `start` (5 values), by L-BFGS on `objective` (huber_objective, or the same
// sum on the CPU's vector lanes).
template <class Objective>
SCALESWEEP_HD fit_result fit_huber_with(const Objective& objective, const double* start,
                                        const fit_settings& settings) {
  fit_result r{};
  for (int p = 0; p < law_parameters; ++p) {
    r.x[p] = start[p];
  }
  r.x[param_s] = NAN;
  const minimize_outcome o = lbfgs_minimize<law_parameters, 10>(objective, r.x, settings.lbfgs);
  r.objective = o.f;
  r.iterations = o.iterations;
  r.evaluations = o.evaluations;
  r.status = o.status;
  return r;
}

SCALESWEEP_HD fit_result fit_huber(const fit_points_view& points, const double* start,
                                   const fit_settings& settings) {
  return fit_huber_with(huber_objective{points, settings.delta}, start, settings);
}

// The maximum-likelihood fit under the Huber-shaped density with a free scale, from a Huber
// fit's parameters `start`. Its optimum has sigma ~ 5e-6, so |r| / sigma >> delta for all but a
// handful of points: the likelihood is an L1 (least-absolute-deviations) fit whose minimum sits on
// a kink. Gradient methods stall there, so: (1) L-BFGS on sum sqrt(r^2 + mu^2) for mu shrinking
// by 10 from mu_first to mu_last, each from the last (a homotopy to the L1 fit); (2) sigma from the
// closed-form profile; (3) Nelder-Mead on the exact 6-parameter likelihood.
SCALESWEEP_HD fit_result fit_huber_mle(const fit_points_view& points, const double* start,
                                       const fit_settings& settings) {
  fit_result r{};
  for (int p = 0; p < law_parameters; ++p) {
    r.x[p] = start[p];
  }
  minimize_status status = minimize_status::gradient;
  for (double mu = settings.mu_first; mu >= settings.mu_last * 0.5; mu *= 0.1) {
    const minimize_outcome o =
        lbfgs_minimize<law_parameters, 10>(smoothed_abs_objective{points, mu}, r.x, settings.lbfgs);
    r.iterations += o.iterations;
    r.evaluations += o.evaluations;
    status = converged(o.status) ? status : o.status;
  }
  r.x[param_s] = profile_log_sigma(points, r.x, settings.delta);
  const huber_likelihood nll{points, settings.delta,
                             std::log(huber_density_normalizer(settings.delta))};
  // First simplex: 1e-6 in the law's log parameters (about the homotopy's last error), 1e-3 in s.
  const double step[mle_parameters] = {1e-6, 1e-6, 1e-6, 1e-6, 1e-6, 1e-3};
  const minimize_outcome o = nelder_mead_minimize<mle_parameters>(nll, r.x, step, settings.polish);
  r.iterations += o.iterations;
  r.evaluations += o.evaluations;
  r.objective = o.f;
  r.status = converged(o.status) ? status : o.status;
  return r;
}

// A fit by `settings.method` from `start`: Huber, then for huber-mle the likelihood stage.
SCALESWEEP_HD fit_result fit_from_start(const fit_points_view& points, const double* start,
                                        const fit_settings& settings) {
  fit_result r = fit_huber(points, start, settings);
  if (settings.method == fit_method::huber_mle && std::isfinite(r.objective)) {
    const fit_result m = fit_huber_mle(points, r.x, settings);
    const std::int32_t iterations = r.iterations + m.iterations;
    const std::int32_t evaluations = r.evaluations + m.evaluations;
    r = m;
    r.iterations = iterations;
    r.evaluations = evaluations;
  }
  return r;
}

} // namespace scalesweep
