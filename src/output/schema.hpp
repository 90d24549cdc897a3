// Every name a result file carries (SPEC §4), its format version and the partial-file rule: the
// one place the writers (result_layout, hdf5_sink, merge, rebuild) and the readers (result_reader,
// inspect, merge, the Python package through python/scalesweep/result_schema.json) take them from.
//
// The names the plan needs before any file exists live below output (layer order) and are
// presented here: the problems' variables (plan/variables.hpp), the axes, which are the file's
// dimensions and coordinates (plan/axes.hpp), the law constants (plan/law_constants.hpp), the
// hardware fields (plan/hardware.hpp) and the status codes (scalesweep/math/status.hpp).
#pragma once

#include "scalesweep/math/status.hpp"

#include "plan/axes.hpp"
#include "plan/hardware.hpp"
#include "plan/law_constants.hpp"
#include "plan/variables.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace scalesweep::schema {

// Root attribute `format_version`; readers refuse other versions. Raise it with any change to the
// names or meanings below that a reader of the old files would misread.
//   1: first release.
//   2: `hardware` is a string coordinate of scenario names (no index, no hardware_name variable,
//      no hardware_names attribute); tokens per parameter and the cost's parts stored beside
//      the optima; CF units ("1" for counts and losses) and `Conventions`.
inline constexpr std::int64_t format_version = 2;

// Throws input_error unless `found` (a file's format_version attribute) is this build's: the
// message names `path`, both versions and what to do (re-run an older file's config with this
// build; read a newer file with a newer build), or `what_to_do` when given. `who` prefixes it
// ("merge: ", "--resume: ").
void require_format_version(const std::string& who, const std::string& path, std::int64_t found,
                            const std::string& what_to_do = {});

// Root attribute `Conventions`: the CF version whose attributes the file follows.
inline constexpr const char* cf_conventions = "CF-1.8";

// Root attributes, in the order a new file writes them.
namespace root {
inline constexpr const char* conventions = "Conventions";
inline constexpr const char* title = "title";
inline constexpr const char* scalesweep_version = "scalesweep_version";
inline constexpr const char* format_version = "scalesweep_format_version";
inline constexpr const char* git_revision = "git_revision";
inline constexpr const char* created = "created"; // UTC, ISO 8601
inline constexpr const char* command_line = "command_line";
inline constexpr const char* backend = "backend";
inline constexpr const char* config = "config"; // the TOML as written
inline constexpr const char* config_path = "config_path";
inline constexpr const char* law_preset = "law_preset";
inline constexpr const char* law_overrides = "law_overrides"; // constants given, space-separated
inline constexpr const char* objective = "objective";
inline constexpr const char* cost_units = "cost_units";
inline constexpr const char* shard = "shard"; // only in one part of a sharded run: a note
inline constexpr const char* hardware_cost_per_train_flop = "hardware_cost_per_train_flop";
inline constexpr const char* hardware_cost_per_inference_flop = "hardware_cost_per_inference_flop";
inline constexpr const char* hardware_preset = "hardware_preset";
} // namespace root

// The root attributes every result file holds, whatever its config: a file without one of them is
// no result (readers refuse it).
std::vector<std::string> required_root_attributes();

// "law_E", ...: one root attribute per law constant, after law_overrides.
std::string law_attribute(const law_constant& constant);

// "hardware_train_mfu", ...: one root attribute (an array over the hardware axis) per field of
// each side, after hardware_preset; written only under objective usd.
std::string hardware_attribute(std::string_view side, std::string_view key);

// Attributes of coordinates and variables (CF conventions).
namespace variable {
inline constexpr const char* units = "units";
inline constexpr const char* long_name = "long_name";
inline constexpr const char* spacing =
    "spacing"; // coordinates: "log10", "linear", "values", "names" (hardware)
inline constexpr const char* fill_value = "_FillValue";       // numbers: NaN
inline constexpr const char* flag_values = "flag_values";     // statuses: 0 .. cell_status_count-1
inline constexpr const char* flag_meanings = "flag_meanings"; // cell_status_flag_meanings
} // namespace variable

