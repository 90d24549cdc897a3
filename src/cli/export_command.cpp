// `scalesweep export RESULT.h5 --problem P --csv [-o FILE]`: one problem of a result as CSV, for
// readers without HDF5 (tools/csv_export.hpp says what the columns hold).
#include "app/output_path.hpp"
#include "cli/commands.hpp"
#include "common/descriptor.hpp"
#include "common/text_format.hpp"
#include "common/untrusted_text.hpp"
#include "output/hdf5/h5_read.hpp"
#include "output/rename_into_place.hpp"
#include "tools/csv_export.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <unistd.h>

namespace scalesweep::cli {

namespace {

struct export_options {
  std::string path;
  std::string problem;
  bool csv = false;
  std::string output; // empty: standard output
  bool overwrite = false;
  bool allow_incomplete = false;
};

// Writes the CSV to `fd` (standard output, or the temporary file) from a child process: libhdf5
// crashes, spins or allocates without bound on some damaged files (common/isolated_call.hpp),
// and the child's output is not handed back through the parent, since a table may be larger than
// what a child may print (isolation_options::max_output). A failed write is an error (exit 1),
// not damage; a reader that stopped reading (`| head`) ends the export quietly, as main allows.
// `temporary`: the file behind `fd`, which the parent removes if the child dies ("" for stdout).
void export_in_child(const export_options& o, int fd, const std::string& temporary,
                     const std::string& shown_output) {
  const isolated_output printed = h5::read_untrusted_file(o.path, [&] {
    if (!temporary.empty()) {
      isolation_own_file(temporary);
    }
    const csv_export exporter(o.path, o.problem, o.allow_incomplete);
    const int own = ::dup(fd);
    std::FILE* out = own < 0 ? nullptr : ::fdopen(own, "wb");
    if (out == nullptr) {
      throw error("cannot write " + shown_output + ": " + std::strerror(errno));
    }
    csv_export_summary summary;
    int failure = 0;
    try {
      summary = exporter.write(out);
      failure = std::fflush(out) == 0 ? 0 : errno;
    } catch (const io_error&) {
      if (std::ferror(out) == 0) {
        std::fclose(out);
        throw; // a read failed: the file is damaged
      }
      failure = errno;
    }
    if (std::fclose(out) != 0 && failure == 0) {
      failure = errno;
    }
    if (failure == EPIPE && o.output.empty()) {
      return;
    }
    if (failure != 0) {
      throw error("cannot write " + shown_output + ": " + std::strerror(failure));
    }
    if (!temporary.empty()) {
      isolation_disown_file();
    }
    if (summary.unwritten > 0) {
      std::fprintf(stderr, "note: left out %s cells of chunks no run has written\n",
                   format_count(summary.unwritten).c_str());
    }
  });
  std::fputs(printed.err.c_str(), stderr);
}

int run(const export_options& o) {
  if (!o.csv) {
    throw input_error("export: choose a format: --csv",
                      "Parquet is not offered: Apache Arrow (libarrow) is not packaged in Debian "
                      "12; pandas, R and spreadsheets read the CSV");
  }
  if (o.output.empty()) {
    // Standard output as it is here: the child's own is the pipe its messages go through.
    std::fflush(stdout);
    const descriptor out(::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 0));
    if (out.get() < 0) {
      throw error(std::string("cannot write the CSV to standard output: ") + std::strerror(errno));
    }
    export_in_child(o, out.get(), "", "the CSV to standard output");
    return app::exit_ok;
  }
  app::check_output_file(o.output, o.overwrite, {{o.path, "the result being exported"}});
  // Written as OUTPUT.partial-PID, renamed into place once whole: no reader sees half a table at
  // the final name, and a failure leaves nothing (the child's crash included: the parent removes
  // the file its child created).
  const std::string temporary = o.output + ".partial-" + std::to_string(::getpid());
  h5::write_then_rename(temporary, o.output, [&] {
    const descriptor file(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
    if (file.get() < 0) {
      throw io_error("cannot create '" + shown_token(temporary) + "': " + std::strerror(errno));
    }
    export_in_child(o, file.get(), temporary, "'" + shown_token(temporary) + "'");
  });
  return app::exit_ok;
}

} // namespace

command add_export_command(CLI::App& parent) {
  auto o = std::make_shared<export_options>();
  CLI::App* app = parent.add_subcommand(
      "export", "Write one problem of a result file as a table (CSV), one row per cell");
  app->add_option("file", o->path, "Result file (HDF5)")->required();
  std::string problems;
  for (const std::string& name : csv_export::problem_names()) {
    problems += (problems.empty() ? "" : ", ") + name;
  }
  app->add_option("--problem", o->problem, "Problem to export: " + problems)
      ->required()
      ->check(non_empty_text());
  app->add_flag("--csv", o->csv,
                "CSV: columns are the axes, then the variables; the header names each "
                "'name [units]'; doubles print shortest round-trip, statuses as words");
  app->add_option("-o,--output", o->output, "CSV file (default: standard output)")
      ->check(non_empty_text());
  app->add_flag("--overwrite", o->overwrite, "Replace FILE if it exists (default: refuse)");
  app->add_flag("--allow-incomplete", o->allow_incomplete,
                "Export an unfinished run or one shard's part: only the cells written so far");
  return {app, [o] { return run(*o); }};
}

} // namespace scalesweep::cli
