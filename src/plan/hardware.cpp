// Resolves hardware scenarios from presets and overrides, with range checks shared by config and
// flags.
#include "plan/hardware.hpp"

#include "scalesweep/error.hpp"

#include "common/text_format.hpp"
#include "plan/presets.hpp"

#include <cmath>

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

  double number(const std::optional<double>& given, double preset_value,
                std::string_view key) const {
    if (given) {
      return *given;
    }
    require_preset(key);
    return preset_value;
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

  // GPU label and peak FLOP/s: an explicit peak wins; otherwise the GPU preset at the dtype.
  void gpu_and_peak(const std::optional<std::string>& gpu, const std::optional<std::string>& dtype,
                    const std::optional<double>& peak, std::string_view preset_gpu,
                    std::string_view preset_dtype, std::string& gpu_out, std::string& dtype_out,
                    double& peak_out) const {
    gpu_out = gpu ? *gpu : (m_has_preset && !peak ? std::string(preset_gpu) : std::string{});
    dtype_out = dtype ? *dtype : (m_has_preset ? std::string(preset_dtype) : std::string{});
    if (peak) {
      check_positive(*peak, "peak_flops");
      peak_out = *peak;
      if (gpu_out.empty()) {
        gpu_out = m_has_preset ? std::string(preset_gpu) : "custom";
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
      throw input_error(field("gpu") + ": unknown GPU '" + gpu_out + "'" +
                            gpu_preset_suggestion(gpu_out) + "; allowed: " + gpu_preset_names(),
                        "or give " + bare_field("peak_flops") +
                            " (dense FLOP/s) for a GPU without a preset");
    }
    if (dtype_out.empty()) {
      throw input_error(field("dtype") + " is required; " + gpu_out + " has: " + g->dtype_list());
    }
    const std::optional<double> p = g->peak(dtype_out);
    if (!p) {
      throw input_error(field("dtype") + ": " + gpu_out + " has no dense peak for '" + dtype_out +
                        "'; allowed: " + g->dtype_list());
    }
    peak_out = *p;
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
      throw input_error(name_of("preset") + ": unknown hardware preset '" + *spec.preset + "'" +
                        hardware_preset_suggestion(*spec.preset) +
                        "; allowed: " + hardware_preset_names());
    }
  }
  static const hardware_preset none{};
  const hardware_preset& p = preset ? *preset : none;
  const bool has = preset != nullptr;

  hardware_scenario h;
  h.name = spec.name;
  h.preset = spec.preset.value_or("");

  const side_resolver train(name_of, "train", has);
  train.gpu_and_peak(spec.train.gpu, spec.train.dtype, spec.train.peak_flops, p.train.gpu,
                     p.train.dtype, h.train.gpu, h.train.dtype, h.train.peak_flops);
  h.train.mfu = train.number(spec.train.mfu, p.train.mfu, "mfu");
  train.check_fraction(h.train.mfu, "mfu");
  h.train.usd_per_hour =
      train.number(spec.train.usd_per_hour, p.train.usd_per_hour, "usd_per_hour");
  train.check_positive(h.train.usd_per_hour, "usd_per_hour");

  const side_resolver serve(name_of, "serve", has);
  serve.gpu_and_peak(spec.serve.gpu, spec.serve.dtype, spec.serve.peak_flops, p.serve.gpu,
                     p.serve.dtype, h.serve.gpu, h.serve.dtype, h.serve.peak_flops);
  h.serve.prefill_mfu = serve.number(spec.serve.prefill_mfu, p.serve.prefill_mfu, "prefill_mfu");
  serve.check_fraction(h.serve.prefill_mfu, "prefill_mfu");
  h.serve.decode_mfu = serve.number(spec.serve.decode_mfu, p.serve.decode_mfu, "decode_mfu");
  serve.check_fraction(h.serve.decode_mfu, "decode_mfu");
  h.serve.usd_per_hour =
      serve.number(spec.serve.usd_per_hour, p.serve.usd_per_hour, "usd_per_hour");
  serve.check_positive(h.serve.usd_per_hour, "usd_per_hour");
  h.serve.input_tokens =
      serve.number(spec.serve.input_tokens, p.serve.input_tokens, "input_tokens");
  serve.check_non_negative(h.serve.input_tokens, "input_tokens");
  h.serve.output_tokens =
      serve.number(spec.serve.output_tokens, p.serve.output_tokens, "output_tokens");
  serve.check_non_negative(h.serve.output_tokens, "output_tokens");
  if (!(h.serve.input_tokens + h.serve.output_tokens > 0)) {
    throw input_error(serve.field("input_tokens") + " + output_tokens must be > 0",
                      "they set the prefill/decode split of the inference tokens");
  }
  return h;
}

cost_coefficients usd_cost_coefficients(const hardware_scenario& h) {
  constexpr double seconds_per_hour = 3600.0;
  const cost_coefficients k = usd_cost_coefficients(
      h.train.usd_per_hour / seconds_per_hour, h.train.mfu, h.train.peak_flops,
      h.serve.usd_per_hour / seconds_per_hour, h.serve.prefill_mfu, h.serve.decode_mfu,
      h.serve.peak_flops, h.serve.input_fraction());
  // Each number may be in its range while the solvers' ln(k_inference / k_train) is not (an MFU
  // or a peak of 1e-300): every cell would fail, so the scenario is refused up front.
  const bool usable = std::isfinite(k.train) && k.train > 0 && std::isfinite(k.inference) &&
                      k.inference > 0 && std::isfinite(std::log(k.inference / k.train));
  if (!usable) {
    throw input_error("hardware '" + h.name + "': its cost per training FLOP ($" +
                          format_number(k.train) + ") and per inference FLOP ($" +
                          format_number(k.inference) +
                          ") are not both finite and > 0 with a ratio in double range",
                      "check its peak_flops, mfu, prefill_mfu, decode_mfu and usd_per_hour: "
                      "values near 0 (or near 1e308) give such costs");
  }
  return k;
}

} // namespace scalesweep
