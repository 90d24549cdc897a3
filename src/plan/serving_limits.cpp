// Checks the serving constraints and resolves N_max per hardware scenario (serving_limits.hpp).
#include "plan/serving_limits.hpp"

#include "scalesweep/error.hpp"

#include "common/text_format.hpp"
#include "common/untrusted_text.hpp"
#include "plan/presets.hpp"

#include <cmath>
#include <string>

namespace scalesweep {

namespace {

std::string name_of_key_path(std::string_view key) {
  return "constraints." + std::string(key);
}

std::string name_of_key(const field_namer& name_of, std::string_view key) {
  return name_of(name_of_key_path(key));
}

} // namespace

void check_serving_constraints(const serving_constraints& c, const field_namer& name_of) {
  const auto refuse = [&](std::string_view key, const char* range, double value) {
    throw input_error(name_of_key(name_of, key) + " must be " + range + ", got " +
                      format_number(value));
  };
  if (!(c.serve_gpus >= 1) || !(c.serve_gpus <= 1e9) || c.serve_gpus != std::floor(c.serve_gpus)) {
    refuse("serve_gpus", "an integer >= 1", c.serve_gpus);
  }
  if (!(c.memory_reserve >= 0 && c.memory_reserve < 1)) {
    refuse("memory_reserve", "in [0, 1)", c.memory_reserve);
  }
  if (c.latency && !(c.max_seconds_per_token > 0 && std::isfinite(c.max_seconds_per_token))) {
    refuse("max_seconds_per_token", "finite and > 0", c.max_seconds_per_token);
  }
  if (!(c.bandwidth_efficiency > 0 && c.bandwidth_efficiency <= 1)) {
    refuse("bandwidth_efficiency", "in (0, 1]", c.bandwidth_efficiency);
  }
}

void check_constraint_settings_used(const serving_constraints& c,
                                    const std::function<bool(std::string_view key)>& given,
                                    const field_namer& name_of, bool as_flags) {
  const auto spelled = [&](std::string_view key, const char* value) {
    for (const constraint_field& f : constraint_fields) {
      if (f.key == key) {
        return as_flags
                   ? std::string(f.flag) + (f.number != nullptr ? " " + std::string(value) : "")
                   : std::string(key) + " = " + value;
      }
    }
    return std::string(key);
  };
  if (!any_bound(c)) {
    std::string subject = "constraints"; // an empty [constraints] table
    for (const constraint_field& f : constraint_fields) {
      if (given(f.key)) {
        subject = name_of_key_path(f.key);
        break;
      }
    }
    throw input_error(name_of(subject) + " shapes a bound that is not set",
                      "add " + spelled("memory", "true") + " (memory bound) or " +
                          spelled("max_seconds_per_token", "S") + " (latency bound)");
  }
  if (given("memory_reserve") && !c.memory) {
    throw input_error(name_of_key(name_of, "memory_reserve") + " applies with " +
                      spelled("memory", "true"));
  }
  if (given("bandwidth_efficiency") && !c.latency) {
    throw input_error(name_of_key(name_of, "bandwidth_efficiency") + " applies with " +
                      spelled("max_seconds_per_token", "S"));
  }
}

serving_limit serving_limit_of(const serving_constraints& c, const hardware_scenario& h,
                               const field_namer& name_of) {
  if (!any_bound(c)) {
    return no_serving_limit();
  }
  const gpu_preset* gpu = find_gpu_preset(h.serve.gpu);
  if (gpu == nullptr) {
    throw input_error(
        name_of("serve.gpu") + " '" + shown_token(h.serve.gpu) +
            "' has no memory or bandwidth figures, which the serving constraints need",
        "name a serving GPU preset: " + gpu_preset_names());
  }
  const double bytes = bytes_per_parameter(h.serve.dtype);
  if (!(bytes > 0)) {
    throw input_error(name_of("serve.dtype") + " '" + shown_token(h.serve.dtype) +
                          "' has no fixed width per weight, which the serving constraints need",
                      "serving dtypes: fp64, fp32, tf32, bf16, fp16, fp8, int8, fp4");
  }
  return make_serving_limit(c, gpu->memory_bytes, gpu->bandwidth_bytes_per_s, bytes);
}

} // namespace scalesweep
