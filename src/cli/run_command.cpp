// `scalesweep run CONFIG.toml`: validate, describe, compute every tile, write the result file.
#include "scalesweep/backend.hpp"
#include "scalesweep/config.hpp"
#include "scalesweep/error.hpp"
#include "scalesweep/result_sink.hpp"

#include "../json_writer.hpp"
#include "../progress.hpp"
#include "../sweep_runner.hpp"
#include "../text_format.hpp"
#include "commands.hpp"
#include "plan_report.hpp"

#include <cstdio>
#include <filesystem>
#include <memory>

namespace scalesweep::cli {

namespace {

struct run_options {
  std::string config;
  std::string output;
  std::string backend = "auto";
  int threads = 0;
  int device = 0;
  bool quiet = false;
  bool json = false;
};

void check_output_directory(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty() && !std::filesystem::is_directory(parent)) {
    throw input_error("output directory '" + parent.string() + "' does not exist",
                      "create it, or choose another path with -o");
  }
  if (std::filesystem::is_directory(path)) {
    throw input_error("output path '" + path + "' is a directory",
                      "give a file name, e.g. -o " + path + "/out.h5");
  }
}

int run(const run_options& o, const std::string& command_line) {
  sweep_plan plan = make_plan(load_config(o.config));
  const std::string path = o.output.empty() ? plan.config.output.path : o.output;
  check_output_directory(path);
  backend_options bo;
  bo.choice = o.backend == "cpu"    ? backend_choice::cpu
              : o.backend == "cuda" ? backend_choice::cuda
                                    : backend_choice::automatic;
  bo.threads = o.threads;
  bo.device = o.device;
  const std::unique_ptr<compute_backend> backend = make_backend(plan, bo);

  std::FILE* info = o.json ? stderr : stdout;
  if (!o.quiet) {
    std::fprintf(info, "%sbackend: %s\n", describe_plan(plan, path).c_str(),
                 backend->description().c_str());
    std::fflush(info);
  }
  const std::unique_ptr<result_sink> sink =
      make_hdf5_sink(plan, path, {backend->description(), command_line});
  progress_reporter progress(plan.total_cells(), !o.quiet);
  const run_summary s = run_sweep(plan, *backend, *sink, progress);

  const double rate = s.seconds > 0 ? static_cast<double>(s.cells) / s.seconds : 0.0;
  if (!o.quiet) {
    std::fprintf(
        info, "done: %s cells in %.3f s (%.3g cells/s, %s at %s/s) -> %s\n",
        format_count(s.cells).c_str(), s.seconds, rate,
        format_bytes(static_cast<double>(s.bytes)).c_str(),
        format_bytes(s.seconds > 0 ? static_cast<double>(s.bytes) / s.seconds : 0.0).c_str(),
        path.c_str());
  }
  if (o.json) {
    json_writer j;
    j.begin_object().field("output", path).field("backend", backend->description());
    j.field("cells", s.cells).field("tiles", s.tiles).field("seconds", s.seconds);
    j.field("cells_per_second", rate).field("bytes", s.bytes).end_object();
    std::fputs(j.str().c_str(), stdout);
  }
  return exit_ok;
}

} // namespace

command add_run_command(CLI::App& parent, const std::string& command_line) {
  auto o = std::make_shared<run_options>();
  CLI::App* app =
      parent.add_subcommand("run", "Run a sweep described by a TOML config and write an HDF5 file");
  app->add_option("config", o->config, "Sweep config (TOML, see configs/)")
      ->required()
      ->check(CLI::ExistingFile);
  app->add_option("-o,--output", o->output,
                  "Result file (default: [output] path, else CONFIG stem + .h5)");
  app->add_option("--backend", o->backend, "auto: CUDA when a device is present, else CPU")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}))
      ->capture_default_str();
  app->add_option("--threads", o->threads, "CPU backend threads (default: all cores)")
      ->check(CLI::Range(1, 4096));
  app->add_option("--device", o->device, "CUDA device ordinal")
      ->check(CLI::Range(0, 1023))
      ->capture_default_str();
  app->add_flag("-q,--quiet", o->quiet, "Print nothing but errors");
  app->add_flag("--json", o->json, "Print a JSON summary on stdout (human text goes to stderr)");
  return {app, [o, command_line] { return run(*o, command_line); }};
}

} // namespace scalesweep::cli
