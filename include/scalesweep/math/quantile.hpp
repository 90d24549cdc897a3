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

// Rearranges v[first, last) (finite values) so that v[k] holds the value it would hold were the
// range sorted, with nothing larger before it and nothing smaller after it: Hoare's quickselect
// with a median-of-three pivot, deterministic, in place, O(n) on average. The value at k is an
// order statistic, so any correct selection (std::nth_element, a sort, a GPU's) returns it
// bit for bit.
SCALESWEEP_HD void select_order_statistic(double* v, std::int64_t first, std::int64_t last,
                                          std::int64_t k) {
  std::int64_t lo = first;
  std::int64_t hi = last - 1;
  while (hi > lo) {
    const double a = v[lo];
    const double b = v[lo + (hi - lo) / 2];
    const double c = v[hi];
    // The median of the three: both inner scans below stop inside [lo, hi] on their first pass.
    const double pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
    std::int64_t i = lo;
    std::int64_t j = hi;
    while (i <= j) {
      while (v[i] < pivot) {
        ++i;
      }
      while (v[j] > pivot) {
        --j;
      }
      if (i <= j) {
        const double t = v[i];
        v[i] = v[j];
        v[j] = t;
        ++i;
        --j;
      }
    }
    // Now [lo, j] <= pivot <= [i, hi], and what lies strictly between j and i equals the pivot.
    if (k <= j) {
      hi = j;
    } else if (k >= i) {
      lo = i;
    } else {
      return;
    }
  }
}

// Quantiles at the ascending levels q[0, count) of the n >= 1 finite values v (rearranged in
// place), written to out[c * stride]: numpy's linear quantile (quantile_of_sorted's order
// statistics and lerp) without a full sort. From the highest level down, each level selects its
// lower order statistic among the values below the previous level's, and takes its upper one as
// the smallest value above it: about 2n + 2·(n·q_max) comparisons for three levels instead of a
// sort's n log n.
SCALESWEEP_HD void quantiles_by_selection(double* v, std::int64_t n, const double* q, int count,
                                          double* out, std::int64_t stride) {
  std::int64_t end = n; // v[end] (end < n) holds order statistic `end`; v[0, end) are below it
  std::int64_t previous_lower = -1;
  double lower_value = 0;
  double upper_value = 0;
  for (int c = count - 1; c >= 0; --c) {
    const quantile_position p = quantile_position_of(n, q[c]);
    if (p.lower != previous_lower) { // equal levels (or near ones) share their order statistics
      if (p.lower < end) {
        select_order_statistic(v, 0, end, p.lower);
      }
      lower_value = v[p.lower];
      if (p.upper == p.lower) {
        upper_value = lower_value;
      } else if (p.upper < end) {
        upper_value = v[p.lower + 1];
        for (std::int64_t i = p.lower + 2; i < end; ++i) {
          upper_value = v[i] < upper_value ? v[i] : upper_value;
        }
      } else {
        upper_value = v[p.upper]; // == end: the previous level's lower order statistic
      }
      previous_lower = p.lower;
      end = p.lower;
    }
    out[c * stride] = quantile_lerp(lower_value, upper_value, p.gamma);
  }
}

// quantiles_by_selection as a callable (the reducers of cells/sample_quantiles.hpp take one).
struct quickselect_quantiles {
  SCALESWEEP_HD void operator()(double* v, std::int64_t n, const double* q, int count, double* out,
                                std::int64_t stride) const {
    quantiles_by_selection(v, n, q, count, out, stride);
  }
};

// The same contract on values already in ascending order (a sort on the GPU put them there).
struct sorted_quantiles {
  SCALESWEEP_HD void operator()(double* v, std::int64_t n, const double* q, int count, double* out,
                                std::int64_t stride) const {
    for (int c = 0; c < count; ++c) {
      out[c * stride] = quantile_of_sorted(v, n, q[c]);
    }
  }
};

} // namespace scalesweep
