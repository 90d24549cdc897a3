// The subcommands of the scalesweep CLI; each file adds one to the app and returns its action.
#pragma once

#include "app/exit_codes.hpp"
#include "app/failure_report.hpp"
#include "app/run_setup.hpp"

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace scalesweep::cli {

struct command {
  CLI::App* app;
  std::function<int()> run; // exit code
};

// `program` is argv[0], as the user typed it (hints repeat it).
command add_run_command(CLI::App& parent, const std::string& command_line,
                        const std::string& program);
command add_optimum_command(CLI::App& parent);
command add_eval_command(CLI::App& parent);
command add_validate_command(CLI::App& parent);
command add_presets_command(CLI::App& parent);
command add_merge_command(CLI::App& parent);
command add_inspect_command(CLI::App& parent);
// `command_line` is recorded in the law-samples file it writes.
command add_fit_command(CLI::App& parent, const std::string& command_line);
command add_export_command(CLI::App& parent);

// Flag checks with messages that name the range ("must be finite and >= 0, got -5").
CLI::Validator non_negative_number();
CLI::Validator positive_number();
CLI::Validator non_empty_text();

// The flags that shape a run's tiles and memory, shared by `run` and `validate`.
void add_run_flags(CLI::App* app, app::run_flags* flags);

} // namespace scalesweep::cli
