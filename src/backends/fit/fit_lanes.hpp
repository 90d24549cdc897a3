// The Huber objective on the CPU's SIMD lanes (AVX2: 4 points at once, AVX-512: 8), with
// libmvec's vector exp/log: the same per-point template as the scalar and CUDA paths
// (residual_term in huber_fit.hpp), instantiated on packs. Plain C++ interface; the instruction
// set is chosen at run time (simd::lanes_isa, SCALESWEEP_LANES=avx2|none narrows it).
#pragma once

#include "scalesweep/math/huber_fit.hpp"

#include <cstdint>
#include <vector>

namespace scalesweep::fit_simd {

// Points padded to a multiple of 8 with copies of the first point of weight 0 (adding exactly
// nothing), so that every pack is full.
struct lane_points {
  const double* log_N;
  const double* log_D;
  const double* log_loss;
  const double* weight;
  std::uint32_t n; // a multiple of 8
};

inline std::uint32_t padded_size(std::uint32_t n) {
  return (n + 7u) / 8u * 8u;
}

// sum_i w_i rho_delta(r_i) and its gradient (5 values), as huber_objective computes them, with
// the evaluation's shift computed by the caller (lse_shift_for: a plain inline function, which an
// ISA-specific file must not emit).
using huber_lanes_function = double (*)(const lane_points& points, double delta, const double* x,
                                        const lse_shift& shift, double* grad);

// The widest lanes this CPU and build have, or nullptr (then the scalar objective runs).
huber_lanes_function huber_lanes_for_this_cpu();

double huber_lanes_avx2(const lane_points& points, double delta, const double* x,
                        const lse_shift& shift, double* grad);
double huber_lanes_avx512(const lane_points& points, double delta, const double* x,
                          const lse_shift& shift, double* grad);

// An objective for lbfgs_minimize.
struct huber_lanes_objective {
  lane_points points;
  fit_points_view ranges; // the unpadded points' extremes, for the shift
  double delta;
  huber_lanes_function function;
  double operator()(const double* x, double* grad) const {
    return function(points, delta, x, lse_shift_for(x, ranges), grad);
  }
};

} // namespace scalesweep::fit_simd
