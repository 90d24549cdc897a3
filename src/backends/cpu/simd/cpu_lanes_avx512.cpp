// The lanes for AVX-512: eight doubles, libmvec AVX-512 exp/log/log1p/expm1 (<= 4 ulp). Built with
// -mavx512f -mavx512dq.
#include "backends/cpu/simd/cpu_lanes_impl.hpp"

#include <immintrin.h>

namespace scalesweep::simd {

namespace {
typedef double avx512_vec __attribute__((vector_size(64)));
typedef long avx512_mask __attribute__((vector_size(64)));
extern "C" avx512_vec _ZGVeN8v_exp(avx512_vec);   // NOLINT(bugprone-reserved-identifier)
extern "C" avx512_vec _ZGVeN8v_log(avx512_vec);   // NOLINT(bugprone-reserved-identifier)
extern "C" avx512_vec _ZGVeN8v_log1p(avx512_vec); // NOLINT(bugprone-reserved-identifier)
extern "C" avx512_vec _ZGVeN8v_expm1(avx512_vec); // NOLINT(bugprone-reserved-identifier)

struct avx512 {
  using vec = avx512_vec;
  using mask = avx512_mask;
  static constexpr int width = 8;
  static vec exp(vec x) { return _ZGVeN8v_exp(x); }
  static vec log(vec x) { return _ZGVeN8v_log(x); }
  static vec log1p(vec x) { return _ZGVeN8v_log1p(x); }
  static vec expm1(vec x) { return _ZGVeN8v_expm1(x); }
  static bool all(mask m) {
    return _mm512_cmpneq_epi64_mask(reinterpret_cast<__m512i>(m), _mm512_setzero_si512()) == 0xFF;
  }
};
} // namespace

void loss_target_lanes_avx512(const prepared_law& p, const double* ln_t_eff, const double* ln_R,
                              std::int64_t n, const lane_output& out) {
  lanes<avx512>::loss_target(p, ln_t_eff, ln_R, n, out);
}

void budget_lanes_avx512(const prepared_law& p, const double* ln_t_eff, const double* ln_C,
                         std::int64_t n, const lane_output& out) {
  lanes<avx512>::budget(p, ln_t_eff, ln_C, n, out);
}

void regret_lanes_avx512(const prepared_law& p, const double* plan_delta, const double* best_delta,
                         const double* best_q, const double* best_one_minus_q, std::int64_t n,
                         double* regret) {
  lanes<avx512>::regret(p, plan_delta, best_delta, best_q, best_one_minus_q, n, regret);
}

void robust_lanes_avx512(const prepared_law& p, double ln_t_eff_low, double ln_t_eff_high,
                         const double* ln_R, std::int64_t n, const lane_output& out) {
  lanes<avx512>::robust(p, ln_t_eff_low, ln_t_eff_high, ln_R, n, out);
}

} // namespace scalesweep::simd
