// The lane loop of the Huber objective, once for every instruction set; included by one file per
// ISA (fit_lanes_avx2.cpp, fit_lanes_avx512.cpp), each built with its flags. As in
// src/simd/cpu_lanes_impl.hpp, such a file instantiates templates on its own pack type only, so
// that no ISA-specific copy of a shared inline function can be the one the linker keeps.
#pragma once

#include "scalesweep/math/huber_fit.hpp"

#include "backends/cpu/simd/simd_pack.hpp"
#include "backends/fit/fit_lanes.hpp"

#include <cstring>

namespace scalesweep::fit_simd {

// exp and log of a vector of doubles, inlined, for the objective's three per-point calls (libmvec's
// are out-of-line calls that dominate the loop: 11 and 14 ns per AVX-512 vector against 7 and 8
// here, measured on this project's EPYC). Accuracy: <= 2 ulp (exp) and <= 4 ulp (log) over the
// ranges the fit uses (arguments <= 0, sums in (0, 3]; measured over 1.6e7 random arguments
// against std::exp and std::log); test_fit_lanes compares the objective and gradient with the
// scalar path's. In an anonymous namespace: each ISA's file gets its own copy.
namespace {

// The bits of 0x1.8p52: adding it to a double of magnitude < 2^51 leaves the nearest integer
// in the low mantissa bits (round to nearest, and an int64 by subtracting the bits again).
constexpr long round_shifter_bits = 0x4338000000000000L;
constexpr double round_shifter = 0x1.8p52;

template <class V, class I>
inline V reinterpret_as_double(I bits) {
  V v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}
template <class I, class V>
inline I reinterpret_as_int(V v) {
  I bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits;
}

// e^x = 2^k e^r, k = round(x / ln 2), r = x - k ln 2 (Cody and Waite: ln 2 in two parts, the first
// with trailing zeros so k * ln2_hi is exact), e^r by its Taylor series to r^13 (|r| <= ln 2 / 2:
// truncation below 4e-18 relative). Below -708 the result is flushed to 0 (a term that small
// cannot move the sum of the other two); above 709 it is infinite.
template <class V, class I>
inline V fast_exp(V x) {
  const V shifted = x * 1.4426950408889634 + round_shifter;
  const V k = shifted - round_shifter;
  const I k_int = reinterpret_as_int<I>(shifted) - round_shifter_bits;
  V r = x - k * 0.693147180559890330187045037746429443359375; // ln 2, high 32 bits
  r = r - k * 5.4979230187083711552420206887e-14;             // ln 2 - the high part
  V p = V{} + 1.0 / 6227020800.0;
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  const V scale = reinterpret_as_double<V>(I((k_int + 1023) << 52));
  const V out = x < -708.0 ? V{} : p * scale;
  return x > 709.0 ? V{} + __builtin_inf() : out;
}

// log s for normal s > 0 (0 gives -709 instead of -inf: the gradient is then NaN, which the
// line search treats as a step too far, as it does the scalar path's -inf): s = 2^e m with m in
// [sqrt(1/2), sqrt 2), log m = 2 atanh(t), t = (m - 1) / (m + 1), |t| <= 0.172, by the odd series
// to t^21 (truncation below 4e-18).
template <class V, class I>
inline V fast_log(V s) {
  const I bits = reinterpret_as_int<I>(s);
  I e = ((bits >> 52) & 0x7ff) - 1023;
  V m = reinterpret_as_double<V>(I((bits & 0x000fffffffffffffL) | 0x3ff0000000000000L));
  const auto big = m > 1.4142135623730951;
  m = big ? m * 0.5 : m;
  e = e - I(big); // a true lane of a vector comparison is -1
  const V t = (m - 1.0) / (m + 1.0);
  const V t2 = t * t;
  V p = V{} + 1.0 / 21;
  p = p * t2 + 1.0 / 19;
  p = p * t2 + 1.0 / 17;
  p = p * t2 + 1.0 / 15;
  p = p * t2 + 1.0 / 13;
  p = p * t2 + 1.0 / 11;
  p = p * t2 + 1.0 / 9;
  p = p * t2 + 1.0 / 7;
  p = p * t2 + 1.0 / 5;
  p = p * t2 + 1.0 / 3;
  p = p * t2 + 1.0;
  // e as a double without a 64-bit integer conversion (AVX2 has none): through the shifter.
  const V ef = reinterpret_as_double<V>(I(e + round_shifter_bits)) - round_shifter;
  return ef * 0.693147180559890330187045037746429443359375 +
         (2.0 * t * p + ef * 5.4979230187083711552420206887e-14);
}

} // namespace

template <class Isa>
double huber_lanes(const lane_points& p, double delta, const double* x, const lse_shift& shift,
                   double* grad) {
  using real = simd::pack<Isa>;
  constexpr int width = Isa::width;
  const auto load = [](const double* from) {
    typename Isa::vec v;
    std::memcpy(&v, from, sizeof v);
    return real(v);
  };
  real f(0.0), g_a(0.0), g_b(0.0), g_e(0.0), g_alpha(0.0), g_beta(0.0);
  const huber_rho_fn rho{delta};
  for (std::uint32_t i = 0; i < p.n; i += width) {
    const residual_terms<real> t = residual_term(x, shift, load(p.log_N + i), load(p.log_D + i),
                                                 load(p.log_loss + i), load(p.weight + i), rho);
    f = f + t.f;
    g_a = g_a + t.g_a;
    g_b = g_b + t.g_b;
    g_e = g_e + t.g_e;
    g_alpha = g_alpha + t.g_alpha;
    g_beta = g_beta + t.g_beta;
  }
  const auto sum = [](real v) {
    double s = 0;
    for (int l = 0; l < width; ++l) {
      s += v.v[l];
    }
    return s;
  };
  grad[param_a] = sum(g_a);
  grad[param_b] = sum(g_b);
  grad[param_e] = sum(g_e);
  grad[param_alpha] = sum(g_alpha);
  grad[param_beta] = sum(g_beta);
  return sum(f);
}

} // namespace scalesweep::fit_simd
