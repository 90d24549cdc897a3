// Hardware scenarios (SPEC §1.3): a preset and/or explicit values, resolved to numbers and costs.
// Each side's fields are listed once (train_fields, serve_fields): config parsing, the `optimum`
// flags, the result attributes and the JSON reports iterate those tables.
#pragma once

#include "scalesweep/math/cost_model.hpp"

#include "plan/objective.hpp"

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
  // The energy fields (SPEC §5.1), left unset by the presets ({}): their defaults are the GPU
  // preset's board power in W, PUE 1 (facility / IT energy), and no grid intensity (0 once
  // resolved: unset; objective co2 needs one).
  Hold<double> power_w{};
  Hold<double> pue{};
  Hold<double> gco2_per_kwh{};
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
  Hold<double> power_w{};     // as train_values'
  Hold<double> pue{};
  Hold<double> gco2_per_kwh{};

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
  power,        // W, finite and > 0; default: the hardware preset's, else the GPU preset's board
                // power (0, unset, for a GPU without a preset: energy and co2 refuse it)
  pue,          // finite and >= 1; default: the hardware preset's, else 1 (IT energy only)
  intensity,    // gCO2e/kWh, finite and > 0; default: the hardware preset's, else 0 (unset:
                // objective co2 refuses it)
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
  // A config may sweep it: `key = { values = [...] }` makes one scenario per value (config.cpp).
  // Prices, MFUs, the token split and the energy figures; not the GPU, dtype or peak, which name
  // other hardware.
  bool sweepable;
  Hold<std::string> Values<Hold>::*text;
  Hold<double> Values<Hold>::*number;
};

// The tables, one row per field (instantiated for resolved and given values alike, so that row i
// names the same field in both).
template <template <class> class Hold>
inline constexpr side_field<Hold, train_values> train_fields[] = {
    {"gpu", "--train-gpu", "Training GPU preset", "", field_rule::gpu, flag_group::hardware, false,
     &train_values<Hold>::gpu, nullptr},
    {"dtype", "--train-dtype", "Training dtype (bf16, fp16, fp8, ...)", "", field_rule::dtype,
     flag_group::hardware, false, &train_values<Hold>::dtype, nullptr},
    {"peak_flops", "--train-peak-flops", "Training dense peak FLOP/s (instead of a GPU preset)",
     "FLOP/s", field_rule::peak, flag_group::hardware, false, nullptr,
     &train_values<Hold>::peak_flops},
    {"mfu", "--train-mfu", "Training MFU in (0, 1]", "1", field_rule::fraction,
     flag_group::hardware, true, nullptr, &train_values<Hold>::mfu},
    {"usd_per_hour", "--train-usd-per-hour", "Training $ per GPU-hour", "USD/h",
     field_rule::positive, flag_group::hardware, true, nullptr, &train_values<Hold>::usd_per_hour},
    {"power_w", "--train-power-w", "Training power per GPU in W (default: board power)", "W",
     field_rule::power, flag_group::hardware, true, nullptr, &train_values<Hold>::power_w},
    {"pue", "--train-pue", "Training data centre PUE, >= 1 (default 1)", "1", field_rule::pue,
     flag_group::hardware, true, nullptr, &train_values<Hold>::pue},
    {"gco2_per_kwh", "--train-gco2-per-kwh", "Training grid intensity in gCO2e/kWh (co2)",
     "g/(kW.h)", field_rule::intensity, flag_group::hardware, true, nullptr,
     &train_values<Hold>::gco2_per_kwh},
};

