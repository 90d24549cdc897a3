// The Huber objective's lanes for AVX2: four points at once, the inline exp/log of
// fit_lanes_impl.hpp. Built with -mavx2 -mfma.
#include "backends/fit/fit_lanes_impl.hpp"

namespace scalesweep::fit_simd {

namespace {
typedef double avx2_vec __attribute__((vector_size(32)));
typedef long avx2_mask __attribute__((vector_size(32)));

struct avx2 {
  using vec = avx2_vec;
  using mask = avx2_mask;
  static constexpr int width = 4;
  static vec exp(vec x) { return fast_exp<vec, mask>(x); }
  static vec log(vec x) { return fast_log<vec, mask>(x); }
  static vec log1p(vec x) { return x; } // unused by the fit
};
} // namespace

double huber_lanes_avx2(const lane_points& points, double delta, const double* x,
                        const lse_shift& shift, double* grad) {
  return huber_lanes<avx2>(points, delta, x, shift, grad);
}

} // namespace scalesweep::fit_simd
