// `scalesweep run CONFIG.toml`: validate, size tiles to the memory limits, stream every tile
// through the backend into the result file, and summarise.
#include "scalesweep/backend.hpp"
#include "scalesweep/config.hpp"
#include "scalesweep/error.hpp"
#include "scalesweep/result_sink.hpp"

#include "../json_writer.hpp"
#include "../memory_budget.hpp"
#include "../progress.hpp"
#include "../text_format.hpp"
#include "../tile_pipeline.hpp"
#include "commands.hpp"
#include "plan_report.hpp"

#include <omp.h>

#include <cstdio>
#include <filesystem>
#include <malloc.h>
#include <memory>

namespace scalesweep::cli {

namespace {

// Tiles larger than this gain nothing: per-tile overheads are already negligible.
constexpr std::int64_t max_cpu_tile_cells = std::int64_t{1} << 22;
constexpr std::int64_t max_gpu_tile_cells = std::int64_t{1} << 24;

struct run_options {
  std::string config;
  std::string output;
  std::string backend = "auto";
  int threads = 0;
  int device = 0;
  std::string memory_limit;
  std::string gpu_memory_limit;
  std::int64_t tile_cells = 0;
  int compression_threads = 0;
  bool optima_only = false;
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

std::int64_t byte_size_option(const std::string& text, const char* flag) {
  const std::optional<std::int64_t> bytes = parse_byte_size(text);
  if (!bytes) {
    throw input_error(std::string(flag) + ": '" + text + "' is not a size",
                      "write bytes with an optional unit: 512M, 4G, 1.5GiB");
  }
  return *bytes;
}

backend_choice resolve_choice(const run_options& o) {
  if (o.backend == "cpu") {
    return backend_choice::cpu;
  }
  if (o.backend == "cuda") {
    return backend_choice::cuda;
  }
  return cuda_device_count() > 0 ? backend_choice::cuda : backend_choice::cpu;
}

int run(const run_options& o, const std::string& command_line) {
  // Tile buffers come and go per problem; a fixed mmap threshold makes glibc return them to the
  // system at once (its adaptive threshold would keep freed tiles in the heap, above the limit).
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  sweep_config config = load_config(o.config);
  if (o.optima_only) {
    config.output.dense.clear();
    config.output.dense_given = true;
  }
  sweep_plan plan = make_plan(std::move(config));
  const std::string path = o.output.empty() ? plan.config.output.path : o.output;
  check_output_directory(path);

  backend_options bo;
  bo.choice = resolve_choice(o);
  bo.threads = o.threads;
  bo.device = o.device;
  const bool on_gpu = bo.choice == backend_choice::cuda;
  const int compression_threads = o.compression_threads > 0
                                      ? o.compression_threads
                                      : (o.threads > 0 ? o.threads : omp_get_max_threads());
  memory_limits limits{o.memory_limit.empty() ? default_host_memory_limit()
                                              : byte_size_option(o.memory_limit, "--memory-limit"),
                       0};
  const std::int64_t gpu_limit =
      o.gpu_memory_limit.empty() ? 0 : byte_size_option(o.gpu_memory_limit, "--gpu-memory-limit");
  if (on_gpu && cuda_device_count() > o.device) {
    limits.device_bytes = gpu_limit > 0 ? gpu_limit : cuda_free_memory(o.device) / 2;
  }
  const std::int64_t cap =
      o.tile_cells > 0 ? o.tile_cells : (on_gpu ? max_gpu_tile_cells : max_cpu_tile_cells);
  fit_tiles(plan, limits, cap, compression_threads);
  const std::unique_ptr<compute_backend> backend = make_backend(plan, bo);

  std::FILE* info = o.json ? stderr : stdout;
  if (!o.quiet) {
    std::fprintf(info, "%sbackend: %s\nmemory limit: host %s", describe_plan(plan, path).c_str(),
                 backend->description().c_str(),
                 format_bytes(static_cast<double>(limits.host_bytes)).c_str());
    if (limits.device_bytes > 0) {
      std::fprintf(info, ", GPU %s",
                   format_bytes(static_cast<double>(limits.device_bytes)).c_str());
    }
    std::fprintf(
        info, " (planned: host %s",
        format_bytes(static_cast<double>(planned_host_bytes(plan, compression_threads))).c_str());
    if (on_gpu) {
      std::fprintf(info, ", GPU %s",
                   format_bytes(static_cast<double>(planned_device_bytes(plan))).c_str());
    }
    std::fprintf(info, ")\n");
    std::fflush(info);
  }
  const std::unique_ptr<result_sink> sink =
      make_hdf5_sink(plan, path, {backend->description(), command_line}, compression_threads);
  progress_reporter progress(plan.total_cells(), !o.quiet);
  const run_summary s = run_pipeline(plan, *backend, *sink, progress, host_tiles_in_flight);

  const double rate = s.seconds > 0 ? static_cast<double>(s.cells) / s.seconds : 0.0;
  const double bytes_per_s = s.seconds > 0 ? static_cast<double>(s.bytes_written) / s.seconds : 0.0;
  const std::int64_t peak = peak_resident_bytes();
  if (!o.quiet) {
    std::fprintf(info,
                 "done: %s cells in %.3f s (%.3g cells/s); wrote %s (%.3g GB/s) to %s; "
                 "peak memory %s\n",
                 format_count(s.cells).c_str(), s.seconds, rate,
                 format_bytes(static_cast<double>(s.bytes_written)).c_str(), bytes_per_s / 1e9,
                 path.c_str(), format_bytes(static_cast<double>(peak)).c_str());
  }
  if (o.json) {
    json_writer j;
    j.begin_object().field("output", path).field("backend", backend->description());
    j.field("cells", s.cells).field("tiles", s.tiles).field("seconds", s.seconds);
    j.field("cells_per_second", rate).field("bytes_written", s.bytes_written);
    j.field("bytes_per_second", bytes_per_s).field("peak_rss_bytes", peak);
    j.field("memory_limit_bytes", limits.host_bytes);
    j.field("planned_host_bytes", planned_host_bytes(plan, compression_threads));
    j.field("gpu_memory_limit_bytes", limits.device_bytes).end_object();
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
  app->add_option("--memory-limit", o->memory_limit,
                  "Host memory for tiles in flight, e.g. 2G (default: 1/4 of RAM, at most 16G)");
  app->add_option("--gpu-memory-limit", o->gpu_memory_limit,
                  "GPU memory for tiles, e.g. 8G (default: half the device's free memory)");
  app->add_option("--tile-cells", o->tile_cells,
                  "Most cells per tile (default: 4M on the CPU, 16M on a GPU, within the limits)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 30));
  app->add_option("--compression-threads", o->compression_threads,
                  "Threads encoding chunks (default: --threads)")
      ->check(CLI::Range(1, 4096));
  app->add_flag("--optima-only", o->optima_only, "Write the optima only, no dense grids");
  app->add_flag("-q,--quiet", o->quiet, "Print nothing but errors");
  app->add_flag("--json", o->json, "Print a JSON summary on stdout (human text goes to stderr)");
  return {app, [o, command_line] { return run(*o, command_line); }};
}

} // namespace scalesweep::cli