template <template <class> class Hold>
inline constexpr side_field<Hold, serve_values> serve_fields[] = {
    {"gpu", "--serve-gpu", "Serving GPU preset", "", field_rule::gpu, flag_group::hardware, false,
     &serve_values<Hold>::gpu, nullptr},
    {"dtype", "--serve-dtype", "Serving dtype", "", field_rule::dtype, flag_group::hardware, false,
     &serve_values<Hold>::dtype, nullptr},
    {"peak_flops", "--serve-peak-flops", "Serving dense peak FLOP/s (instead of a GPU preset)",
     "FLOP/s", field_rule::peak, flag_group::hardware, false, nullptr,
     &serve_values<Hold>::peak_flops},
    {"prefill_mfu", "--prefill-mfu", "Prefill MFU in (0, 1]", "1", field_rule::fraction,
     flag_group::hardware, true, nullptr, &serve_values<Hold>::prefill_mfu},
    {"decode_mfu", "--decode-mfu", "Decode MFU in (0, 1]", "1", field_rule::fraction,
     flag_group::hardware, true, nullptr, &serve_values<Hold>::decode_mfu},
    {"usd_per_hour", "--serve-usd-per-hour", "Serving $ per GPU-hour", "USD/h",
     field_rule::positive, flag_group::hardware, true, nullptr, &serve_values<Hold>::usd_per_hour},
    {"input_tokens", "--input-tokens", "Input tokens per request I", "tokens",
     field_rule::non_negative, flag_group::demand, true, nullptr,
     &serve_values<Hold>::input_tokens},
    {"output_tokens", "--output-tokens", "Output tokens per request O", "tokens",
     field_rule::non_negative, flag_group::demand, true, nullptr,
     &serve_values<Hold>::output_tokens},
    {"power_w", "--serve-power-w", "Serving power per GPU in W (default: board power)", "W",
     field_rule::power, flag_group::hardware, true, nullptr, &serve_values<Hold>::power_w},
    {"pue", "--serve-pue", "Serving data centre PUE, >= 1 (default 1)", "1", field_rule::pue,
     flag_group::hardware, true, nullptr, &serve_values<Hold>::pue},
    {"gco2_per_kwh", "--serve-gco2-per-kwh", "Serving grid intensity in gCO2e/kWh (co2)",
     "g/(kW.h)", field_rule::intensity, flag_group::hardware, true, nullptr,
     &serve_values<Hold>::gco2_per_kwh},
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

// Throws input_error, naming the field with `name_of`, when the objective needs a value the
// scenario lacks: each side's power (energy, co2; a GPU without a preset has no board power) and
// grid intensity (co2).
void check_objective_fields(objective_kind objective, const hardware_scenario& h,
                            const field_namer& name_of);

// Cost per training and per inference FLOP under an objective (flops: {1, 1}; usd: Sardana et
// al. 2024 §6; energy in kWh and co2 in kg CO2e: SPEC §5.1), from the scenario's GPU-seconds per
// FLOP and each side's rate per GPU-second. Throws input_error for a missing value
// (check_objective_fields, fields named by path) and for coefficients outside double range.
cost_coefficients cost_coefficients_of(objective_kind objective, const hardware_scenario& h);
// Each side's fields in table order, "train H100-SXM bf16, peak_flops 9.89e+14 FLOP/s, mfu 0.5,
// ...; serve ...", values with their units; unset powers and intensities (0) left out. For text
// reports.
std::string describe_sides(const hardware_scenario& h);

// The tokens of one request, I + O: finite and > 0, since the prefill/decode split divides by
// it (9e307 + 9e307 overflows to inf and would price every token as decode). Throws input_error
// naming the two fields as the user wrote them ("--input-tokens", "cfg.toml:9:1:
// hardware[0].serve.input_tokens"). Every reader of a token split calls it: resolve_hardware
// (configs and the `optimum` flags alike) and the demand flags.
double tokens_per_request(double input_tokens, double output_tokens, const std::string& input_name,
                          const std::string& output_name);

// The lifetime inference tokens of `requests` requests of `per_request` tokens each, T = R (I+O):
// throws input_error when the product overflows.
double demand_of_requests(double requests, double per_request, const std::string& what);

// cost_coefficients_of(objective_kind::usd, h).
cost_coefficients usd_cost_coefficients(const hardware_scenario& h);

} // namespace scalesweep
