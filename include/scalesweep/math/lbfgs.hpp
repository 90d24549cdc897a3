// L-BFGS with a strong-Wolfe line search, sized at compile time (no heap), so that one GPU thread
// or one CPU loop iteration runs a whole minimisation. Nocedal & Wright, "Numerical Optimization"
// (2nd ed.): Algorithm 7.4 (two-loop recursion), Algorithms 3.5/3.6 (line search and zoom).
#pragma once

#include "scalesweep/math/host_device.hpp"
#include "scalesweep/math/minimize_status.hpp"

#include <cmath>
#include <cstdint>

namespace scalesweep {

struct lbfgs_settings {
  int max_iterations = 1000;
  // Stop when max_i |g_i| <= gradient_tolerance (absolute: the Huber objective's scale is fixed by
  // delta and the number of points, so an absolute figure means the same for every data set).
  double gradient_tolerance = 1e-13;
  // Stop when (f_prev - f) <= relative_tolerance * max(|f_prev|, |f|): a step that gains less
  // than a few ulps of f cannot be told from rounding.
  double relative_tolerance = 1e-15;
  int max_line_search_evaluations = 40;
  double c1 = 1e-4; // sufficient decrease (Armijo)
  double c2 = 0.9;  // curvature (strong Wolfe), the usual value for quasi-Newton methods
};

struct minimize_outcome {
  double f;
  int iterations;
  int evaluations;
  minimize_status status;
};

namespace detail {

template <int Dim>
SCALESWEEP_HD double dot(const double* a, const double* b) {
  double s = 0;
  for (int i = 0; i < Dim; ++i) {
    s += a[i] * b[i];
  }
  return s;
}

// Minimiser of the cubic matching phi and phi' at a and b (N&W eq. 3.59), kept inside the middle
// 80 % of [a, b] so that the bracket shrinks; the midpoint where the cubic gives nothing usable.
SCALESWEEP_HD double safeguarded_cubic(double a, double fa, double da, double b, double fb,
                                       double db) {
  const double lo = a < b ? a : b;
  const double hi = a < b ? b : a;
  const double width = hi - lo;
  double t = 0.5 * (a + b);
  if (std::isfinite(fa) && std::isfinite(fb) && std::isfinite(da) && std::isfinite(db)) {
    const double d1 = da + db - 3.0 * (fa - fb) / (a - b);
    const double disc = d1 * d1 - da * db;
    if (disc >= 0) {
      const double d2 = (b > a ? 1.0 : -1.0) * std::sqrt(disc);
      const double denom = db - da + 2.0 * d2;
      if (denom != 0) {
        const double c = b - (b - a) * (db + d2 - d1) / denom;
        if (std::isfinite(c)) {
          t = c;
        }
      }
    }
  }
  const double margin = 0.1 * width;
  if (!(t >= lo + margin)) {
    t = lo + margin;
  }
  if (!(t <= hi - margin)) {
    t = hi - margin;
  }
  return t;
}

} // namespace detail

// Minimises objective(x, g) -> f (which fills g, the gradient) over R^Dim from x, in place.
// Memory: number of (s, y) pairs kept. Objective must be callable on host and device alike.
template <int Dim, int Memory, class Objective>
SCALESWEEP_HD minimize_outcome lbfgs_minimize(const Objective& objective, double* x,
                                              const lbfgs_settings& settings) {
  double g[Dim], d[Dim], x_trial[Dim], g_trial[Dim], g_lo[Dim];
  double s_hist[Memory][Dim], y_hist[Memory][Dim], rho_hist[Memory], alpha_tmp[Memory];
  int stored = 0, newest = -1;

  minimize_outcome out{objective(x, g), 0, 1, minimize_status::max_iterations};
  double f = out.f;
  bool finite = std::isfinite(f);
  for (int i = 0; i < Dim; ++i) {
    finite = finite && std::isfinite(g[i]);
  }
  if (!finite) {
    out.status = minimize_status::not_finite;
    return out;
  }

  const auto gradient_small = [&](const double* grad) {
    double m = 0;
    for (int i = 0; i < Dim; ++i) {
      m = std::fabs(grad[i]) > m ? std::fabs(grad[i]) : m;
    }
    return m <= settings.gradient_tolerance;
  };
  if (gradient_small(g)) {
    out.status = minimize_status::gradient;
    return out;
  }

  bool steepest = true; // the first iteration, and the retry after a failed line search
  for (; out.iterations < settings.max_iterations; ++out.iterations) {
    // Direction: d = -H g by the two-loop recursion, H0 = gamma I (N&W eq. 7.20).
    for (int i = 0; i < Dim; ++i) {
      d[i] = -g[i];
    }
    if (!steepest && stored > 0) {
      for (int k = 0, j = newest; k < stored; ++k, j = (j + Memory - 1) % Memory) {
        alpha_tmp[j] = rho_hist[j] * detail::dot<Dim>(s_hist[j], d);
        for (int i = 0; i < Dim; ++i) {
          d[i] -= alpha_tmp[j] * y_hist[j][i];
        }
      }
      const double gamma =
          1.0 / (rho_hist[newest] * detail::dot<Dim>(y_hist[newest], y_hist[newest]));
      for (int i = 0; i < Dim; ++i) {
        d[i] *= gamma;
      }
      for (int k = 0, j = (newest + Memory - stored + 1) % Memory; k < stored;
           ++k, j = (j + 1) % Memory) {
        const double beta = rho_hist[j] * detail::dot<Dim>(y_hist[j], d);
        for (int i = 0; i < Dim; ++i) {
          d[i] += (alpha_tmp[j] - beta) * s_hist[j][i];
        }
      }
    }
    double dphi0 = detail::dot<Dim>(g, d);
    if (!(dphi0 < 0)) { // not a descent direction (rounding in H): fall back to steepest descent
      for (int i = 0; i < Dim; ++i) {
        d[i] = -g[i];
      }
      dphi0 = detail::dot<Dim>(g, d);
      steepest = true;
    }
    // First step of a steepest-descent iteration: unit length in x (as L-BFGS-B); else 1.
    const double step0 = steepest ? 1.0 / std::sqrt(detail::dot<Dim>(d, d)) : 1.0;

    // --- Line search (N&W Algorithm 3.5 with zoom 3.6) for the strong Wolfe conditions --------
    const double f0 = f;
    double a_prev = 0, f_prev = f0, dphi_prev = dphi0;
    double a_lo = 0, f_lo = f0, dphi_lo = dphi0, a_hi = 0, f_hi = f0, dphi_hi = dphi0;
    bool zoom = false, accepted = false, at_rounding = false;
    double a = step0, f_a = f0, dphi_a = dphi0;
    int evaluations = 0;
    const auto evaluate = [&](double step) {
      for (int i = 0; i < Dim; ++i) {
        x_trial[i] = x[i] + step * d[i];
      }
      f_a = objective(x_trial, g_trial);
      ++evaluations;
      dphi_a = detail::dot<Dim>(g_trial, d);
      if (!std::isfinite(dphi_a)) {
        f_a = INFINITY; // treat a non-finite gradient as a step too far
      }
    };
    const auto armijo_fails = [&](double step, double value) {
      return !(value <= f0 + settings.c1 * step * dphi0);
    };
    // Bracketing phase: grow the step until the minimiser along d is bracketed.
    while (evaluations < settings.max_line_search_evaluations) {
      evaluate(a);
      if (armijo_fails(a, f_a) || (evaluations > 1 && f_a >= f_prev)) {
        a_lo = a_prev, f_lo = f_prev, dphi_lo = dphi_prev;
        a_hi = a, f_hi = f_a, dphi_hi = dphi_a;
        zoom = true;
        break;
      }
      if (std::fabs(dphi_a) <= -settings.c2 * dphi0) {
        accepted = true;
        break;
      }
      if (dphi_a >= 0) {
        a_lo = a, f_lo = f_a, dphi_lo = dphi_a;
        a_hi = a_prev, f_hi = f_prev, dphi_hi = dphi_prev;
        for (int i = 0; i < Dim; ++i) {
          g_lo[i] = g_trial[i];
        }
        zoom = true;
        break;
      }
      a_prev = a, f_prev = f_a, dphi_prev = dphi_a;
      for (int i = 0; i < Dim; ++i) {
        g_lo[i] = g_trial[i]; // a_prev is a step with sufficient decrease: a fallback
      }
      a *= 4.0;
    }
    if (!zoom && !accepted) {
      // Budget spent while still extrapolating: take the last step that decreased f.
      a_lo = a_prev, f_lo = f_prev;
    }
    // Zoom phase: shrink [a_lo, a_hi]; a_lo always has sufficient decrease and the lowest f.
    while (zoom && !accepted && evaluations < settings.max_line_search_evaluations) {
      // Stop once f cannot change by more than rounding across the bracket (a few ulps of f):
      // the values the zoom would compare are noise.
      if (std::fabs(a_hi - a_lo) * -dphi0 <= settings.relative_tolerance * std::fabs(f0)) {
        at_rounding = true;
        break;
      }
      a = detail::safeguarded_cubic(a_lo, f_lo, dphi_lo, a_hi, f_hi, dphi_hi);
      if (!(a != a_lo && a != a_hi)) {
        break; // the bracket is down to adjacent doubles
      }
      evaluate(a);
      if (armijo_fails(a, f_a) || f_a >= f_lo) {
        a_hi = a, f_hi = f_a, dphi_hi = dphi_a;
      } else {
        if (std::fabs(dphi_a) <= -settings.c2 * dphi0) {
          accepted = true;
          break;
        }
        if (dphi_a * (a_hi - a_lo) >= 0) {
          a_hi = a_lo, f_hi = f_lo, dphi_hi = dphi_lo;
        }
        a_lo = a, f_lo = f_a, dphi_lo = dphi_a;
        for (int i = 0; i < Dim; ++i) {
          g_lo[i] = g_trial[i];
        }
      }
    }
    out.evaluations += evaluations;
    if (!accepted) {
      // No strong Wolfe point: fall back to the best step with sufficient decrease, if any.
      if (a_lo > 0 && f_lo < f0) {
        a = a_lo, f_a = f_lo;
        for (int i = 0; i < Dim; ++i) {
          x_trial[i] = x[i] + a * d[i];
          g_trial[i] = g_lo[i];
        }
      } else if (!steepest && !at_rounding) {
        steepest = true; // the quasi-Newton model failed: forget it, retry steepest descent
        stored = 0;
        continue;
      } else {
        out.status = minimize_status::stalled;
        break;
      }
    }

    // --- Update the history with s = x+ - x, y = g+ - g, if the curvature is positive ----------
    const int slot = (newest + 1) % Memory;
    double sy = 0, yy = 0;
    for (int i = 0; i < Dim; ++i) {
      s_hist[slot][i] = x_trial[i] - x[i];
      y_hist[slot][i] = g_trial[i] - g[i];
      sy += s_hist[slot][i] * y_hist[slot][i];
      yy += y_hist[slot][i] * y_hist[slot][i];
    }
    if (sy > 2.220446049250313e-16 * yy && sy > 0) {
      rho_hist[slot] = 1.0 / sy;
      newest = slot;
      stored = stored < Memory ? stored + 1 : Memory;
    }
    for (int i = 0; i < Dim; ++i) {
      x[i] = x_trial[i];
      g[i] = g_trial[i];
    }
    const double f_old = f;
    f = f_a;
    steepest = stored == 0;
    if (gradient_small(g)) {
      out.status = minimize_status::gradient;
      ++out.iterations;
      break;
    }
    const double scale = std::fabs(f_old) > std::fabs(f) ? std::fabs(f_old) : std::fabs(f);
    if (f_old - f <= settings.relative_tolerance * scale) {
      out.status = minimize_status::objective;
      ++out.iterations;
      break;
    }
  }
  out.f = f;
  return out;
}

} // namespace scalesweep
