// `scalesweep run CONFIG.toml`: validate, size tiles to the memory limits, stream this process's
// tiles (all of them, a shard's, an MPI rank's) into the result file, checkpointing; summarise.
#include "scalesweep/backend.hpp"
#include "scalesweep/config.hpp"
#include "scalesweep/error.hpp"
#include "scalesweep/result_sink.hpp"

#include "../interrupt.hpp"
#include "../json_writer.hpp"
#include "../memory_budget.hpp"
#include "../parallel/communicator.hpp"
#include "../progress.hpp"
#include "../text_format.hpp"
#include "../tile_pipeline.hpp"
#include "../work_plan.hpp"
#include "commands.hpp"
#include "plan_report.hpp"

#include <omp.h>

#include <cstdio>
#include <filesystem>
#include <malloc.h>
#include <memory>
#include <optional>

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
  int device = -1; // -1: the node-local MPI rank modulo the visible devices (0 without MPI)
  std::string memory_limit;
  std::string gpu_memory_limit;
  std::int64_t tile_cells = 0;
  int compression_threads = 0;
  std::string shard;
  bool resume = false;
  double checkpoint_seconds = 60;
  bool optima_only = false;
  bool quiet = false;
  bool json = false;
};

void check_output_path(const std::string& path, bool resume) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty() && !std::filesystem::is_directory(parent)) {
    throw input_error("output directory '" + parent.string() + "' does not exist",
                      "create it, or choose another path with -o");
  }
  if (std::filesystem::is_directory(path)) {
    throw input_error("output path '" + path + "' is a directory",
                      "give a file name, e.g. -o " + path + "/out.h5");
  }
  const std::string partial = path + ".partial";
  if (resume && !std::filesystem::exists(partial)) {
    throw input_error("--resume: there is no interrupted run to continue (" + partial +
                          " does not exist)",
                      "run without --resume to start one");
  }
  if (!resume && std::filesystem::exists(partial)) {
    throw input_error(partial + " holds an interrupted run",
                      "continue it with --resume, or delete it to start over");
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

// Shard parts default to their own files next to the whole run's: out.shard-2-of-8.h5.
std::string output_path(const run_options& o, const sweep_plan& plan, const shard_spec& shard) {
  if (!o.output.empty()) {
    return o.output;
  }
  if (shard.whole()) {
    return plan.config.output.path;
  }
  std::filesystem::path p(plan.config.output.path);
  return (p.parent_path() / (p.stem().string() + ".shard-" + std::to_string(shard.index + 1) +
                             "-of-" + std::to_string(shard.count) + p.extension().string()))
      .string();
}

std::string resume_command(const run_options& o, const std::string& path, const shard_spec& shard,
                           const communicator& comm) {
  std::string c =
      std::string(comm.parallel() ? "mpirun -np " + std::to_string(comm.size()) + " " : "") +
      "scalesweep run " + o.config + " --resume -o " + path;
  if (!shard.whole()) {
    c += " --shard " + shard.text();
  }
  return c;
}

// Everything a run checks and sets up before its ranks start collective work.
struct prepared_run {
  shard_spec shard;
  sweep_plan plan;
  std::string path;
  memory_limits limits{0, 0};
  int compression_threads = 1;
  bool on_gpu = false;
  std::unique_ptr<compute_backend> backend;
};

std::unique_ptr<prepared_run> prepare(const run_options& o, const communicator& comm) {
  auto r = std::make_unique<prepared_run>();
  r->shard = o.shard.empty() ? shard_spec{} : parse_shard(o.shard);
  sweep_config config = load_config(o.config);
  if (o.optima_only) {
    config.output.dense.clear();
    config.output.dense_given = true;
  }
  r->plan = make_plan(std::move(config));
  r->path = output_path(o, r->plan, r->shard);
  check_output_path(r->path, o.resume);

  backend_options bo;
  bo.choice = resolve_choice(o);
  bo.threads = o.threads;
  r->on_gpu = bo.choice == backend_choice::cuda;
  const int devices = r->on_gpu ? cuda_device_count() : 0;
  bo.device = o.device >= 0 ? o.device : (devices > 0 ? comm.local_rank() % devices : 0);
  r->compression_threads = o.compression_threads > 0
                               ? o.compression_threads
                               : (o.threads > 0 ? o.threads : omp_get_max_threads());
  r->limits = {o.memory_limit.empty() ? default_host_memory_limit(comm.local_size())
                                      : byte_size_option(o.memory_limit, "--memory-limit"),
               0};
  const std::int64_t gpu_limit =
      o.gpu_memory_limit.empty() ? 0 : byte_size_option(o.gpu_memory_limit, "--gpu-memory-limit");
  if (r->on_gpu && devices > bo.device) {
    // Default: half the device's free memory, split among the node's ranks that use it.
    r->limits.device_bytes =
        gpu_limit > 0
            ? gpu_limit
            : default_device_memory_limit(cuda_free_memory(bo.device),
                                          ranks_sharing_device(comm.local_rank(), comm.local_size(),
                                                               devices, o.device >= 0));
  }
  const std::int64_t cap =
      o.tile_cells > 0 ? o.tile_cells : (r->on_gpu ? max_gpu_tile_cells : max_cpu_tile_cells);
  fit_tiles(r->plan, r->limits, cap, r->compression_threads);
  r->backend = make_backend(r->plan, bo);
  return r;
}

int run_on(const run_options& o, const std::string& command_line, const communicator& comm) {
  // Tile buffers come and go per problem; a fixed mmap threshold makes glibc return them to the
  // system at once (its adaptive threshold would keep freed tiles in the heap, above the limit).
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  const bool lead = comm.rank() == 0;
  // Every rank checks; they agree before any of them touches the output (rank 0 creating the
  // partial file must not race another rank's check for it). The lowest failing rank reports.
  std::unique_ptr<prepared_run> prepared;
  std::exception_ptr failure;
  try {
    prepared = prepare(o, comm);
  } catch (...) {
    failure = std::current_exception();
  }
  const std::int64_t reporter = comm.size() - comm.max(failure ? comm.size() - comm.rank() : 0);
  if (reporter < comm.size()) {
    if (reporter == comm.rank()) {
      std::rethrow_exception(failure);
    }
    return exit_bad_input;
  }
  const shard_spec shard = prepared->shard;
  const sweep_plan& plan = prepared->plan;
  const std::string& path = prepared->path;
  const memory_limits& limits = prepared->limits;
  const int compression_threads = prepared->compression_threads;
  const bool on_gpu = prepared->on_gpu;
  const std::unique_ptr<compute_backend>& backend = prepared->backend;

  std::FILE* info = o.json ? stderr : stdout;
  if (!o.quiet && lead) {
    std::fprintf(info, "%sbackend: %s", describe_plan(plan, path).c_str(),
                 backend->description().c_str());
    if (comm.parallel()) {
      std::fprintf(info, " on each of %d MPI ranks", comm.size());
    }
    if (!shard.whole()) {
      std::fprintf(info, "; shard %s", shard.text().c_str());
    }
    std::fprintf(info, "\nmemory limit: host %s",
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
  if (comm.parallel() && !o.quiet) {
    // One line per rank (greppable in batch logs): which device or CPU each rank runs on.
    std::fprintf(stderr, "rank %d/%d (node rank %d): %s\n", comm.rank(), comm.size(),
                 comm.local_rank(), backend->description().c_str());
  }

  // From here the ranks make collective calls: an error on one must end all of them.
  try {
    const std::unique_ptr<result_sink> sink = open_hdf5_sink(
        plan, shard, comm,
        {path, {backend->description(), command_line}, compression_threads, o.resume});
    if (o.resume && lead && !o.quiet) {
      std::fprintf(info, "resuming %s.partial\n", path.c_str());
    }
    const std::int64_t total = comm.sum(assigned_cells(plan, *sink, comm, shard));
    progress_reporter progress(total, !o.quiet && lead);
    install_interrupt_handlers();
    pipeline_options po;
    po.host_tiles = host_tiles_in_flight;
    po.checkpoint_seconds = o.checkpoint_seconds;
    po.shard = shard;
    const run_summary s = run_pipeline(plan, *backend, *sink, progress, comm, po);

    const double rate = s.seconds > 0 ? static_cast<double>(s.cells) / s.seconds : 0.0;
    const double bytes_per_s =
        s.seconds > 0 ? static_cast<double>(s.bytes_written) / s.seconds : 0.0;
    const std::int64_t peak = comm.max(peak_resident_bytes());
    if (!lead) {
      return exit_ok;
    }
    if (!o.quiet) {
      std::fprintf(info,
                   "done: %s cells in %.3f s (%.3g cells/s); wrote %s (%.3g GB/s) to %s; "
                   "peak memory %s%s\n",
                   format_count(s.cells).c_str(), s.seconds, rate,
                   format_bytes(static_cast<double>(s.bytes_written)).c_str(), bytes_per_s / 1e9,
                   path.c_str(), format_bytes(static_cast<double>(peak)).c_str(),
                   comm.parallel() ? " (largest rank)" : "");
    }
    if (o.json) {
      json_writer j;
      j.begin_object().field("output", path).field("backend", backend->description());
      j.field("ranks", comm.size()).field("shard", shard.text());
      j.field("cells", s.cells).field("tiles", s.tiles).field("seconds", s.seconds);
      j.field("cells_per_second", rate).field("bytes_written", s.bytes_written);
      j.field("bytes_per_second", bytes_per_s).field("peak_rss_bytes", peak);
      j.field("memory_limit_bytes", limits.host_bytes);
      j.field("planned_host_bytes", planned_host_bytes(plan, compression_threads));
      j.field("gpu_memory_limit_bytes", limits.device_bytes).end_object();
      std::fputs(j.str().c_str(), stdout);
    }
    return exit_ok;
  } catch (const run_interrupted& e) {
    if (lead) {
      std::fprintf(stderr,
                   "interrupted (signal %d): finished the tiles in flight and saved the "
                   "progress in %s.partial\nhint: resume with: %s\n",
                   e.signal(), path.c_str(), resume_command(o, path, shard, comm).c_str());
    }
    return 128 + e.signal();
  } catch (const std::exception& e) {
    if (comm.parallel()) {
      std::fprintf(stderr, "error: rank %d: %s\n", comm.rank(), e.what());
      std::fflush(stderr);
      comm.abort(exit_failure);
    }
    if (std::filesystem::exists(path + ".partial")) {
      std::fprintf(stderr, "note: the results so far are in %s.partial (resume with: %s)\n",
                   path.c_str(), resume_command(o, path, shard, comm).c_str());
    }
    throw;
  }
}

int run(const run_options& o, const std::string& command_line) {
  std::optional<mpi_session> mpi;
  if (launched_by_mpi()) {
    mpi.emplace();
  }
  const std::unique_ptr<communicator> comm = mpi ? mpi->world() : make_serial_communicator();
  return run_on(o, command_line, *comm);
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
  app->add_option("--device", o->device,
                  "CUDA device ordinal (default: node-local MPI rank modulo the devices)")
      ->check(CLI::Range(0, 1023));
  app->add_option("--memory-limit", o->memory_limit,
                  "Host memory for tiles in flight, e.g. 2G (default: 1/4 of RAM, at most 16G, "
                  "shared by the MPI ranks of a node)");
  app->add_option("--gpu-memory-limit", o->gpu_memory_limit,
                  "GPU memory for tiles, e.g. 8G (default: half the device's free memory, shared "
                  "by the MPI ranks of a node that use the device)");
  app->add_option("--tile-cells", o->tile_cells,
                  "Most cells per tile (default: 4M on the CPU, 16M on a GPU, within the limits)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 30));
  app->add_option("--compression-threads", o->compression_threads,
                  "Threads encoding chunks (default: --threads)")
      ->check(CLI::Range(1, 4096));
  app->add_option("--shard", o->shard,
                  "Compute part i of n into its own file (job arrays); join parts with `merge`");
  app->add_flag("--resume", o->resume, "Continue the interrupted run saved in OUT.partial");
  app->add_option("--checkpoint-seconds", o->checkpoint_seconds,
                  "Save progress at least this often (default 60)")
      ->check(CLI::Range(0.0, 1e9));
  app->add_flag("--optima-only", o->optima_only, "Write the optima only, no dense grids");
  app->add_flag("-q,--quiet", o->quiet, "Print nothing but errors");
  app->add_flag("--json", o->json, "Print a JSON summary on stdout (human text goes to stderr)");
  return {app, [o, command_line] { return run(*o, command_line); }};
}

} // namespace scalesweep::cli
