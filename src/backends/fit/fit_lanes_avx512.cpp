// The Huber objective's lanes for AVX-512: eight points at once, the inline exp/log of
// fit_lanes_impl.hpp. Built with -mavx512f -mavx512dq.
#include "backends/fit/fit_lanes_impl.hpp"

namespace scalesweep::fit_simd {

namespace {
typedef double avx512_vec __attribute__((vector_size(64)));
typedef long avx512_mask __attribute__((vector_size(64)));

struct avx512 {
  using vec = avx512_vec;
  using mask = avx512_mask;
  static constexpr int width = 8;
  static vec exp(vec x) { return fast_exp<vec, mask>(x); }
  static vec log(vec x) { return fast_log<vec, mask>(x); }
  static vec log1p(vec x) { return x; } // unused by the fit
};
} // namespace

double huber_lanes_avx512(const lane_points& points, double delta, const double* x,
                          const lse_shift& shift, double* grad) {
  return huber_lanes<avx512>(points, delta, x, shift, grad);
}

} // namespace scalesweep::fit_simd
