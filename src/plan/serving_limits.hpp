// Serving constraints of a hardware scenario (SPEC §5.2): the limits as the flags (or a config)
// state them, checked, and turned into N_max with the serving GPU's memory and bandwidth.
#pragma once

#include "scalesweep/math/serving_constraints.hpp"

#include "plan/hardware.hpp"

#include <functional>
#include <string_view>

namespace scalesweep {

// SPEC §5.2's defaults: one serving GPU, 20 % of its memory kept for KV cache and activations,
// 80 % of peak bandwidth achieved; no bound active (no memory fit, no latency target).
inline constexpr serving_constraints default_serving_constraints{1.0, false, 0.2, false, 0.0, 0.8};

// One constraint setting: its path ("constraints.serve_gpus", for field_namer), its flag, help
// and member (nullptr for the memory switch, a bool). The flags and messages iterate this table.
struct constraint_field {
  std::string_view key;
  std::string_view flag;
  std::string_view help;
  double serving_constraints::*number;
};

inline constexpr constraint_field constraint_fields[] = {
    {"serve_gpus", "--serve-gpus",
     "Serving GPUs holding one model copy, an integer >= 1 (default 1)",
     &serving_constraints::serve_gpus},
    {"memory", "--fit-memory", "Constrain N: the weights fit in the serving GPUs' memory", nullptr},
    {"memory_reserve", "--memory-reserve",
     "Fraction of serving memory kept for KV cache and activations, in [0, 1) (default 0.2)",
     &serving_constraints::memory_reserve},
    {"max_seconds_per_token", "--max-seconds-per-token",
     "Constrain N: batch-1 decode latency per output token in seconds, > 0",
     &serving_constraints::max_seconds_per_token},
    {"bandwidth_efficiency", "--bandwidth-efficiency",
     "Achieved fraction of the serving GPU's HBM bandwidth, in (0, 1] (default 0.8)",
     &serving_constraints::bandwidth_efficiency},
};

inline bool any_bound(const serving_constraints& c) {
  return c.memory || c.latency;
}

// Throws input_error naming the setting (name_of("constraints.<key>")) and its range.
void check_serving_constraints(const serving_constraints& c, const field_namer& name_of);

// Refuses settings that would change nothing: none of the bounds set (naming the first setting
// given), memory_reserve without the memory bound, bandwidth_efficiency without the latency bound.
// given(key) says whether a setting was given; as_flags spells the hints as flags, else as keys.
void check_constraint_settings_used(const serving_constraints& c,
                                    const std::function<bool(std::string_view key)>& given,
                                    const field_namer& name_of, bool as_flags);

// N_max of scenario h from its serving GPU preset's memory and bandwidth and the bytes per weight
// of its serving dtype; no_serving_limit() without an active bound. Throws input_error when a
// bound is active but the serving GPU has no preset (a custom peak: no memory or bandwidth known)
// or the serving dtype no fixed width.
serving_limit serving_limit_of(const serving_constraints& c, const hardware_scenario& h,
                               const field_namer& name_of);

} // namespace scalesweep
