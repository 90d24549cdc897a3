// Hardware scenarios (SPEC §1.3): a preset and/or explicit values, resolved to numbers and costs.
#pragma once

#include "scalesweep/math/cost_model.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace scalesweep {

struct train_side {
  std::string gpu; // preset name, or "custom" when peak_flops was given alone
  std::string dtype;
  double peak_flops; // dense FLOP/s at dtype
  double mfu;
  double usd_per_hour;
};

struct serve_side {
  std::string gpu;
  std::string dtype;
  double peak_flops;
  double prefill_mfu;
  double decode_mfu;
  double usd_per_hour;
  double input_tokens;  // per request
  double output_tokens; // per request

  double input_fraction() const { return input_tokens / (input_tokens + output_tokens); }
};

struct hardware_scenario {
  std::string name;
  std::string preset; // empty when fully specified
  train_side train;
  serve_side serve;
};

// What a config table or the flags say; unset fields come from the preset.
struct train_side_spec {
  std::optional<std::string> gpu, dtype;
  std::optional<double> peak_flops, mfu, usd_per_hour;
};

struct serve_side_spec {
  std::optional<std::string> gpu, dtype;
  std::optional<double> peak_flops, prefill_mfu, decode_mfu, usd_per_hour, input_tokens,
      output_tokens;
};

struct hardware_spec {
  std::string name;
  std::optional<std::string> preset;
  train_side_spec train;
  serve_side_spec serve;
};

// Turns a field path ("train.mfu") into the name the user wrote: a config key with its line, or
// a flag ("--train-mfu"). Errors then point at what to edit.
using field_namer = std::function<std::string(std::string_view field)>;

// Throws input_error naming the field and what is allowed. Ranges: MFUs in (0, 1], prices and
// peaks > 0, token counts >= 0 with a positive sum; a GPU preset must have the dtype.
hardware_scenario resolve_hardware(const hardware_spec& spec, const field_namer& name_of);

// Sardana et al. 2024 §6 cost per training and per inference FLOP, in USD.
cost_coefficients usd_cost_coefficients(const hardware_scenario& h);

} // namespace scalesweep
