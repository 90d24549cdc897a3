// `scalesweep run CONFIG.toml`: the flags of a run; app/run_sweep.cpp validates, sizes tiles to
// the memory limits, streams this process's tiles (all of them, a shard's, an MPI rank's) into
// the result file, checkpointing, and summarises.
#include "app/run_sweep.hpp"
#include "cli/commands.hpp"

#include <memory>

namespace scalesweep::cli {

command add_run_command(CLI::App& parent, const std::string& command_line,
                        const std::string& program) {
  auto o = std::make_shared<app::run_request>();
  o->program = program;
  o->command_line = command_line;
  CLI::App* app =
      parent.add_subcommand("run", "Run a sweep described by a TOML config and write an HDF5 file");
  app->add_option("config", o->config, "Sweep config (TOML, see configs/)")
      ->required()
      ->check(CLI::ExistingFile);
  CLI::Option* output =
      app->add_option("-o,--output", o->output,
                      "Result file, a new or a regular file (default: [output] path, "
                      "else CONFIG stem + .h5)")
          ->check(non_empty_text());
  add_run_flags(app, &o->flags);
  app->add_option("--shard", o->shard,
                  "Compute part i of n into its own file (job arrays); join parts with `merge`")
      ->check(non_empty_text());
  CLI::Option* resume =
      app->add_flag("--resume", o->resume, "Continue the interrupted run saved in OUT.partial");
  CLI::Option* overwrite = app->add_flag(
      "--overwrite", o->overwrite,
      "Replace OUT if it is a regular file (default: refuse; never a device, FIFO or socket)");
  app->add_flag("--no-output", o->no_output,
                "Compute and report, but write no file (instead of -o /dev/null, which is "
                "refused)")
      ->excludes(output)
      ->excludes(resume)
      ->excludes(overwrite);
  app->add_option("--checkpoint-seconds", o->checkpoint_seconds,
                  "Save progress at least this often (default 60)")
      ->check(non_negative_number());
  app->add_flag("-q,--quiet", o->quiet, "Print nothing but errors and warnings");
  app->add_flag("--json", o->json, "Print a JSON summary on stdout (human text goes to stderr)");
  return {app, [o] { return app::run_sweep(*o); }};
}

} // namespace scalesweep::cli
