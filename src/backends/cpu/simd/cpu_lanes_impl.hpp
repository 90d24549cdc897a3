// The lane loops, once for every instruction set: the same solver templates as the scalar and CUDA
// paths, on pack<Isa>. Included by one file per ISA (cpu_lanes_avx2.cpp, cpu_lanes_avx512.cpp),
// each built with its ISA's flags. Such a file must only instantiate templates on its own pack
// type: a plain inline function used there would be emitted for that ISA and could be the copy
// the linker keeps for every other file.
#pragma once

#include "scalesweep/math/budget_optimum.hpp"
#include "scalesweep/math/demand_regret.hpp"
#include "scalesweep/math/loss_target_optimum.hpp"

#include "backends/cpu/simd/cpu_lanes.hpp"
#include "backends/cpu/simd/simd_pack.hpp"

#include <cstring>

namespace scalesweep::simd {

template <class Isa>
struct lanes {
  using real = pack<Isa>;
  static constexpr int width = Isa::width;

  // `width` inputs from `in` at i, the last one repeated past n (padding lanes are discarded).
  // A whole pack is one vector load: GCC keeps the lane loop's scalar loads and inserts otherwise.
  static real load(const double* in, std::int64_t i, std::int64_t n) {
    typename Isa::vec v;
    if (i + width <= n) {
      std::memcpy(&v, in + i, sizeof v);
      return v;
    }
    for (int l = 0; l < width; ++l) {
      v[l] = in[i + l < n ? i + l : n - 1];
    }
    return v;
  }

  static void store(double* out, std::int64_t i, std::int64_t n, real x) {
    if (i + width <= n) {
      std::memcpy(out + i, &x.v, sizeof x.v);
      return;
    }
    for (int l = 0; l < width && i + l < n; ++l) {
      out[i + l] = x.v[l];
    }
  }

  static void store(unsigned char* out, std::int64_t i, std::int64_t n, lane_mask<Isa> m) {
    for (int l = 0; l < width && i + l < n; ++l) {
      out[i + l] = m.m[l] != 0 ? 1 : 0;
    }
  }

  template <class Condition>
  static root_state<real> run_root_steps(const Condition& f, root_state<real> s) {
    for (int step = 0; step < lane_steps; ++step) {
      root_step(f, s);
    }
    return s;
  }

  static void loss_target(const prepared_law& p, const double* ln_t_eff, const double* ln_R,
                          std::int64_t n, const lane_output& out) {
    for (std::int64_t i = 0; i < n; i += width) {
      const real r = load(ln_R, i, n);
      const loss_target_setup<real> setup = setup_loss_target(p, r, load(ln_t_eff, i, n));
      const root_state<real> s = run_root_steps(setup.condition, setup.start);
      const log_point_of<real> x = loss_target_point(p, r, s.x);
      store(out.ln_N, i, n, x.ln_N);
      store(out.ln_D, i, n, x.ln_D);
      store(out.N, i, n, exp_of(x.ln_N));
      store(out.D, i, n, exp_of(x.ln_D));
      store(out.converged, i, n, s.done);
    }
  }

  static void budget(const prepared_law& p, const double* ln_t_eff, const double* ln_C,
                     std::int64_t n, const lane_output& out) {
    for (std::int64_t i = 0; i < n; i += width) {
      const budget_setup<real> setup = setup_budget(p, load(ln_C, i, n), load(ln_t_eff, i, n));
      const root_state<real> s = run_root_steps(setup.condition, setup.start);
      const log_point_of<real> x = budget_point(setup, s.x);
      const budget_model_of<real> m = budget_model_at(p.law, x);
      store(out.ln_N, i, n, x.ln_N);
      store(out.ln_D, i, n, x.ln_D);
      store(out.N, i, n, m.N);
      store(out.D, i, n, m.D);
      store(out.loss, i, n, m.loss);
      store(out.converged, i, n, s.done);
    }
  }

  static void regret(const prepared_law& p, const double* plan_delta, const double* best_delta,
                     const double* best_q, const double* best_one_minus_q, std::int64_t n,
                     double* out) {
    for (std::int64_t i = 0; i < n; i += width) {
      const optimum_share<real> best{load(best_delta, i, n), real(0.0), load(best_q, i, n),
                                     load(best_one_minus_q, i, n)};
      store(out, i, n, regret_of(p, load(plan_delta, i, n), best));
    }
  }

  static void robust(const prepared_law& p, double ln_t_eff_low, double ln_t_eff_high,
                     const double* ln_R, std::int64_t n, const lane_output& out) {
    for (std::int64_t i = 0; i < n; i += width) {
      const real r = load(ln_R, i, n);
      const share_deviation_setup<real> high = setup_share_deviation(p, r, real(ln_t_eff_high));
      const share_deviation_setup<real> low = setup_share_deviation(p, r, real(ln_t_eff_low));
      const root_state<real> h = run_root_steps(high.condition, high.start);
      const root_state<real> l = run_root_steps(low.condition, low.start);
      const robust_share<real> x =
          robust_share_of(p, optimum_share_of(p, h.x, false), optimum_share_of(p, l.x));
      const log_point_of<real> point = share_point(p, r, x.delta, x.complement);
      store(out.ln_N, i, n, point.ln_N);
      store(out.ln_D, i, n, point.ln_D);
      store(out.N, i, n, exp_of(point.ln_N));
      store(out.D, i, n, exp_of(point.ln_D));
      store(out.regret, i, n, x.regret);
      store(out.converged, i, n, both(h.done, l.done));
    }
  }
};

} // namespace scalesweep::simd
