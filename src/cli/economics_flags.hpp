// The flags `optimum` and `eval` share: the law, the inference demand, the objective with its
// hardware scenario, and the serving constraints; read into one economics question.
#pragma once

#include "scalesweep/math/law.hpp"
#include "scalesweep/math/serving_constraints.hpp"

#include "app/json_writer.hpp"
#include "plan/config.hpp"
#include "plan/hardware.hpp"
#include "plan/objective.hpp"
#include "plan/serving_limits.hpp"

#include <CLI/CLI.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace scalesweep::cli {

struct economics_options {
  std::string law;
  scaling_law constants{}; // --E --A --B --alpha --beta (law_constants)
  double inference_tokens = 0, requests = 0;
  std::string objective = "flops";
  std::string hardware;
  // The --train-* / --serve-* flags (hardware.hpp's tables); serve's token split comes with the
  // demand flags --input-tokens and --output-tokens.
  train_side train{};
  serve_side serve{};
  // The constraint flags (serving_limits.hpp's table); `memory` and `latency` are set from
  // --fit-memory and --max-seconds-per-token when the question is read.
  serving_constraints constraints = default_serving_constraints;
  std::map<std::string, CLI::Option*> flags; // by flag name, to ask which were given
};

bool given(const economics_options& o, std::string_view flag);

// The law, demand, objective, hardware and constraint flags, bound to `o`.
void add_economics_flags(CLI::App* app, economics_options& o);

struct demand_spec {
  double T;
  bool from_requests; // T = R (I + O): the scenario's token split is the flags'
};

struct economics_question {
  law_spec law;
  objective_kind objective;
  demand_spec d;
  std::optional<hardware_scenario> hw;
  cost_coefficients k;
  std::string units;
  std::optional<serving_limit> limit; // when a constraint flag was given
};

// Resolves and checks the flags (input_error naming the flag and the allowed values).
economics_question read_economics(const economics_options& o);

// A model's figures under the question's law, objective and demand.
struct model_figures {
  double N, D, tokens_per_param, loss, cost, train_flops, inference_flops, train_cost, serve_cost;
};

// The figures by name, for the overflow warning.
inline constexpr std::pair<const char*, double model_figures::*> figure_names[] = {
    {"N", &model_figures::N},
    {"D", &model_figures::D},
    {"loss", &model_figures::loss},
    {"cost", &model_figures::cost},
    {"train_flops", &model_figures::train_flops},
    {"inference_flops", &model_figures::inference_flops},
    {"train_cost", &model_figures::train_cost},
    {"serve_cost", &model_figures::serve_cost}};

// Tokens per parameter and the cost's parts from the functions that fill the result files' opt_*,
// chinchilla_* and budget_* variables, so the two agree.
model_figures figures(const scaling_law& law, const cost_coefficients& k, double N, double D,
                      double T);

// "N", "D", "loss", "cost", ... (fields of the open object).
void write_figures(json_writer& j, const model_figures& f);

// "law": {...} and, under a hardware objective, "hardware": {...} with the cost per FLOP.
void write_law_and_hardware(json_writer& j, const economics_question& q);

// "constraint": {"N_max": ..., "binding": "memory" | "latency" | null, verdict} (N_max null
// without a bound); `binding` says whether the bound setting N_max limits this model (else null);
// the verdict is a named yes/no ("fits", "chinchilla_fits").
void write_constraint(json_writer& j, const economics_question& q, bool binding,
                      const std::pair<const char*, bool>& verdict);

} // namespace scalesweep::cli
