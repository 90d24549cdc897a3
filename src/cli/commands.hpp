// The subcommands of the scalesweep CLI; each file adds one to the app and returns its action.
#pragma once

#include <CLI/CLI.hpp>

#include <exception>
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
command add_validate_command(CLI::App& parent);
command add_presets_command(CLI::App& parent);
command add_merge_command(CLI::App& parent);
command add_inspect_command(CLI::App& parent);

// Flag checks with messages that name the range ("must be finite and >= 0, got -5").
CLI::Validator non_negative_number();
CLI::Validator positive_number();
CLI::Validator non_empty_text();

// Documented exit codes (README "Exit codes").
inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;   // I/O, HDF5, CUDA, internal errors
inline constexpr int exit_bad_input = 2; // bad flags, config or input file

// Prints a command's failure ("error: ...", then "hint: ..." if any) to stderr and returns its
// exit code: exit_bad_input for an input_error, else exit_failure.
int report_failure(const std::exception_ptr& failure);

} // namespace scalesweep::cli
