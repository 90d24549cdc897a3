// The scaling-law fit's objectives, written once for CPU and CUDA: Huber loss of log-space
// residuals (Hoffmann et al. 2022, App. D.2; Besiroglu et al. 2024, Sec. 2), its analytic
// gradient, the smoothed absolute loss and the Huber-density likelihood of the `huber-mle` method.
#pragma once

#include "scalesweep/math/host_device.hpp"
#include "scalesweep/math/real_ops.hpp"

#include <cmath>
#include <cstdint>

namespace scalesweep {

// Fit parameters in log space, Besiroglu et al.'s order: x = (a, b, e, alpha, beta[, s]) with
// A = e^a, B = e^b, E = e^e (and the likelihood's scale sigma = e^s).
enum fit_parameter : int { param_a = 0, param_b, param_e, param_alpha, param_beta, param_s };
inline constexpr int law_parameters = 5;
inline constexpr int mle_parameters = 6;

// The data a fit sees: n points (log N, log D, log loss) and, for a bootstrap resample, how many
// times each point was drawn (counts[i * count_stride]; null: every point once). The arrays are
// not owned (host vectors, or device memory inside a kernel).
struct fit_points_view {
  const double* log_N = nullptr;
  const double* log_D = nullptr;
  const double* log_loss = nullptr;
  std::uint32_t n = 0;
  const std::uint32_t* counts = nullptr;
  std::uint32_t count_stride = 1;
  // Extremes of log N and log D over the points (ranges_of): they bound the exponents, so that
  // one shift per evaluation keeps every exp in range (lse_shift_for).
  double log_N_min = 0, log_N_max = 0, log_D_min = 0, log_D_max = 0;

