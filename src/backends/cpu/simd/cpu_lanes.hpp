// The CPU's SIMD lanes for the optimum solvers: the shared math templates run on four (AVX2) or
// eight (AVX-512) cells at once with libmvec's vector exp/log, a fixed number of root steps; a
// cell that has not converged by then, and any cell that needs no root, goes through the scalar
// path. Plain C++ interface; the instruction set is chosen at run time.
#pragma once

#include "scalesweep/math/law.hpp"

#include <cstdint>

namespace scalesweep::simd {

// The widest lanes this CPU runs: "avx512" (AVX-512F/DQ), "avx2" (AVX2 and FMA), or "" (none).
const char* lanes_isa();
inline bool lanes_available() {
  return *lanes_isa() != '\0';
}

// Root steps in the lanes; measured convergence takes at most 3 (tests/unit), so fallbacks are
// rare.
inline constexpr int lane_steps = 4;

struct lane_output {
  double* ln_N;
  double* ln_D;
  double* N;
  double* D;
  double* loss;             // budget lanes only
  unsigned char* converged; // 1 where the root converged within lane_steps
  double* regret = nullptr; // robust lanes only
};

// Loss-target optima of n cells, one demand (ln T_eff) and one ln R per cell: a sweep's row shares
// one demand, arrays solved in process (cell_arrays.hpp) need not. Every input must need the root
// (loss_target_needs_root); callers fill the others with a valid neighbour's.
void loss_target_lanes(const prepared_law& p, const double* ln_t_eff, const double* ln_R,
                       std::int64_t n, const lane_output& out);

// Budget optima of n cells, one demand and one ln C (training FLOPs) per cell, each needing the
// root (budget_needs_root).
void budget_lanes(const prepared_law& p, const double* ln_t_eff, const double* ln_C, std::int64_t n,
                  const lane_output& out);

// Robust models of n cells (one ln R per cell) over one demand range: the loss-target optima at
// its ends (ln T_eff - ln s and ln T_eff + ln s, lane_steps each, converged where both are), then
// robust_share_of's closed form; out.regret takes the largest regret. Every input must need both
// roots (robust_needs_roots).
void robust_lanes(const prepared_law& p, double ln_t_eff_low, double ln_t_eff_high,
                  const double* ln_R, std::int64_t n, const lane_output& out);

// Regrets of n cells in the share form (regret_of, docs/economics.md §4.2): cell j's plan is the
// share deviation plan_delta[j], its actual optimum (best_delta, best_q, best_one_minus_q)[j].
// No root: the lanes compute every cell.
void regret_lanes(const prepared_law& p, const double* plan_delta, const double* best_delta,
                  const double* best_q, const double* best_one_minus_q, std::int64_t n,
                  double* regret);

// The per-ISA implementations (cpu_lanes_avx2.cpp, cpu_lanes_avx512.cpp).
void loss_target_lanes_avx2(const prepared_law& p, const double* ln_t_eff, const double* ln_R,
                            std::int64_t n, const lane_output& out);
void budget_lanes_avx2(const prepared_law& p, const double* ln_t_eff, const double* ln_C,
                       std::int64_t n, const lane_output& out);
void loss_target_lanes_avx512(const prepared_law& p, const double* ln_t_eff, const double* ln_R,
                              std::int64_t n, const lane_output& out);
void budget_lanes_avx512(const prepared_law& p, const double* ln_t_eff, const double* ln_C,
                         std::int64_t n, const lane_output& out);
void regret_lanes_avx2(const prepared_law& p, const double* plan_delta, const double* best_delta,
                       const double* best_q, const double* best_one_minus_q, std::int64_t n,
                       double* regret);
void regret_lanes_avx512(const prepared_law& p, const double* plan_delta, const double* best_delta,
                         const double* best_q, const double* best_one_minus_q, std::int64_t n,
                         double* regret);
void robust_lanes_avx2(const prepared_law& p, double ln_t_eff_low, double ln_t_eff_high,
                       const double* ln_R, std::int64_t n, const lane_output& out);
void robust_lanes_avx512(const prepared_law& p, double ln_t_eff_low, double ln_t_eff_high,
                         const double* ln_R, std::int64_t n, const lane_output& out);

} // namespace scalesweep::simd