// Serving constraints (SPEC §5.2): variables written only when the config has [constraints].
// They follow from the config alone (no cell computes them), so every file of a run, shard part
// or merge writes them whole when it is created.
namespace serving {
// N_max(hardware), float64: the largest parameter count the active bounds allow.
inline constexpr const char* N_max = "opt_N_max";
inline constexpr const char* N_max_long_name =
    "largest parameter count the serving constraints allow (memory and latency bounds)";
// chinchilla_fits(hardware, T, loss_target), uint8 (1: fits, 0: does not or no such model),
// written with the loss-target optima. No flag_values: it is no status.
inline constexpr const char* chinchilla_fits = "chinchilla_fits";
inline constexpr const char* chinchilla_fits_long_name =
    "1 where the Chinchilla model of the loss target satisfies the serving constraints, else 0";
} // namespace serving

// The progress record: a group hidden from xarray's view of the results, holding one uint8 per
// chunk of each problem's grid (1 = written and flushed).
namespace progress {
inline constexpr const char* group = "/_scalesweep";
inline constexpr const char* long_name = "long_name";
inline constexpr const char* long_name_text =
    "scalesweep run progress: 1 per HDF5 chunk written and flushed";
inline constexpr const char* shard = "shard"; // "i/n" of the part this file holds ("1/1": all)
// Set while a merge fills in the copy of part 1; a file that still has it was left by a merge
// that was killed.
inline constexpr const char* merge_in_progress = "merge_in_progress";
inline constexpr const char* merged_from = "merged_from";    // the parts, after a merge
inline constexpr const char* record_prefix = "done_";        // records done_0, done_1, ...
inline constexpr const char* record_problem = "problem";     // record attribute: problem name
inline constexpr const char* record_variables = "variables"; // record attribute: its datasets
} // namespace progress

// The path of problem `problem_index`'s progress record: "/_scalesweep/done_<index>".
std::string done_path(std::size_t problem_index);

// The law-samples file that `scalesweep fit -o LAW.h5` writes and `[law] samples` reads: the point
// estimate and the bootstrap samples of (E, A, B, alpha, beta) along `sample`, with the data's
// provenance (docs/fitting.md). Its own kind and format version, apart from result files'.
namespace law_samples {
inline constexpr const char* file_kind_value = "scalesweep law samples";
inline constexpr std::int64_t format_version = 1;
// Root attributes.
inline constexpr const char* file_kind = "file_kind";
inline constexpr const char* format_version_attribute = "scalesweep_format_version";
inline constexpr const char* estimate_prefix = "estimate_"; // estimate_E, ..., estimate_beta
inline constexpr const char* estimate_objective = "estimate_objective";
inline constexpr const char* estimate_log_parameters = "estimate_log_parameters";
inline constexpr const char* estimate_sigma = "estimate_sigma"; // huber-mle only
inline constexpr const char* starts = "starts";
inline constexpr const char* starts_reaching_best = "starts_reaching_best";
inline constexpr const char* start_points = "start_points";
inline constexpr const char* method = "method";
inline constexpr const char* delta = "delta";
inline constexpr const char* bootstrap_samples = "bootstrap_samples";
inline constexpr const char* bootstrap_seed = "bootstrap_seed";
inline constexpr const char* bootstrap_starts = "bootstrap_starts";
inline constexpr const char* rng = "rng";
inline constexpr const char* data_file = "data_file";
inline constexpr const char* data_sha256 = "data_sha256";
inline constexpr const char* N_column = "N_column";
inline constexpr const char* D_column = "D_column";
inline constexpr const char* flops_column = "flops_column";
inline constexpr const char* loss_column = "loss_column";
inline constexpr const char* exclude_highest_loss = "exclude_highest_loss";
inline constexpr const char* excluded_rows = "excluded_rows";
inline constexpr const char* n_points = "n_points";
// The dimension and the variables along it (law constants by law_constant name).
inline constexpr const char* sample = "sample";
inline constexpr const char* objective = "objective";
inline constexpr const char* sigma = "sigma"; // huber-mle only
inline constexpr const char* status = "status";
} // namespace law_samples

// The partial-file rule: a result is written as FINAL.partial and renamed to FINAL once complete
// (output_paths.hpp makes the names); a new partial file is built as
// FINAL.partial.creating-<pid> first, and a resume may rebuild it as FINAL.partial.rebuild.
inline constexpr std::string_view partial_suffix = ".partial";
inline constexpr std::string_view creating_infix = ".creating-";
inline constexpr std::string_view rebuild_suffix = ".rebuild";

} // namespace scalesweep::schema
