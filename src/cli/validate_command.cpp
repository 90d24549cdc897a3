// `scalesweep validate CONFIG.toml`: check a config completely and say what a run would need.
#include "scalesweep/config.hpp"

#include "commands.hpp"
#include "plan_report.hpp"

#include <cstdio>
#include <memory>

namespace scalesweep::cli {

namespace {
struct validate_options {
  std::string config;
  std::string output;
  bool json = false;
};
} // namespace

command add_validate_command(CLI::App& parent) {
  auto o = std::make_shared<validate_options>();
  CLI::App* app = parent.add_subcommand(
      "validate", "Check a config without running it; print grid size, memory and disk needed");
  app->add_option("config", o->config, "Sweep config (TOML)")->required()->check(CLI::ExistingFile);
  app->add_option("-o,--output", o->output, "Result file the run would write");
  app->add_flag("--json", o->json, "Print one JSON object instead of text");
  return {app, [o] {
            const sweep_plan plan = make_plan(load_config(o->config));
            const std::string path = o->output.empty() ? plan.config.output.path : o->output;
            if (o->json) {
              std::fputs(plan_json(plan, path).c_str(), stdout);
            } else {
              std::printf("%s: ok\n%s", o->config.c_str(), describe_plan(plan, path).c_str());
            }
            return exit_ok;
          }};
}

} // namespace scalesweep::cli
