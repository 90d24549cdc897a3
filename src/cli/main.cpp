// scalesweep entry point: builds the CLI, runs one subcommand, turns exceptions into exit codes.
#include "scalesweep/error.hpp"
#include "scalesweep/version.hpp"

#include "cli/commands.hpp"
#include "common/shell_quote.hpp"
#include "common/untrusted_text.hpp"
#include "output/hdf5/h5_handle.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <poll.h>
#include <unistd.h>
#include <vector>

namespace {

int main_impl(int argc, char** argv) {
  using namespace scalesweep::cli;
  // Recorded in result files as the command that made them: quoted, so that it reads back as
  // the same words (`inspect` shows it as data, and a user may paste it).
  const std::string command_line = scalesweep::shell_command({argv, argv + argc});
  CLI::App app{"scalesweep: GPU-accelerated sweeps of language-model scaling-law economics"};
  app.set_version_flag("--version", std::string("scalesweep ") + scalesweep::scalesweep_version +
                                        " (" + scalesweep::scalesweep_git_revision + ")");
  app.require_subcommand(1);
  const std::vector<command> commands = {
      add_run_command(app, command_line, argv[0]),
      add_optimum_command(app),
      add_eval_command(app),
      add_validate_command(app),
      add_presets_command(app),
      add_merge_command(app),
      add_inspect_command(app),
      add_fit_command(app, command_line),
      add_export_command(app),
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
                   scalesweep::shown_token(argv[1]).c_str(), names.c_str());
      return scalesweep::app::exit_bad_input;
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
    // CLI11 echoes the values it refuses, whole and raw.
    std::fprintf(stderr, "error: %s\nhint: see '%s'\n", scalesweep::shown_message(e.what()).c_str(),
                 help.c_str());
    return scalesweep::app::exit_bad_input;
  }
  for (const command& c : commands) {
    if (c.app->parsed()) {
      return c.run();
    }
  }
  return scalesweep::app::exit_bad_input;
}

// Output that could not be written (a full disk behind `> out.json`, a closed stdout) is an
// error, as in coreutils; a reader that stopped reading (a pipe to `head`) is not.
int checked_stdout(int code) {
  if (std::fflush(stdout) == 0 && std::ferror(stdout) == 0) {
    return code;
  }
  const int reason = errno;
  pollfd out{STDOUT_FILENO, 0, 0};
  const bool reader_gone = reason == EPIPE || (::poll(&out, 1, 0) == 1 && (out.revents & POLLERR));
  if (reader_gone) {
    return code;
  }
  std::fprintf(stderr, "error: cannot write to standard output: %s\n", std::strerror(reason));
  return code == scalesweep::app::exit_ok ? scalesweep::app::exit_failure : code;
}

} // namespace

int main(int argc, char** argv) {
  using namespace scalesweep;
  h5::keep_library_alive_at_exit();
  // A reader that goes away (`run ... | head`) must not kill a run between checkpoints: writes
  // to it fail with EPIPE instead, and the run finishes its file.
  std::signal(SIGPIPE, SIG_IGN);
  int code = 0;
  try {
    code = main_impl(argc, argv);
  } catch (...) {
    code = scalesweep::app::report_failure(std::current_exception());
  }
  return checked_stdout(code);
}
