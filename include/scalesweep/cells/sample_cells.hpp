// One sample-cell of an optimum problem under law uncertainty (SPEC §5.5): the plain problem's
// cell (problem_rows.hpp) with the terms that depend on the law made for the sample's law; under
// serving constraints the constrained problem's cell. The CUDA kernels of the sample axis call
// these per thread; the CPU makes the same terms once per piece of cells and runs the plain rows on
// its SIMD lanes (backends/cpu/sample_tiles.cpp).
#pragma once

#include "scalesweep/cells/problem_rows.hpp"
#include "scalesweep/cells/sweep_views.hpp"
#include "scalesweep/math/host_device.hpp"

#include <cstdint>
#include <vector>

namespace scalesweep {

// What the sample axis adds to a sweep's views: one law per sample, and the quantile levels.
struct sample_inputs {
  std::vector<prepared_law> laws;
  std::vector<double> quantiles;    // ascending, in [0, 1]
  std::vector<double> loss_targets; // the loss_target axis' values (their terms depend on the law)
};

// Under serving constraints, the model on the bound of this target under this law at hardware h
// (make_loss_target_bound); unused without constraints.
SCALESWEEP_HD loss_target_bound sample_target_bound(const prepared_law& law, const sweep_views& v,
                                                    std::int64_t h,
                                                    const loss_target_terms& target) {
  return v.serving_limits != nullptr ? make_loss_target_bound(law, target, v.serving_limits[h])
                                     : loss_target_bound{};
}

// The loss-target optimum at hardware h, demand T[t] and loss target `loss_target` under `law`,
// stored as element i of `out` (loss_target_columns).
SCALESWEEP_HD void loss_target_sample_cell(const prepared_law& law, const sweep_views& v,
                                           std::int64_t h, std::int64_t t, double loss_target,
                                           std::int64_t i, const tile_columns& out) {
  const hardware_terms& hardware = v.hardware[h];
  const loss_target_terms target = make_loss_target_terms(law, loss_target);
  const loss_target_bound bound = sample_target_bound(law, v, h, target);
  problem_rows<problem_kind::loss_target>::store(
      loss_target_cell_under(law, hardware, make_demand(hardware, v.T[t], v.ln_T[t]), target,
                             v.serving_limits != nullptr ? &bound : nullptr),
      i, out);
}

// The budget optimum at hardware h, demand T[t] and budget b under `law`, as element i of `out`
// (budget_columns).
SCALESWEEP_HD void budget_sample_cell(const prepared_law& law, const sweep_views& v, std::int64_t h,
                                      std::int64_t t, std::int64_t b, std::int64_t i,
                                      const tile_columns& out) {
  const hardware_terms& hardware = v.hardware[h];
  const budget_terms terms = make_budget_terms(hardware, v.budget[b], v.ln_budget[b]);
  problem_rows<problem_kind::budget>::store(
      budget_cell_under(law, hardware, terms, budget_chinchilla(law, terms),
                        make_demand(hardware, v.T[t], v.ln_T[t]),
                        v.serving_limits != nullptr ? v.serving_limits + h : nullptr),
      i, out);
}

// The robust model at hardware h, spread sp, demand T[t] and loss target `loss_target` under
// `law` (its endpoint optima and their regrets are that law's), as element i of `out`
// (robust_columns).
SCALESWEEP_HD void robust_sample_cell(const prepared_law& law, const sweep_views& v, std::int64_t h,
                                      std::int64_t sp, std::int64_t t, double loss_target,
                                      std::int64_t i, const tile_columns& out) {
  const hardware_terms& hardware = v.hardware[h];
  const loss_target_terms target = make_loss_target_terms(law, loss_target);
  const loss_target_bound bound = sample_target_bound(law, v, h, target);
  problem_rows<problem_kind::robust>::store(
      constrained_robust_cell_result(law, make_demand(hardware, v.T[t], v.ln_T[t]), target,
                                     v.spreads[sp], v.serving_limits != nullptr ? &bound : nullptr),
      i, out);
}

// The regret at hardware h of the model planned for T[tp] once the demand is T[t], at loss target
// `loss_target` under `law`: both models are that law's optima (under serving constraints the
// constrained ones), solved here rather than read from the plain grid's table of optima, which
// holds the point law's. Element i of `out` (regret_columns).
SCALESWEEP_HD void regret_sample_cell(const prepared_law& law, const sweep_views& v, std::int64_t h,
                                      std::int64_t tp, std::int64_t t, double loss_target,
                                      std::int64_t i, const tile_columns& out) {
  const hardware_terms& hardware = v.hardware[h];
  const loss_target_terms target = make_loss_target_terms(law, loss_target);
  const loss_target_bound bound = sample_target_bound(law, v, h, target);
  const loss_target_bound* on = v.serving_limits != nullptr ? &bound : nullptr;
  const demand actual = make_demand(hardware, v.T[t], v.ln_T[t]);
  problem_rows<problem_kind::regret>::store(
      constrained_regret_cell(
          law,
          constrained_regret_optimum(law, target, make_demand(hardware, v.T[tp], v.ln_T[tp]), on),
          constrained_regret_optimum(law, target, actual, on), actual.t_eff),
      i, out);
}

} // namespace scalesweep
