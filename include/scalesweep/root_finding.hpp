// Safeguarded Newton iteration for a strictly increasing function on a sign-changing bracket.
#pragma once

#include "scalesweep/host_device.hpp"

#include <cmath>

namespace scalesweep {

struct newton_eval {
  double value;      // f(x)
  double derivative; // f'(x), > 0
};

struct root_result {
  double x;
  int iterations;
  bool converged;
};

// A Newton step of this size (in the log-space variables the solvers use) leaves an error of
// about C*step^2 with C = |f''|/(2 f') <= ~10 for every law with beta >= 0.1: far below 1 ulp.
inline constexpr double newton_step_tolerance = 1e-9;
inline constexpr int newton_max_iterations = 100;

// Requires f(lo) <= 0 <= f(hi) and f increasing. Newton steps that leave the bracket (or are
// NaN) fall back to bisection, so the iteration converges for any start inside the bracket;
// for a convex or concave f started on the right side it is plain monotone Newton.
template <class Function>
SCALESWEEP_HD root_result safeguarded_newton(const Function& f, double lo, double hi, double x) {
  for (int it = 1; it <= newton_max_iterations; ++it) {
    const newton_eval e = f(x);
    if (e.value == 0.0) {
      return {x, it, true};
    }
    if (e.value > 0.0) {
      hi = x;
    } else {
      lo = x;
    }
    const double step = e.value / e.derivative;
    double next = x - step;
    if (std::fabs(step) <= newton_step_tolerance) {
      return {std::fmin(std::fmax(next, lo), hi), it, true};
    }
    if (!(next > lo && next < hi)) {
      next = 0.5 * (lo + hi);
    }
    if (hi - lo <= 4e-16 * std::fmax(std::fabs(lo), std::fabs(hi))) {
      return {next, it, true};
    }
    x = next;
  }
  return {x, newton_max_iterations, false};
}

} // namespace scalesweep