  SCALESWEEP_HD double weight(std::uint32_t i) const {
    return counts == nullptr
               ? 1.0
               : static_cast<double>(counts[static_cast<std::uint64_t>(i) * count_stride]);
  }
};

// A view of n points with their extremes filled in.
SCALESWEEP_HD fit_points_view with_ranges(fit_points_view v) {
  for (std::uint32_t i = 0; i < v.n; ++i) {
    v.log_N_min = i == 0 || v.log_N[i] < v.log_N_min ? v.log_N[i] : v.log_N_min;
    v.log_N_max = i == 0 || v.log_N[i] > v.log_N_max ? v.log_N[i] : v.log_N_max;
    v.log_D_min = i == 0 || v.log_D[i] < v.log_D_min ? v.log_D[i] : v.log_D_min;
    v.log_D_max = i == 0 || v.log_D[i] > v.log_D_max ? v.log_D[i] : v.log_D_max;
  }
  return v;
}

// Huber's rho and its derivative psi (Huber 1964): quadratic within delta, linear outside, so
// that outliers weigh like |r| and the fit does not chase them. Real: double, or a SIMD pack of
// doubles (the CPU's vector lanes, src/fit/fit_lanes_impl.hpp), as the rest of the per-point math.
template <class Real>
struct rho_and_derivative {
  Real value;
  Real derivative;
};

template <class Real>
SCALESWEEP_HD rho_and_derivative<Real> huber_rho(Real r, double delta) {
  const Real ar = abs_of(r);
  const auto quadratic = ar <= Real(delta);
  return {select(quadratic, Real(0.5) * r * r, Real(delta) * (ar - Real(0.5 * delta))),
          select(quadratic, r, select(r > Real(0.0), Real(delta), Real(-delta)))};
}

// sqrt(r^2 + mu^2) - mu: a smooth |r| (error below mu), the homotopy of the huber-mle method.
SCALESWEEP_HD rho_and_derivative<double> smoothed_abs_rho(double r, double mu) {
  const double q = std::sqrt(r * r + mu * mu);
  return {q - mu, r / q};
}

// The two as function objects (plain structs rather than lambdas: the same code in device code).
struct huber_rho_fn {
  double delta;
  template <class Real>
  SCALESWEEP_HD rho_and_derivative<Real> operator()(Real r) const {
    return huber_rho(r, delta);
  }
};
struct smoothed_abs_rho_fn {
  double mu;
  SCALESWEEP_HD rho_and_derivative<double> operator()(double r) const {
    return smoothed_abs_rho(r, mu);
  }
};

// The model's prediction in log space, LSE(t1, t2, t3) = log L(N, D) with t1 = a - alpha log N,
// t2 = b - beta log D, t3 = e; with the softmax weights p_j = e^{t_j} / sum e^{t}, which are its
// derivatives w.r.t. a, b and e. Every exp is taken of t_j - m, m the largest t_j over all points
// (linear in log N and log D, so attained at their extremes): one shift per evaluation, no exp
// overflows whatever the line search tries, and e^{t3 - m} is computed once, not per point.
struct lse_shift {
  double m;
  double u_E; // e^{e - m}
};

SCALESWEEP_HD lse_shift lse_shift_for(const double* x, const fit_points_view& v) {
  const double alpha = x[param_alpha], beta = x[param_beta];
  const double t1 = x[param_a] - alpha * (alpha >= 0 ? v.log_N_min : v.log_N_max);
  const double t2 = x[param_b] - beta * (beta >= 0 ? v.log_D_min : v.log_D_max);
  const double m = fmax(t1, fmax(t2, x[param_e]));
  return {m, std::exp(x[param_e] - m)};
}

template <class Real>
struct log_loss_prediction {
  Real value;
  Real p_A, p_B, p_E;
};

template <class Real>
SCALESWEEP_HD log_loss_prediction<Real> predict_log_loss(const double* x, const lse_shift& s,
                                                         Real log_N, Real log_D) {
  const Real u1 = exp_of(Real(x[param_a] - s.m) - Real(x[param_alpha]) * log_N);
  const Real u2 = exp_of(Real(x[param_b] - s.m) - Real(x[param_beta]) * log_D);
  const Real sum = u1 + u2 + Real(s.u_E);
  const Real inv = Real(1.0) / sum;
  return {Real(s.m) + log_of(sum), u1 * inv, u2 * inv, Real(s.u_E) * inv};
}

// One point's (or one pack of points') weighted term of the objective and of its gradient
// w.r.t. (a, b, e, alpha, beta): w rho(r) and -w psi(r) dLSE/dx, with dLSE/da = p_A,
// dLSE/dalpha = -p_A log N, and so on.
template <class Real>
struct residual_terms {
  Real f, g_a, g_b, g_e, g_alpha, g_beta;
};

template <class Real, class Rho>
SCALESWEEP_HD residual_terms<Real> residual_term(const double* x, const lse_shift& s, Real log_N,
                                                 Real log_D, Real log_loss, Real w,
                                                 const Rho& rho) {
  const log_loss_prediction<Real> p = predict_log_loss(x, s, log_N, log_D);
  const rho_and_derivative<Real> h = rho(log_loss - p.value);
  const Real c = -w * h.derivative;
  return {w * h.value, c * p.p_A, c * p.p_B, c * p.p_E, -(c * p.p_A * log_N), -(c * p.p_B * log_D)};
}

// sum_i w_i rho(log L_i - LSE_i(x)) and its gradient, one point after another (CUDA, and the
// CPU without vector lanes). Summed, not averaged: Besiroglu et al.'s notebook reports the sum
// (0.0010182740346 over 240 points; the mean would be 4.2e-6).
template <class Rho>
SCALESWEEP_HD double residual_objective(const fit_points_view& points, const double* x,
                                        double* grad, const Rho& rho) {
  const lse_shift s = lse_shift_for(x, points);
  double f = 0, g_a = 0, g_b = 0, g_e = 0, g_alpha = 0, g_beta = 0;
  for (std::uint32_t i = 0; i < points.n; ++i) {
    const residual_terms<double> t = residual_term(x, s, points.log_N[i], points.log_D[i],
                                                   points.log_loss[i], points.weight(i), rho);
    f += t.f;
    g_a += t.g_a;
    g_b += t.g_b;
    g_e += t.g_e;
    g_alpha += t.g_alpha;
    g_beta += t.g_beta;
  }
  grad[param_a] = g_a;
  grad[param_b] = g_b;
  grad[param_e] = g_e;
  grad[param_alpha] = g_alpha;
  grad[param_beta] = g_beta;
  return f;
}

// The Huber objective with threshold delta (Besiroglu et al.: 1e-3), as L-BFGS calls it.
struct huber_objective {
  fit_points_view points;
  double delta;
  SCALESWEEP_HD double operator()(const double* x, double* grad) const {
    return residual_objective(points, x, grad, huber_rho_fn{delta});
  }
};

// sum_i w_i (sqrt(r_i^2 + mu^2) - mu): the least-absolute-deviations objective smoothed by mu.
struct smoothed_abs_objective {
  fit_points_view points;
  double mu;
  SCALESWEEP_HD double operator()(const double* x, double* grad) const {
    return residual_objective(points, x, grad, smoothed_abs_rho_fn{mu});
  }
};

// Normalising constant of the density exp(-rho_delta(x)): the integral of e^{-x^2/2} over
// |x| <= delta plus the two exponential tails, sqrt(2 pi) erf(delta / sqrt 2) + 2 e^{-delta^2/2} /
// delta (Besiroglu et al.'s huber_normalizing_factor).
SCALESWEEP_HD double huber_density_normalizer(double delta) {
  return 2.5066282746310002 * std::erf(delta * 0.70710678118654752) +
         2.0 * std::exp(-0.5 * delta * delta) / delta;
}

// Negative log-likelihood of the residuals under the Huber-shaped density with scale e^s:
// sum_i w_i [rho_delta(r_i / sigma) + log Z(delta) + s], x = (a, b, e, alpha, beta, s).
struct huber_likelihood {
  fit_points_view points;
  double delta;
  double log_normalizer; // log huber_density_normalizer(delta)

  SCALESWEEP_HD double operator()(const double* x) const {
    const double inv_sigma = std::exp(-x[param_s]);
    const lse_shift shift = lse_shift_for(x, points);
    double f = 0, total = 0;
    for (std::uint32_t i = 0; i < points.n; ++i) {
      const double w = points.weight(i);
      const double r =
          points.log_loss[i] - predict_log_loss(x, shift, points.log_N[i], points.log_D[i]).value;
      f += w * huber_rho(r * inv_sigma, delta).value;
      total += w;
    }
    return f + total * (log_normalizer + x[param_s]);
  }
};

// The scale that minimises huber_likelihood for fixed law parameters when every residual lies
// in the linear part (|r| > delta sigma): d/ds [delta sum|r| / sigma + n s] = 0 gives
// sigma = delta sum w|r| / sum w. The Nelder-Mead polish corrects for the few that do not.
SCALESWEEP_HD double profile_log_sigma(const fit_points_view& points, const double* x,
                                       double delta) {
  const lse_shift shift = lse_shift_for(x, points);
  double abs_sum = 0, total = 0;
  for (std::uint32_t i = 0; i < points.n; ++i) {
    const double w = points.weight(i);
    abs_sum += w * std::fabs(points.log_loss[i] -
                             predict_log_loss(x, shift, points.log_N[i], points.log_D[i]).value);
    total += w;
  }
  return std::log(delta * abs_sum / total);
}

} // namespace scalesweep
