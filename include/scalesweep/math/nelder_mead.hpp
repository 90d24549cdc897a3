// Derivative-free Nelder-Mead simplex search, sized at compile time (no heap) for device code:
// the final polish of the huber-mle fit, whose likelihood has kinks exactly at its optimum.
// Lagarias, Reeds, Wright, Wright, SIAM J. Optim. 9 (1998): reflection 1, expansion 2,
// contraction 1/2, shrink 1/2.
#pragma once

#include "scalesweep/math/host_device.hpp"
#include "scalesweep/math/lbfgs.hpp"

#include <cmath>

namespace scalesweep {

struct nelder_mead_settings {
  int max_iterations = 4000;
  // Stop when the simplex's values agree to relative_f_tolerance, or its vertices lie within
  // x_tolerance of the best one in every coordinate.
  double relative_f_tolerance = 1e-15;
  double x_tolerance = 1e-11;
};

// Minimises f(x) over R^Dim from x (in place), with a first simplex of x + step_i e_i.
template <int Dim, class F>
SCALESWEEP_HD minimize_outcome nelder_mead_minimize(const F& f, double* x, const double* step,
                                                    const nelder_mead_settings& settings) {
  double v[Dim + 1][Dim], fv[Dim + 1];
  double centroid[Dim], trial[Dim], trial2[Dim];
  minimize_outcome out{0, 0, 0, minimize_status::max_iterations};
  for (int j = 0; j <= Dim; ++j) {
    for (int i = 0; i < Dim; ++i) {
      v[j][i] = x[i] + (j == i + 1 ? step[i] : 0.0);
    }
    fv[j] = f(v[j]);
    if (!std::isfinite(fv[j])) {
      fv[j] = INFINITY;
    }
  }
  out.evaluations = Dim + 1;
  const auto swap_vertices = [&](int p, int q) {
    for (int i = 0; i < Dim; ++i) {
      const double t = v[p][i];
      v[p][i] = v[q][i];
      v[q][i] = t;
    }
    const double t = fv[p];
    fv[p] = fv[q];
    fv[q] = t;
  };
  const auto assign = [&](int j, const double* y, double fy) {
    for (int i = 0; i < Dim; ++i) {
      v[j][i] = y[i];
    }
    fv[j] = fy;
  };
  for (; out.iterations < settings.max_iterations; ++out.iterations) {
    // Order the vertices best to worst (insertion sort: Dim + 1 is small).
    for (int j = 1; j <= Dim; ++j) {
      for (int k = j; k > 0 && fv[k] < fv[k - 1]; --k) {
        swap_vertices(k, k - 1);
      }
    }
    double spread = 0;
    for (int j = 1; j <= Dim; ++j) {
      for (int i = 0; i < Dim; ++i) {
        spread = fmax(spread, std::fabs(v[j][i] - v[0][i]));
      }
    }
    // Either test ends the search: vertices whose values agree to a few ulps cannot be ranked
    // (near a kink the simplex can flatten along it and stop shrinking), and vertices within
    // x_tolerance of each other are as close as the polish needs.
    if (fv[Dim] - fv[0] <= settings.relative_f_tolerance * std::fabs(fv[0]) ||
        spread <= settings.x_tolerance) {
      out.status = minimize_status::objective;
      break;
    }
    for (int i = 0; i < Dim; ++i) {
      double c = 0;
      for (int j = 0; j < Dim; ++j) {
        c += v[j][i];
      }
      centroid[i] = c / Dim;
    }
    const auto point = [&](double t, double* y) { // centroid + t (centroid - worst)
      for (int i = 0; i < Dim; ++i) {
        y[i] = centroid[i] + t * (centroid[i] - v[Dim][i]);
      }
      const double fy = f(y);
      ++out.evaluations;
      return std::isfinite(fy) ? fy : INFINITY;
    };
    const double fr = point(1.0, trial);
    if (fr < fv[0]) {
      const double fe = point(2.0, trial2);
      if (fe < fr) {
        assign(Dim, trial2, fe);
      } else {
        assign(Dim, trial, fr);
      }
      continue;
    }
    if (fr < fv[Dim - 1]) {
      assign(Dim, trial, fr);
      continue;
    }
    // Contraction: outside when the reflection beat the worst, inside otherwise.
    const bool outside = fr < fv[Dim];
    const double fc = point(outside ? 0.5 : -0.5, trial2);
    if (outside ? fc <= fr : fc < fv[Dim]) {
      assign(Dim, trial2, fc);
      continue;
    }
    for (int j = 1; j <= Dim; ++j) { // shrink towards the best vertex
      for (int i = 0; i < Dim; ++i) {
        v[j][i] = v[0][i] + 0.5 * (v[j][i] - v[0][i]);
      }
      fv[j] = f(v[j]);
      fv[j] = std::isfinite(fv[j]) ? fv[j] : INFINITY;
    }
    out.evaluations += Dim;
  }
  int best = 0;
  for (int j = 1; j <= Dim; ++j) {
    best = fv[j] < fv[best] ? j : best;
  }
  for (int i = 0; i < Dim; ++i) {
    x[i] = v[best][i];
  }
  out.f = fv[best];
  return out;
}

} // namespace scalesweep
