// Resolves hardware scenarios from presets and overrides, with range checks shared by config and
// flags.
#include "plan/hardware.hpp"

#include "scalesweep/error.hpp"
#include "scalesweep/math/objective_rates.hpp"

#include "common/text_format.hpp"
#include "common/untrusted_text.hpp"
#include "plan/presets.hpp"

#include <cmath>
#include <iterator>

namespace scalesweep {

namespace {

class side_resolver {
public:
  side_resolver(const field_namer& name_of, std::string side, bool has_preset)
      : m_name_of(name_of), m_side(std::move(side)), m_has_preset(has_preset) {}

  std::string field(std::string_view key) const {
    return m_name_of(m_side + "." + std::string(key));
  }
  // The name alone, without a config's FILE:LINE:COL: for hints about a key to add.
  std::string bare_field(std::string_view key) const {
    const std::string f = field(key);
    const std::size_t at = f.rfind(": ");
    return at == std::string::npos ? f : f.substr(at + 2);
  }

  // A value given, else the preset's.
  double number(const std::optional<double>& given, const std::optional<double>& preset_value,
                std::string_view key) const {
    if (given) {
      return *given;
    }
    require_preset(key);
    return preset_value.value_or(NAN); // every preset sets each number (peak_flops aside: a test)
  }

  // A value given, else the preset's, else the rule's default: the board power of the side's GPU
  // preset (power; 0, unset, for a GPU without a preset), 1 (pue), 0 (intensity: unset). 0 is
  // never a valid power or intensity, so it marks "not given" unambiguously, and unlike NaN it
  // compares equal to itself in attributes that merge and resume compare.
  double number_or_default(const std::optional<double>& given,
                           const std::optional<double>& preset_value, field_rule rule,
                           const std::string& gpu) const {
    if (given || preset_value) {
      return given ? *given : *preset_value;
    }
    switch (rule) {
    case field_rule::power: {
      const gpu_preset* g = find_gpu_preset(gpu);
      return g != nullptr ? g->board_power_w : 0.0;
    }
    case field_rule::pue:
      return 1.0;
    default:
      return 0.0;
    }
  }

  static bool has_default(field_rule rule) {
    return rule == field_rule::power || rule == field_rule::pue || rule == field_rule::intensity;
  }

  // Throws unless `v` obeys `rule` (the numeric rules of hardware.hpp's field_rule).
  void check(double v, field_rule rule, std::string_view key) const {
    switch (rule) {
    case field_rule::fraction:
      check_fraction(v, key);
      return;
    case field_rule::non_negative:
      check_non_negative(v, key);
      return;
    case field_rule::pue:
      if (!(std::isfinite(v) && v >= 1)) {
        throw input_error(field(key) + " = " + format_number(v) + " must be finite and >= 1",
                          "PUE is facility energy over IT energy: 1 counts the GPUs alone, "
                          "typical data centres report 1.1 to 1.6");
      }
      return;
    default:
      check_positive(v, key);
      return;
    }
  }

  void require_preset(std::string_view key) const {
    if (!m_has_preset) {
      throw input_error(field(key) + " is required when no preset is given",
                        "set it, or start from a hardware preset such as " +
                            std::string(default_hardware_preset) + " (see `scalesweep presets`)");
    }
  }

  void check_fraction(double v, std::string_view key) const {
    if (!(v > 0 && v <= 1)) {
      // Decoding is memory-bound: its utilisation is far below training's and prefill's.
      const bool decode = key.find("decode") != std::string_view::npos;
      throw input_error(field(key) + " = " + format_number(v) + " is outside (0, 1]",
                        std::string("MFU is the fraction of the dense peak achieved; ") +
                            (decode ? "the reference decode value is 0.01"
                                    : "the reference training and prefill value is 0.5"));
    }
  }

  void check_positive(double v, std::string_view key) const {
    if (!(std::isfinite(v) && v > 0)) {
      throw input_error(field(key) + " = " + format_number(v) + " must be finite and > 0");
    }
  }

  void check_non_negative(double v, std::string_view key) const {
    if (!(std::isfinite(v) && v >= 0)) {
      throw input_error(field(key) + " = " + format_number(v) + " must be finite and >= 0");
    }
  }

