// Lifetime cost of a model: k_train * 6ND + k_inference * 2NT, in the objective's unit (SPEC §1.2).
#pragma once

#include "scalesweep/math/host_device.hpp"

#include <cmath>

namespace scalesweep {

// Cost per training FLOP and per inference FLOP. Objective `flops` is {1, 1}; `usd`, `energy` and
// `co2` are built by gpu_time_cost_coefficients. Every objective has this form, so one solver
// serves all of them.
struct cost_coefficients {
  double train;
  double inference;
};

SCALESWEEP_HD double training_flops(double N, double D) {
  return 6.0 * N * D;
}
SCALESWEEP_HD double inference_flops(double N, double T) {
  return 2.0 * N * T;
}

SCALESWEEP_HD double training_cost(const cost_coefficients& k, double N, double D) {
  return k.train * training_flops(N, D);
}
SCALESWEEP_HD double inference_cost(const cost_coefficients& k, double N, double T) {
  return k.inference * inference_flops(N, T);
}
// Training plus serving; dense kernels pass a row's inference cost computed once.
SCALESWEEP_HD double lifetime_cost_of_parts(double training, double inference) {
  return training + inference;
}
SCALESWEEP_HD double lifetime_cost(const cost_coefficients& k, double N, double D, double T) {
  return lifetime_cost_of_parts(training_cost(k, N, D), inference_cost(k, N, T));
}

// Training tokens per parameter, D/N (Chinchilla's "20 tokens per parameter").
SCALESWEEP_HD double tokens_per_parameter(double N, double D) {
  return D / N;
}

// A model's lifetime cost and its two parts, in the objective's unit: what result files store
// beside each optimum (SPEC §5.6) and what `optimum --json` prints, from the same function.
struct cost_split {
  double train;
  double serve;
  double total;
};

SCALESWEEP_HD cost_split lifetime_cost_split(const cost_coefficients& k, double N, double D,
                                             double T) {
  const double train = training_cost(k, N, D);
  const double serve = inference_cost(k, N, T);
  return {train, serve, lifetime_cost_of_parts(train, serve)};
}

// The cost optimum under k equals the FLOP optimum at T_eff = T * k_inference / k_train (SPEC
// §1.2).
SCALESWEEP_HD double effective_inference_tokens(const cost_coefficients& k, double T) {
  return T * (k.inference / k.train);
}

// A budget in the objective's unit, expressed in training-FLOP units: k_train (6ND + 2N T_eff) = C.
SCALESWEEP_HD double budget_in_training_flops(const cost_coefficients& k, double budget) {
  return budget / k.train;
}

// How a scenario turns FLOPs into GPU-seconds (Sardana et al. 2024, §6): a phase's FLOPs divided by
// (MFU * dense peak FLOP/s at its dtype). Inference tokens split into prefill (input) and decode
// (output) by input_fraction, each at its own MFU on the serving GPU.
struct gpu_time_profile {
  double train_mfu;
  double train_peak_flops;
  double prefill_mfu;
  double decode_mfu;
  double serve_peak_flops;
  double input_fraction;
};

// What one GPU-second costs on each side, in the objective's unit: $ (usd), kWh (energy), kg CO2e
// (co2); math/objective_rates.hpp builds them (SPEC §1.2, §5.1).
struct gpu_second_rates {
  double train;
  double serve;
};

// The one formula behind every hardware objective: cost per FLOP = rate per GPU-second x
// GPU-seconds per FLOP. usd, energy and co2 differ only in their rates.
SCALESWEEP_HD cost_coefficients gpu_time_cost_coefficients(const gpu_time_profile& g,
                                                           const gpu_second_rates& rate) {
  const double per_prefill_flop = 1.0 / (g.prefill_mfu * g.serve_peak_flops);
  const double per_decode_flop = 1.0 / (g.decode_mfu * g.serve_peak_flops);
  return {rate.train / (g.train_mfu * g.train_peak_flops),
          rate.serve *
              (g.input_fraction * per_prefill_flop + (1.0 - g.input_fraction) * per_decode_flop)};
}

// A hardware scenario's coefficients with the logs the solvers need, computed once per sweep.
struct hardware_terms {
  cost_coefficients k;
  double ln_train;           // ln k_train
  double ln_inference_ratio; // ln(k_inference / k_train): ln T_eff = ln T + this
};

SCALESWEEP_HD hardware_terms make_hardware_terms(const cost_coefficients& k) {
  return {k, std::log(k.train), std::log(k.inference / k.train)};
}

} // namespace scalesweep
