// Quantiles as numpy computes them by default (method "linear", Hyndman & Fan's type 7): the one
// definition that `fit`'s bootstrap summary and the sweeps' per-cell reductions (CPU and CUDA)
// use. Written after numpy's _quantile and _lerp (numpy/lib/_function_base_impl.py), operation
// for operation, so that the interpolated values match numpy's to the last bit.
#pragma once

#include "scalesweep/math/host_device.hpp"

#include <cmath>
#include <cstdint>

namespace scalesweep {

// Where quantile q (in [0, 1]) of n >= 1 sorted values lies: between order statistics `lower` and
// `upper` (0-based; equal at the ends), a fraction `gamma` of the way.
struct quantile_position {
  std::int64_t lower;
  std::int64_t upper;
  double gamma;
};

SCALESWEEP_HD quantile_position quantile_position_of(std::int64_t n, double q) {
  const double h = static_cast<double>(n - 1) * q; // numpy: (n - 1) * quantiles
  const double below = std::floor(h);
  std::int64_t lower = static_cast<std::int64_t>(below);
  lower = lower < 0 ? 0 : (lower > n - 1 ? n - 1 : lower);
  const std::int64_t upper = lower + 1 < n ? lower + 1 : n - 1;
  return {lower, upper, h - below};
}

// numpy's _lerp: a + (b - a) t, computed from b's end for t >= 0.5 (exact at t = 1 and monotone).
SCALESWEEP_HD double quantile_lerp(double a, double b, double t) {
  const double difference = b - a;
  return t >= 0.5 ? b - difference * (1.0 - t) : a + difference * t;
}

// Quantile q of `sorted` (n ascending values, n >= 1).
SCALESWEEP_HD double quantile_of_sorted(const double* sorted, std::int64_t n, double q) {
  const quantile_position p = quantile_position_of(n, q);
  return quantile_lerp(sorted[p.lower], sorted[p.upper], p.gamma);
}

} // namespace scalesweep
