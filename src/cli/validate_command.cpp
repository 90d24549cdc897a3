// `scalesweep validate CONFIG.toml`: check a config completely and say what a run with the same
// flags would compute, in how many tiles, with how much memory and disk.
#include "scalesweep/error.hpp"

#include "app/output_path.hpp"
#include "app/plan_report.hpp"
#include "app/run_setup.hpp"
#include "cli/commands.hpp"
#include "common/untrusted_text.hpp"
#include "plan/config.hpp"

#include <cstdio>
#include <memory>

namespace scalesweep::cli {

namespace {
struct validate_options {
  std::string config;
  std::string output;
  std::string shard;
  app::run_flags flags;
  bool json = false;
};
} // namespace

command add_validate_command(CLI::App& parent) {
  auto o = std::make_shared<validate_options>();
  CLI::App* app = parent.add_subcommand(
      "validate", "Check a config without running it; print grid size, tiles, memory and disk "
                  "that `run` with the same flags would use");
  app->add_option("config", o->config, "Sweep config (TOML)")->required()->check(CLI::ExistingFile);
  app->add_option("-o,--output", o->output, "Result file the run would write");
  add_run_flags(app, &o->flags);
  app->add_option("--shard", o->shard,
                  "Report part i of n of a job array: its cells, part file and disk")
      ->check(non_empty_text());
  app->add_flag("--json", o->json, "Print one JSON object instead of text");
  return {
      app, [o] {
        // As one process on this machine: under MPI each rank's share of the defaults is
        // smaller, and `auto` may choose another backend on a GPU node.
        const shard_spec shard = o->shard.empty() ? shard_spec{} : parse_shard(o->shard);
        const std::unique_ptr<communicator> serial = make_serial_communicator();
        const app::run_setup r = set_up_run(load_config(o->config), o->flags, *serial,
                                            ranks_sharing_gpu(o->flags, *serial));
        const std::string path =
            o->output.empty() ? app::shard_part_path(r.plan.config.output.path, shard) : o->output;
        const std::string backend = r.on_gpu ? "cuda" : "cpu";
        app::print_config_warnings(r.plan.config);
        if (const std::string idle = app::shard_without_work(r.plan, shard); !idle.empty()) {
          std::fprintf(stderr, "warning: %s\n", idle.c_str());
        }
        // What `run` with the same output would refuse, as warnings: the path, then the disk.
        try {
          app::check_output_file(path, false, {{o->config, "the config this run reads"}});
        } catch (const input_error& e) {
          std::fprintf(stderr, "warning: run would refuse this output: %s (%s)\n",
                       shown_message(e.what()).c_str(), shown_message(e.hint()).c_str());
        }
        if (const auto shortfall = app::disk_space_check(path, r.plan, shard)) {
          std::fprintf(stderr, "warning: %s%s (%s)\n",
                       shortfall->refused ? "run would refuse this output: " : "",
                       shortfall->what.c_str(), shortfall->hint.c_str());
        }
        if (o->json) {
          std::fputs(
              app::plan_json(r.plan, path, r.memory(), {backend, r.backend_reason}, shard).c_str(),
              stdout);
        } else {
          std::printf("%s: ok\n%splanned for: %s backend (%s), one process on this machine\n",
                      escape_for_terminal(o->config).c_str(),
                      app::describe_plan(r.plan, path, r.memory(), shard).c_str(), backend.c_str(),
                      r.backend_reason.c_str());
        }
        return app::exit_ok;
      }};
}

} // namespace scalesweep::cli
