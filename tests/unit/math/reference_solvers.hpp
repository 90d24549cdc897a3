// Independent reference solutions for tests: plain bisection in long double on the first-order
// conditions written in the original variables (ln D, ln N), not the solvers' reparametrisations.
#pragma once

#include "scalesweep/math/law.hpp"

#include <cmath>

namespace scalesweep::reference {

struct reference_point {
  long double N;
  long double D;
};

// Bisection to the last bit of long double (64-bit mantissa, ~5e-20): 400 halvings of a bracket
// of width < 1e3 in ln-space are far more than needed.
template <class Decreasing>
long double bisect_decreasing(Decreasing f, long double lo, long double hi) {
  for (int i = 0; i < 400; ++i) {
    const long double mid = 0.5L * (lo + hi);
    if (mid == lo || mid == hi) {
      break;
    }
    (f(mid) > 0 ? lo : hi) = mid;
  }
  return 0.5L * (lo + hi);
}

// Loss target: on L(N, D) = E + R, f(D) = beta u (1 + T/(3D)) - alpha (R - u), u = B D^-beta, is
// the Lagrange condition of min 6ND + 2NT; it decreases from beta R (1 + T/(3 D_min)) > 0 at
// u = R to -alpha R < 0 as D grows.
inline reference_point reference_loss_target(const scaling_law& law, double target, double T) {
  const long double E = law.E, A = law.A, B = law.B, a = law.alpha, b = law.beta;
  const long double R = static_cast<long double>(target) - E;
  const long double t = T;
  const auto f = [&](long double ln_D) {
    const long double D = std::exp(ln_D);
    const long double u = B * std::pow(D, -b);
    return b * u * (1 + t / (3 * D)) - a * (R - u);
  };
  const long double ln_D_min = std::log(B / R) / b; // u = R: no loss left for the N term
  long double hi = ln_D_min + 1;
  while (f(hi) > 0) {
    hi += 10;
  }
  const long double ln_D = bisect_decreasing(f, ln_D_min, hi);
  const long double D = std::exp(ln_D);
  const long double N = std::pow(A / (R - B * std::pow(D, -b)), 1 / a);
  return {N, D};
}

// Budget: on 6ND + 2NT = C, g(N) = alpha A N^-alpha - beta B D^-beta (1 + T/(3D)) with
// D = C/(6N) - T/3 decreases from +inf (N -> 0) to -inf (D -> 0).
inline reference_point reference_budget(const scaling_law& law, double C, double T) {
  const long double A = law.A, B = law.B, a = law.alpha, b = law.beta;
  const long double c = C, t = T;
  const auto D_of = [&](long double N) { return c / (6 * N) - t / 3; };
  const auto g = [&](long double ln_N) {
    const long double N = std::exp(ln_N);
    const long double D = D_of(N);
    return a * A * std::pow(N, -a) - b * B * std::pow(D, -b) * (1 + t / (3 * D));
  };
  // N < C/(2T) keeps D > 0; nudge below the pole so g is finite there.
  const long double hi = t > 0 ? std::log(c / (2 * t)) - 1e-18L : std::log(c);
  const long double ln_N = bisect_decreasing(g, std::log(1e-6L), hi);
  const long double N = std::exp(ln_N);
  return {N, D_of(N)};
}

} // namespace scalesweep::reference
