// Hardware scenarios (SPEC §1.3): a preset and/or explicit values, resolved to numbers and costs.
// Each side's fields are listed once (train_fields, serve_fields): config parsing, the `optimum`
// flags, the result attributes and the JSON reports iterate those tables.
#pragma once

#include "scalesweep/math/cost_model.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace scalesweep {

// How a side holds its values: resolved (every value known) or given (std::optional: what a
// config table, the flags or a preset say; unset values come from the preset).
template <class T>
using resolved = T;

// Adding a field to a side: its member below, its row in the side's table, its value in each
// preset (presets.cpp). Members are in table order, which is the order of the config's keys in
// messages and of the result attributes.
template <template <class> class Hold>
struct train_values {
  Hold<std::string> gpu; // preset name, or "custom" when peak_flops was given alone
  Hold<std::string> dtype;
  Hold<double> peak_flops; // dense FLOP/s at dtype; unset in presets: the GPU preset's
  Hold<double> mfu;
  Hold<double> usd_per_hour;
};

template <template <class> class Hold>
struct serve_values {
  Hold<std::string> gpu;
  Hold<std::string> dtype;
  Hold<double> peak_flops;
  Hold<double> prefill_mfu;
  Hold<double> decode_mfu;
  Hold<double> usd_per_hour;
  Hold<double> input_tokens;  // per request; only the ratio to output_tokens matters
  Hold<double> output_tokens; // per request

  double input_fraction() const { return input_tokens / (input_tokens + output_tokens); }
};

using train_side = train_values<resolved>;
using serve_side = serve_values<resolved>;
using train_side_spec = train_values<std::optional>;
using serve_side_spec = serve_values<std::optional>;

// What a value must be, and where it comes from when not given.
enum class field_rule {
  gpu,          // a GPU preset's name; default: the hardware preset's
  dtype,        // a dtype the GPU has a dense peak for; default: the hardware preset's
  peak,         // FLOP/s, finite and > 0; default: the GPU preset's peak at the dtype
  fraction,     // in (0, 1]; default: the hardware preset's
  positive,     // finite and > 0; default: the hardware preset's
  non_negative, // finite and >= 0; default: the hardware preset's
};

// The `optimum` flags group a field's flag belongs to: the token split per request is given with
// the demand (--requests R --input-tokens I --output-tokens O).
enum class flag_group { hardware, demand };

// One field of a side, for a side held as Values<Hold>: exactly one of `text` and `number` is set.
template <template <class> class Hold, template <template <class> class> class Values>
struct side_field {
  std::string_view key;  // config key in [hardware.train] / [hardware.serve], JSON key
  std::string_view flag; // `optimum` flag
  std::string_view help; // the flag's help
  std::string_view unit; // of a number ("1" for ratios), as result_schema.json gives it; empty
                         // for text
  field_rule rule;
  flag_group group;
  Hold<std::string> Values<Hold>::*text;
  Hold<double> Values<Hold>::*number;
};

// The tables, one row per field (instantiated for resolved and given values alike, so that row i
// names the same field in both).
template <template <class> class Hold>
inline constexpr side_field<Hold, train_values> train_fields[] = {
    {"gpu", "--train-gpu", "Training GPU preset", "", field_rule::gpu, flag_group::hardware,
     &train_values<Hold>::gpu, nullptr},
    {"dtype", "--train-dtype", "Training dtype (bf16, fp16, fp8, ...)", "", field_rule::dtype,
     flag_group::hardware, &train_values<Hold>::dtype, nullptr},
    {"peak_flops", "--train-peak-flops", "Training dense peak FLOP/s (instead of a GPU preset)",
     "FLOP/s", field_rule::peak, flag_group::hardware, nullptr, &train_values<Hold>::peak_flops},
    {"mfu", "--train-mfu", "Training MFU in (0, 1]", "1", field_rule::fraction,
     flag_group::hardware, nullptr, &train_values<Hold>::mfu},
    {"usd_per_hour", "--train-usd-per-hour", "Training $ per GPU-hour", "USD/h",
     field_rule::positive, flag_group::hardware, nullptr, &train_values<Hold>::usd_per_hour},
};

template <template <class> class Hold>
inline constexpr side_field<Hold, serve_values> serve_fields[] = {
    {"gpu", "--serve-gpu", "Serving GPU preset", "", field_rule::gpu, flag_group::hardware,
     &serve_values<Hold>::gpu, nullptr},
    {"dtype", "--serve-dtype", "Serving dtype", "", field_rule::dtype, flag_group::hardware,
     &serve_values<Hold>::dtype, nullptr},
    {"peak_flops", "--serve-peak-flops", "Serving dense peak FLOP/s (instead of a GPU preset)",
     "FLOP/s", field_rule::peak, flag_group::hardware, nullptr, &serve_values<Hold>::peak_flops},
    {"prefill_mfu", "--prefill-mfu", "Prefill MFU in (0, 1]", "1", field_rule::fraction,
     flag_group::hardware, nullptr, &serve_values<Hold>::prefill_mfu},
    {"decode_mfu", "--decode-mfu", "Decode MFU in (0, 1]", "1", field_rule::fraction,
     flag_group::hardware, nullptr, &serve_values<Hold>::decode_mfu},
    {"usd_per_hour", "--serve-usd-per-hour", "Serving $ per GPU-hour", "USD/h",
     field_rule::positive, flag_group::hardware, nullptr, &serve_values<Hold>::usd_per_hour},
    {"input_tokens", "--input-tokens", "Input tokens per request I", "tokens",
     field_rule::non_negative, flag_group::demand, nullptr, &serve_values<Hold>::input_tokens},
    {"output_tokens", "--output-tokens", "Output tokens per request O", "tokens",
     field_rule::non_negative, flag_group::demand, nullptr, &serve_values<Hold>::output_tokens},
};

// The two sides, for code that handles both alike: the side's name (its config table), its
// tables, and its part of any value with .train and .serve members (scenario, spec, preset).
template <bool Serve>
struct side_info {
  static constexpr std::string_view name = Serve ? "serve" : "train";
  static constexpr const auto& resolved_fields() {
    if constexpr (Serve) {
      return serve_fields<resolved>;
    } else {
      return train_fields<resolved>;
    }
  }
  static constexpr const auto& given_fields() {
    if constexpr (Serve) {
      return serve_fields<std::optional>;
    } else {
      return train_fields<std::optional>;
    }
  }
  template <class Whole>
  static constexpr auto& of(Whole& whole) {
    if constexpr (Serve) {
      return whole.serve;
    } else {
      return whole.train;
    }
  }
};

// Calls visit(side_info<false>{}) for the train side, then visit(side_info<true>{}) for serve.
template <class Visit>
void for_each_hardware_side(Visit&& visit) {
  visit(side_info<false>{});
  visit(side_info<true>{});
}

struct hardware_scenario {
  std::string name;
  std::string preset; // empty when fully specified
  train_side train;
  serve_side serve;
};

// What a config table or the flags say; unset fields come from the preset.
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
