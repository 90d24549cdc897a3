// Named presets: loss laws, GPUs (dense peak FLOP/s per dtype), hardware scenarios and trained
// models, with sources.
#pragma once

#include "scalesweep/math/law.hpp"

#include "plan/hardware.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scalesweep {

struct law_preset {
  std::string_view name;
  scaling_law law;
  std::string_view source;
};

struct dtype_peak {
  std::string_view dtype; // fp64, tf32, bf16, fp16, fp8, int8, fp4
  double flops_per_s;     // dense (never the "with sparsity" figure)
};

struct gpu_preset {
  std::string_view name;
  std::vector<dtype_peak> peaks;
  double memory_bytes;
  double bandwidth_bytes_per_s;
  double board_power_w;
  std::string_view source;

  std::optional<double> peak(std::string_view dtype) const;
  std::string dtype_list() const; // "bf16, fp16, ..." for error messages
};

// A hardware scenario as a preset writes it: the values a config may override (prices are
// assumptions to override); peak_flops is left to the GPU preset.
struct hardware_preset {
  std::string_view name;
  train_side_spec train;
  serve_side_spec serve;
  std::string_view source;
};

// A trained model (SPEC §5.3) for `eval --model`: parameters and pre-training tokens.
struct model_preset {
  std::string_view name;
  double N; // parameters
  double D; // pre-training tokens (no fine-tuning), as the laws count them
  std::string_view source;
};

// Shipped law samples (SPEC §5.5): a `scalesweep fit -o` file in the data directory (data/;
// data/README.md has the command that made it), named in [law] samples.
struct samples_preset {
  std::string_view name;
  std::string_view file; // in the data directory
  std::string_view source;
};

const std::vector<law_preset>& law_presets();
const std::vector<samples_preset>& samples_presets();
const samples_preset* find_samples_preset(std::string_view name);
std::string samples_preset_names();
const std::vector<gpu_preset>& gpu_presets();
const std::vector<hardware_preset>& hardware_presets();
const std::vector<model_preset>& model_presets();

const law_preset* find_law_preset(std::string_view name);
const gpu_preset* find_gpu_preset(std::string_view name);
const hardware_preset* find_hardware_preset(std::string_view name);
const model_preset* find_model_preset(std::string_view name);

// " (did you mean 'X'?)" naming the preset nearest to an unknown `name`, or "" when none is near.
std::string law_preset_suggestion(std::string_view name);
std::string gpu_preset_suggestion(std::string_view name);
std::string hardware_preset_suggestion(std::string_view name);
std::string model_preset_suggestion(std::string_view name);

// "a, b, c" of all preset names, for "allowed values" in error messages.
std::string law_preset_names();
std::string gpu_preset_names();
std::string hardware_preset_names();
std::string model_preset_names();

inline constexpr std::string_view default_hardware_preset = "sardana2024-default";

} // namespace scalesweep
