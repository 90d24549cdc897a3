// The per-axis derived terms of a sweep (ln T, A N^-alpha, loss-target terms, ...), as host
// arrays: plan/sweep_terms.hpp computes them once from the plan; the CPU backend points its
// sweep_views into them and the CUDA backend copies them to the device.
#pragma once

#include "scalesweep/cells/sweep_views.hpp"

#include <vector>

namespace scalesweep {

struct sweep_terms {
  prepared_law law;
  std::vector<hardware_terms> hardware;
  std::vector<double> ln_T;
  std::vector<double> parameter_terms;
  std::vector<double> data_terms;
  std::vector<loss_target_terms> loss_targets;
  std::vector<double> ln_budget;
  std::vector<budget_model> budget_chinchilla; // [hardware][budget]
  // Empty without serving constraints.
  std::vector<serving_limit> serving_limits;         // [hardware]
  std::vector<loss_target_bound> loss_target_bounds; // [hardware][loss_target]
  std::vector<spread_terms> spreads;
  std::vector<regret_optimum> regret_optima; // [hardware][T][loss_target], for a regret grid only
  // The same, as regret_model_columns.
  std::vector<double> regret_N, regret_D, regret_cost, regret_delta, regret_q, regret_one_minus_q;
};

} // namespace scalesweep
