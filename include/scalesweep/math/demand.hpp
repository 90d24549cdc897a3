// Inference demand of a cell: T tokens under one hardware scenario, as the solvers need it.
#pragma once

#include "scalesweep/math/cost_model.hpp"
#include "scalesweep/math/host_device.hpp"

#include <cmath>

namespace scalesweep {

// ln T, computed once per value of the T axis; -inf for T = 0 (the solvers branch on T first).
SCALESWEEP_HD double demand_log(double T) {
  return T > 0 ? std::log(T) : -HUGE_VAL;
}

struct demand {
  double T;        // lifetime inference tokens, in the objective's accounting
  double t_eff;    // T k_inference/k_train: the FLOP-objective demand with the same optimum
  double ln_t_eff; // ln t_eff (-inf when T = 0)
  bool valid;      // T finite and >= 0, coefficients finite and > 0
};

SCALESWEEP_HD demand make_demand(const hardware_terms& h, double T, double ln_T) {
  const bool valid = std::isfinite(T) && T >= 0 && std::isfinite(h.k.train) && h.k.train > 0 &&
                     std::isfinite(h.k.inference) && h.k.inference >= 0;
  return {T, effective_inference_tokens(h.k, T), ln_T + h.ln_inference_ratio, valid};
}

} // namespace scalesweep
