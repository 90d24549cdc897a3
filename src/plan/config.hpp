// Sweep configs (SPEC §3): parsed with toml++ and validated completely before any work starts.
#pragma once

#include "scalesweep/math/law.hpp"

#include "plan/axes.hpp"
#include "plan/hardware.hpp"
#include "plan/law_constants.hpp"
#include "plan/objective.hpp"
#include "plan/serving_limits.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scalesweep {

struct law_spec {
  std::string preset;                      // "custom" when no preset was named
  scaling_law law;                         // the preset's constants with any overrides applied
  std::vector<std::string> overrides = {}; // constants given beside a preset ("alpha", ...)
  // [law] samples (SPEC §5.5): a `scalesweep fit -o` file or a samples preset's name; empty
  // for a sweep with one law. The samples are read (read_law_samples, src/app/) into
  // `samples` before the plan is made; without a preset or constants, `law` is the file's
  // estimate.
  std::string samples_source = {};
  std::string samples_where = {}; // "file:line:col" of the key, for errors
  std::vector<scaling_law> samples = {};

  // "sardana2024", "chinchilla with alpha, beta overridden", "custom": the preset's name alone
  // would describe a law that was not used.
  std::string label() const;
  // The label and the five constants as used: "sardana2024 (E=1.69 A=406.4 ... beta=0.283)".
  std::string description() const;
};

enum class compression_kind { none, deflate };

struct output_spec {
  std::string path; // from [output] path, or "<config stem>.h5"
  // Subset of {"loss", "cost", "budget_curve", "implied_T", "regret"}; without [output] dense,
  // every grid of this default list whose axes are declared is written (dense_given false):
  // implied_T and regret are written only when named.
  std::vector<std::string> dense = {"loss", "cost", "budget_curve"};
  bool dense_given = false;
  std::vector<std::string> dense_where; // "file:line:col" of each given entry, for errors
  std::vector<std::string> float32;     // dense grids stored as float32 ([output] dtype)
  compression_kind compression = compression_kind::none;
  int deflate_level = 4;
  std::int64_t chunk_cells = default_chunk_cells;

  static constexpr std::int64_t default_chunk_cells = 131072; // 1 MiB of doubles per chunk
  static constexpr std::int64_t min_chunk_cells = 1;
  static constexpr std::int64_t max_chunk_cells = std::int64_t{1} << 24;
};

// [uncertainty] (SPEC §5.5): what a sweep with law samples reduces each cell to.
struct uncertainty_spec {
  std::vector<double> quantiles = {0.05, 0.5, 0.95}; // strictly ascending, in [0, 1]
  bool keep_samples = false; // also write every sample's optima (leading `sample` dimension)
  std::string where;         // "file:line:col" of [uncertainty], for errors ("" if absent)
};

struct sweep_config {
  std::string source_name; // the file path, for messages and the result's attributes
  std::string text;        // the TOML as written, stored in results
  std::string title;
  law_spec law;
  objective_kind objective = objective_kind::flops;
  std::vector<hardware_scenario> hardware; // empty for objective flops
  std::vector<axis> axes;                  // those the config declares, in all_axes order
  std::string axes_where;                  // "file:line:col" of the [axes] table
  output_spec output;
  uncertainty_spec uncertainty;
  // [constraints] (SPEC §5.2): the settings as given (nullopt without the table) and N_max of
  // each scenario of `hardware` (empty without the table).
  std::optional<serving_constraints> constraints;
  std::vector<serving_limit> serving_limits;
  // Accepted but probably not meant ("file:line:column: key: what happens"); the commands that
  // run or validate a config print them.
  std::vector<std::string> warnings;

  const axis* find_axis(axis_id id) const;
};

// Range of a law constant (law_constants' zero_allowed; all finite). `where` names it for the
// user ("config.toml:4:1: law.alpha" or "--alpha"); throws input_error when it is outside.
void check_law_constant(const law_constant& constant, double value, const std::string& where);

// Throws input_error with "file:line:column: key.path: problem" and, where it helps, a hint.
sweep_config parse_config(const std::string& text, const std::string& source_name);
// Reads a regular file of at most max_config_bytes (a FIFO, a device such as /dev/zero or a
// larger file is refused before it is read) and parses it.
sweep_config load_config(const std::string& path);

// The largest config read: hundreds of times the largest sensible one (a 100-million-point axis
// is generated from [lo, hi]; listed values of a long axis run to a few MB).
inline constexpr std::int64_t max_config_bytes = std::int64_t{16} << 20;

// The config as `run --optima-only` computes it: no dense grids.
void drop_dense_grids(sweep_config& config);

// Longest axis a config may declare; keeps coordinates small next to the data.
inline constexpr std::int64_t max_axis_points = 100'000'000;

} // namespace scalesweep
