// Checks the serving constraints and resolves N_max per hardware scenario (serving_limits.hpp).
#include "plan/serving_limits.hpp"

#include "scalesweep/error.hpp"

#include "common/text_format.hpp"
#include "plan/presets.hpp"

#include <cmath>
#include <string>

namespace scalesweep {

namespace {

std::string name_of_key(const field_namer& name_of, std::string_view key) {
  return name_of("constraints." + std::string(key));
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

serving_limit serving_limit_of(const serving_constraints& c, const hardware_scenario& h,
                               const field_namer& name_of) {
  if (!any_bound(c)) {
    return no_serving_limit();
  }
  const gpu_preset* gpu = find_gpu_preset(h.serve.gpu);
  if (gpu == nullptr) {
    throw input_error(
        name_of("serve.gpu") + " '" + h.serve.gpu +
            "' has no memory or bandwidth figures, which the serving constraints need",
        "name a serving GPU preset: " + gpu_preset_names());
  }
  const double bytes = bytes_per_parameter(h.serve.dtype);
  if (!(bytes > 0)) {
    throw input_error(name_of("serve.dtype") + " '" + h.serve.dtype +
                          "' has no fixed width per weight, which the serving constraints need",
                      "serving dtypes: fp64, fp32, tf32, bf16, fp16, fp8, int8, fp4");
  }
  return make_serving_limit(c, gpu->memory_bytes, gpu->bandwidth_bytes_per_s, bytes);
}

} // namespace scalesweep