  // GPU label and peak FLOP/s: an explicit peak wins; then a peak the hardware preset itself
  // sets (a source that quotes another figure than the GPU's datasheet), unless the GPU or dtype
  // were given instead; otherwise the GPU preset at the dtype. The fields of rules gpu, dtype and
  // peak, which every side has under these names.
  template <class Given, class Resolved>
  void gpu_and_peak(const Given& given, const Given& preset, Resolved& out) const {
    const std::string preset_gpu = preset.gpu.value_or("");
    const bool preset_peak = m_has_preset && preset.peak_flops && !given.gpu && !given.dtype;
    const std::optional<double>& peak = given.peak_flops ? given.peak_flops
                                        : preset_peak    ? preset.peak_flops
                                                         : std::optional<double>{};
    std::string& gpu_out = out.gpu;
    std::string& dtype_out = out.dtype;
    gpu_out = given.gpu ? *given.gpu : (m_has_preset && !peak ? preset_gpu : std::string{});
    dtype_out =
        given.dtype ? *given.dtype : (m_has_preset ? preset.dtype.value_or("") : std::string{});
    if (peak) {
      check_positive(*peak, "peak_flops");
      out.peak_flops = *peak;
      if (gpu_out.empty()) {
        gpu_out = m_has_preset ? preset_gpu : "custom";
      }
      if (dtype_out.empty()) {
        dtype_out = "custom";
      }
      return;
    }
    if (gpu_out.empty()) {
      require_preset("gpu");
    }
    const gpu_preset* g = find_gpu_preset(gpu_out);
    if (g == nullptr) {
      throw input_error(field("gpu") + ": unknown GPU '" + shown_token(gpu_out) + "'" +
                            gpu_preset_suggestion(gpu_out) + "; allowed: " + gpu_preset_names(),
                        "or give " + bare_field("peak_flops") +
                            " (dense FLOP/s) for a GPU without a preset");
    }
    if (dtype_out.empty()) {
      throw input_error(field("dtype") + " is required; " + gpu_out + " has: " + g->dtype_list());
    }
    const std::optional<double> p = g->peak(dtype_out);
    if (!p) {
      throw input_error(field("dtype") + ": " + gpu_out + " has no dense peak for '" +
                        shown_token(dtype_out) + "'; allowed: " + g->dtype_list());
    }
    out.peak_flops = *p;
  }

private:
  const field_namer& m_name_of;
  std::string m_side;
  bool m_has_preset;
};

} // namespace

hardware_scenario resolve_hardware(const hardware_spec& spec, const field_namer& name_of) {
  const hardware_preset* preset = nullptr;
  if (spec.preset) {
    preset = find_hardware_preset(*spec.preset);
    if (preset == nullptr) {
      throw input_error(name_of("preset") + ": unknown hardware preset '" +
                        shown_token(*spec.preset) + "'" + hardware_preset_suggestion(*spec.preset) +
                        "; allowed: " + hardware_preset_names());
    }
  }
  static const hardware_preset none{};
  const hardware_preset& p = preset ? *preset : none;
  const bool has = preset != nullptr;

  hardware_scenario h;
  h.name = spec.name;
  h.preset = spec.preset.value_or("");
  for_each_hardware_side([&](auto side) {
    const side_resolver r(name_of, std::string(side.name), has);
    const auto& given = side.of(spec);
    const auto& preset_side = side.of(p);
    auto& out = side.of(h);
    r.gpu_and_peak(given, preset_side, out);
    const auto& given_fields = side.given_fields();
    for (std::size_t i = 0; i < std::size(given_fields); ++i) {
      const auto& f = given_fields[i];
      if (f.number == nullptr || f.rule == field_rule::peak) {
        continue; // resolved with the GPU above
      }
      double& value = out.*(side.resolved_fields()[i].number);
      if (side_resolver::has_default(f.rule)) {
        value = r.number_or_default(given.*f.number, preset_side.*f.number, f.rule, out.gpu);
        if (given.*f.number || preset_side.*f.number) {
          r.check(value, f.rule, f.key); // defaults need no check
        }
        continue;
      }
      value = r.number(given.*f.number, preset_side.*f.number, f.key);
      r.check(value, f.rule, f.key);
    }
  });
  const side_resolver serve(name_of, "serve", has);
  (void)tokens_per_request(h.serve.input_tokens, h.serve.output_tokens, serve.field("input_tokens"),
                           serve.bare_field("output_tokens"));
  return h;
}

double tokens_per_request(double input_tokens, double output_tokens, const std::string& input_name,
                          const std::string& output_name) {
  const double sum = input_tokens + output_tokens;
  if (!(std::isfinite(sum) && sum > 0)) {
    throw input_error(input_name + " + " + output_name + " = " + format_number(sum) +
                          " must be finite and > 0",
                      "they set the prefill/decode split of the inference tokens; only their "
                      "ratio matters, so give tokens per request (e.g. 70 and 215)");
  }
  return sum;
}

double demand_of_requests(double requests, double per_request, const std::string& what) {
  const double T = requests * per_request;
  if (!std::isfinite(T)) {
    throw input_error(what + " overflows a double", "the inference demand T must be finite");
  }
  return T;
}

void check_objective_fields(objective_kind objective, const hardware_scenario& h,
                            const field_namer& name_of) {
  if (objective != objective_kind::energy && objective != objective_kind::co2) {
    return;
  }
  const auto require = [&](double v, std::string_view side, const char* key,
                           const std::string& why) {
    if (v == 0) {
      throw input_error(name_of(std::string(side) + "." + key) + " is required for objective '" +
                            std::string(to_string(objective)) + "'",
                        why);
    }
  };
  for_each_hardware_side([&](auto side) {
    const auto& values = side.of(h);
    require(values.power_w, side.name, "power_w",
            "GPU '" + values.gpu +
                "' has no preset board power: give the power each GPU draws, in W");
    if (objective == objective_kind::co2) {
      require(values.gco2_per_kwh, side.name, "gco2_per_kwh",
              "the carbon intensity of the grid this side draws from, in gCO2e/kWh (about 400 "
              "for a world-average grid, under 50 for hydro or nuclear power)");
    }
  });
}

namespace {

// Each side's rate per GPU-second in the objective's unit (check_objective_fields has checked
// that the values it needs are set).
gpu_second_rates rates_of(objective_kind objective, const hardware_scenario& h) {
  const side_energy train{h.train.power_w, h.train.pue, h.train.gco2_per_kwh};
  const side_energy serve{h.serve.power_w, h.serve.pue, h.serve.gco2_per_kwh};
  switch (objective) {
  case objective_kind::energy:
    return energy_rates(train, serve);
  case objective_kind::co2:
    return co2_rates(train, serve);
  default:
    return usd_rates(h.train.usd_per_hour, h.serve.usd_per_hour);
  }
}

// The fields an objective's rates come from, for hints.
const char* rate_fields(objective_kind objective) {
  switch (objective) {
  case objective_kind::energy:
    return "power_w, pue";
  case objective_kind::co2:
    return "power_w, pue, gco2_per_kwh";
  default:
    return "usd_per_hour";
  }
}

} // namespace

cost_coefficients cost_coefficients_of(objective_kind objective, const hardware_scenario& h) {
  if (objective == objective_kind::flops) {
    return {1.0, 1.0};
  }
  check_objective_fields(objective, h, [](std::string_view field) { return std::string(field); });
  const gpu_time_profile g{h.train.mfu,        h.train.peak_flops, h.serve.prefill_mfu,
                           h.serve.decode_mfu, h.serve.peak_flops, h.serve.input_fraction()};
  const cost_coefficients k = gpu_time_cost_coefficients(g, rates_of(objective, h));
  // Each number may be in its range while the solvers' ln(k_inference / k_train) is not (an MFU
  // or a peak of 1e-300): every cell would fail, so the scenario is refused up front.
  const bool usable = std::isfinite(k.train) && k.train > 0 && std::isfinite(k.inference) &&
                      k.inference > 0 && std::isfinite(std::log(k.inference / k.train));
  if (!usable) {
    const std::string unit(cost_units(objective));
    throw input_error("hardware '" + shown_token(h.name) + "': its cost per training FLOP (" +
                          format_number(k.train) + " " + unit + ") and per inference FLOP (" +
                          format_number(k.inference) + " " + unit +
                          ") are not both finite and > 0 with a ratio in double range",
                      "check its peak_flops, mfu, prefill_mfu, decode_mfu and " +
                          std::string(rate_fields(objective)) +
                          ": values near 0 (or near 1e308) give such costs");
  }
  return k;
}

std::string describe_sides(const hardware_scenario& h) {
  std::string out;
  for_each_hardware_side([&](auto side) {
    const auto& values = side.of(h);
    out += (out.empty() ? "" : "; ") + std::string(side.name);
    for (const auto& f : side.resolved_fields()) {
      if (f.text != nullptr) {
        out += " " + values.*f.text; // gpu, dtype
      } else if (values.*f.number != 0 ||
                 (f.rule != field_rule::power && f.rule != field_rule::intensity)) {
        out += ", " + std::string(f.key) + " " + format_number(values.*f.number) +
               (f.unit == "1" ? std::string() : " " + std::string(f.unit));
      }
    }
  });
  return out;
}

cost_coefficients usd_cost_coefficients(const hardware_scenario& h) {
  return cost_coefficients_of(objective_kind::usd, h);
}

} // namespace scalesweep
