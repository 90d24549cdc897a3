// The lanes for AVX2: four doubles, glibc's libmvec AVX2 exp/log/log1p/expm1 (<= 4 ulp). Built with
// -mavx2 -mfma.
#include "backends/cpu/simd/cpu_lanes_impl.hpp"

#include <immintrin.h>

namespace scalesweep::simd {

namespace {
typedef double avx2_vec __attribute__((vector_size(32)));
typedef long avx2_mask __attribute__((vector_size(32)));
extern "C" avx2_vec _ZGVdN4v_exp(avx2_vec);   // NOLINT(bugprone-reserved-identifier)
extern "C" avx2_vec _ZGVdN4v_log(avx2_vec);   // NOLINT(bugprone-reserved-identifier)
extern "C" avx2_vec _ZGVdN4v_log1p(avx2_vec); // NOLINT(bugprone-reserved-identifier)
extern "C" avx2_vec _ZGVdN4v_expm1(avx2_vec); // NOLINT(bugprone-reserved-identifier)

struct avx2 {
  using vec = avx2_vec;
  using mask = avx2_mask;
  static constexpr int width = 4;
  static vec exp(vec x) { return _ZGVdN4v_exp(x); }
  static vec log(vec x) { return _ZGVdN4v_log(x); }
  static vec log1p(vec x) { return _ZGVdN4v_log1p(x); }
  static vec expm1(vec x) { return _ZGVdN4v_expm1(x); }
  static bool all(mask m) { return _mm256_movemask_pd(reinterpret_cast<__m256d>(m)) == 0xF; }
};
} // namespace

void loss_target_lanes_avx2(const prepared_law& p, const double* ln_t_eff, const double* ln_R,
                            std::int64_t n, const lane_output& out) {
  lanes<avx2>::loss_target(p, ln_t_eff, ln_R, n, out);
}

void budget_lanes_avx2(const prepared_law& p, const double* ln_t_eff, const double* ln_C,
                       std::int64_t n, const lane_output& out) {
  lanes<avx2>::budget(p, ln_t_eff, ln_C, n, out);
}

void regret_lanes_avx2(const prepared_law& p, const double* plan_delta, const double* best_delta,
                       const double* best_q, const double* best_one_minus_q, std::int64_t n,
                       double* regret) {
  lanes<avx2>::regret(p, plan_delta, best_delta, best_q, best_one_minus_q, n, regret);
}

void robust_lanes_avx2(const prepared_law& p, double ln_t_eff_low, double ln_t_eff_high,
                       const double* ln_R, std::int64_t n, const lane_output& out) {
  lanes<avx2>::robust(p, ln_t_eff_low, ln_t_eff_high, ln_R, n, out);
}

} // namespace scalesweep::simd
