// `scalesweep export RESULT.h5 --problem P --csv [-o FILE]`: one problem of a result as CSV, for
// readers without HDF5 (tools/csv_export.hpp says what the columns hold).
#include "app/output_path.hpp"
#include "cli/commands.hpp"
#include "common/text_format.hpp"
#include "output/rename_into_place.hpp"
#include "tools/csv_export.hpp"

#include <cerrno>
#include <cstdio>
#include <filesystem>
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

// The CSV file while it is written: removed unless finished, so no reader sees half a table at
// the final name.
class pending_file {
public:
  explicit pending_file(std::string path) : m_path(std::move(path)) {
    m_file = std::fopen(m_path.c_str(), "wb");
    if (m_file == nullptr) {
      throw io_error("cannot create '" + m_path + "'");
    }
  }
  pending_file(const pending_file&) = delete;
  pending_file& operator=(const pending_file&) = delete;
  ~pending_file() {
    if (m_file != nullptr) {
      std::fclose(m_file);
    }
    if (!m_kept) {
      std::error_code ignored;
      std::filesystem::remove(m_path, ignored);
    }
  }
  std::FILE* get() const { return m_file; }
  // Closes the file (a failed close is a failed write) and renames it to `final_path`.
  void publish(const std::string& final_path) {
    const bool written = std::fflush(m_file) == 0 && std::ferror(m_file) == 0;
    const bool closed = std::fclose(m_file) == 0;
    m_file = nullptr;
    if (!written || !closed) {
      throw io_error("cannot write '" + m_path + "': the disk may be full");
    }
    h5::rename_into_place(m_path, final_path);
    m_kept = true;
  }

private:
  std::string m_path;
  std::FILE* m_file = nullptr;
  bool m_kept = false;
};

int run(const export_options& o) {
  if (!o.csv) {
    throw input_error("export: choose a format: --csv",
                      "Parquet is not offered: Apache Arrow (libarrow) is not packaged in Debian "
                      "12; pandas, R and spreadsheets read the CSV");
  }
  const csv_export exporter(o.path, o.problem, o.allow_incomplete);
  csv_export_summary summary;
  if (o.output.empty()) {
    try {
      summary = exporter.write(stdout);
    } catch (const io_error&) {
      if (errno == EPIPE) {
        return app::exit_ok; // the reader stopped reading (`| head`), as main's check allows
      }
      throw;
    }
  } else {
    app::check_output_file(o.output, o.overwrite);
    pending_file file(o.output + ".partial-" + std::to_string(::getpid()));
    summary = exporter.write(file.get());
    file.publish(o.output);
  }
  if (summary.unwritten > 0) {
    std::fprintf(stderr, "note: left out %s cells of chunks no run has written\n",
                 format_count(summary.unwritten).c_str());
  }
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
