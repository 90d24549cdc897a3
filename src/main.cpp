// scalesweep entry point: builds the CLI, runs one subcommand, turns exceptions into exit codes.
#include "scalesweep/error.hpp"
#include "scalesweep/version.hpp"

#include "cli/commands.hpp"
#include "hdf5/h5_handle.hpp"

#include <cstdio>
#include <cstring>
#include <vector>

namespace {

int main_impl(int argc, char** argv) {
  using namespace scalesweep::cli;
  std::string command_line;
  for (int i = 0; i < argc; ++i) {
    command_line += (i ? " " : "") + std::string(argv[i]);
  }
  CLI::App app{"scalesweep: GPU-accelerated sweeps of language-model scaling-law economics"};
  app.set_version_flag("--version", std::string("scalesweep ") + scalesweep::scalesweep_version +
                                        " (" + scalesweep::scalesweep_git_revision + ")");
  app.require_subcommand(1);
  const std::vector<command> commands = {
      add_run_command(app, command_line, argv[0]),
      add_optimum_command(app),
      add_validate_command(app),
      add_presets_command(app),
      add_merge_command(app),
      add_inspect_command(app),
  };
  if (argc > 1 && argv[1][0] != '-') {
    bool known = false;
    std::string names;
    for (const command& c : commands) {
      known = known || c.app->get_name() == argv[1];
      names += (names.empty() ? "" : ", ") + c.app->get_name();
    }
    if (!known) {
      std::fprintf(stderr, "error: unknown command '%s'\nhint: commands are %s (see --help)\n",
                   argv[1], names.c_str());
      return exit_bad_input;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {
      return app.exit(e); // --help, --version
    }
    std::string help = "scalesweep --help";
    for (const command& c : commands) {
      if (c.app->parsed()) {
        help = "scalesweep " + c.app->get_name() + " --help";
      }
    }
    std::fprintf(stderr, "error: %s\nhint: see '%s'\n", e.what(), help.c_str());
    return exit_bad_input;
  }
  for (const command& c : commands) {
    if (c.app->parsed()) {
      return c.run();
    }
  }
  return exit_bad_input;
}

} // namespace

int main(int argc, char** argv) {
  using namespace scalesweep;
  h5::keep_library_alive_at_exit();
  try {
    return main_impl(argc, argv);
  } catch (...) {
    return cli::report_failure(std::current_exception());
  }
}
