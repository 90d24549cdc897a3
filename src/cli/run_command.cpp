// `scalesweep run CONFIG.toml`: validate, size tiles to the memory limits, stream this process's
// tiles (all of them, a shard's, an MPI rank's) into the result file, checkpointing; summarise.
#include "scalesweep/error.hpp"
#include "scalesweep/math/status.hpp"

#include "app/json_writer.hpp"
#include "app/output_path.hpp"
#include "app/plan_report.hpp"
#include "app/run_setup.hpp"
#include "backends/backend.hpp"
#include "cli/commands.hpp"
#include "common/text_format.hpp"
#include "output/rename_into_place.hpp"
#include "plan/config.hpp"
#include "plan/memory_budget.hpp"
#include "plan/work_plan.hpp"
#include "run/interrupt.hpp"
#include "run/parallel/communicator.hpp"
#include "run/progress.hpp"
#include "run/result_sink.hpp"
#include "run/tile_pipeline.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <malloc.h>
#include <memory>
#include <optional>
#include <string_view>

namespace scalesweep::cli {

namespace {

struct run_options {
  std::string program; // argv[0], for hints that repeat the command
  std::string config;
  std::string output;
  plan_flags flags;
  std::string shard;
  bool resume = false;
  bool overwrite = false;
  double checkpoint_seconds = 60;
  bool quiet = false;
  bool json = false;
};

void check_output_path(const std::string& path, const run_options& o) {
  // A resumed run continues one that already passed the overwrite check when it started.
  check_output_file(path, o.overwrite || o.resume);
  const std::string partial = path + ".partial";
  if (o.resume && !std::filesystem::exists(partial)) {
    throw input_error("--resume: there is no interrupted run to continue (" + partial +
                          " does not exist)",
                      "run without --resume to start one");
  }
  if (!o.resume && std::filesystem::exists(partial)) {
    throw input_error(partial + " holds an interrupted run, or one still running",
                      "continue it with --resume; delete it to start over, once no run writes it");
  }
}

// A run that cannot fit on its disk fails before it starts, not hours later. Compressed grids
// take an unknown fraction of their size: then only a warning. Shards write their part only.
void check_disk_space(const std::string& path, const sweep_plan& plan, const shard_spec& shard) {
  const std::int64_t free = free_disk_bytes(path);
  const std::int64_t needed = shard_output_bytes(plan, shard);
  if (free < 0 || needed <= free) {
    return;
  }
  const std::string what = "the result needs up to " + format_bytes(static_cast<double>(needed)) +
                           " but " + format_bytes(static_cast<double>(free)) +
                           " is free on the disk of '" + path + "'";
  if (plan.config.output.compression == compression_kind::deflate) {
    std::fprintf(stderr, "warning: %s (before compression)\n", what.c_str());
    return;
  }
  throw input_error(what, "free space, write elsewhere with -o, store the dense grids as float32 "
                          "or deflated ([output] dtype, compression), or pass --optima-only");
}

std::string output_path(const run_options& o, const sweep_plan& plan, const shard_spec& shard) {
  return o.output.empty() ? shard_part_path(plan.config.output.path, shard) : o.output;
}

// The command that continues this run, with the program as it was invoked (build/scalesweep,
// say) so that it can be pasted as it stands, and the flags that decide what the file holds.
std::string resume_command(const run_options& o, const std::string& path, const shard_spec& shard,
                           const communicator& comm) {
  std::string c =
      std::string(comm.parallel() ? "mpirun -np " + std::to_string(comm.size()) + " " : "") +
      o.program + " run " + o.config + " --resume -o " + path;
  if (!shard.whole()) {
    c += " --shard " + shard.text();
  }
  if (o.flags.optima_only) {
    c += " --optima-only";
  }
  return c;
}

// An --overwrite run that stops leaves the file it was to replace in place: say so, or it could
// pass for this run's result.
void note_previous_result(const std::string& path) {
  if (std::filesystem::exists(path)) {
    std::fprintf(stderr,
                 "note: %s still holds an earlier run's result: --overwrite replaces it only when "
                 "this run finishes\n",
                 path.c_str());
  }
}

// After the summary: what the optima computed by this run came out as, so that a sweep whose
// targets are all infeasible (at or below E, say) does not end like any other. The warnings
// print under --quiet too.
void report_statuses(const sweep_plan& plan, const run_summary& s, std::FILE* info, bool quiet,
                     bool resumed) {
  // After a resume the counts cover this run's cells only; the file holds the earlier ones too.
  const char* whose = resumed ? " computed by this run" : "";
  for (std::size_t p = 0; p < plan.problems.size(); ++p) {
    const problem_plan& problem = plan.problems[p];
    const status_counts& counts = s.statuses[p];
    std::int64_t total = 0;
    std::string text;
    for (int k = 0; k < cell_status_count; ++k) {
      const std::int64_t n = counts[static_cast<std::size_t>(k)];
      total += n;
      if (n > 0) {
        text += (text.empty() ? "" : ", ") + format_count(n) + " " +
                to_string(static_cast<cell_status>(k));
      }
    }
    if (!problem.has_status() || total == 0) {
      continue;
    }
    if (!quiet) {
      std::fprintf(info, "%s: %s (%s%s)\n", problem.outputs.back().name.c_str(), text.c_str(),
                   problem.name.c_str(), whose);
    }
    if (counts[static_cast<std::size_t>(cell_status::ok)] == 0) {
      std::fprintf(stderr,
                   "warning: none of the %s %s%s is ok (%s); the README's table of status "
                   "codes says why\n",
                   format_count(total).c_str(), problem.name.c_str(), whose, text.c_str());
    } else if (counts[static_cast<std::size_t>(cell_status::not_converged)] > 0) {
      std::fprintf(
          stderr,
          "warning: %s of the %s%s did not converge, which is never expected: please "
          "report it with the config\n",
          format_count(counts[static_cast<std::size_t>(cell_status::not_converged)]).c_str(),
          problem.name.c_str(), whose);
    }
  }
  std::fflush(info);
}

// Everything a run checks and sets up before its ranks start collective work.
struct prepared_run {
  shard_spec shard;
  planned_run planned;
  std::string path;
  std::unique_ptr<compute_backend> backend;
};

std::unique_ptr<prepared_run> prepare(const run_options& o, const communicator& comm,
                                      int gpu_sharers) {
  const shard_spec shard = o.shard.empty() ? shard_spec{} : parse_shard(o.shard);
  planned_run planned = plan_run(o.config, o.flags, comm, gpu_sharers);
  std::string path = output_path(o, planned.plan, shard);
  check_output_path(path, o);
  if (o.resume) {
    check_resumable_partial(path, planned.plan, shard); // here: a refusal exits 2 on every rank
  } else {
    check_disk_space(path, planned.plan, shard);
  }
  std::unique_ptr<compute_backend> backend = make_backend(planned.plan, planned.backend);
  return std::make_unique<prepared_run>(
      prepared_run{shard, std::move(planned), std::move(path), std::move(backend)});
}

int run_on(const run_options& o, const std::string& command_line, const communicator& comm) {
  // Tile buffers come and go per problem; a fixed mmap threshold makes glibc return them to the
  // system at once (its adaptive threshold would keep freed tiles in the heap, above the limit).
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  const bool lead = comm.rank() == 0;
  // Every rank checks; they agree before any of them touches the output (rank 0 creating the
  // partial file must not race another rank's check for it). The lowest failing rank reports.
  const int gpu_sharers = ranks_sharing_gpu(o.flags, comm); // collective: before any throw
  std::unique_ptr<prepared_run> prepared;
  std::exception_ptr failure;
  try {
    prepared = prepare(o, comm, gpu_sharers);
  } catch (...) {
    failure = std::current_exception();
  }
  const std::int64_t reporter = comm.size() - comm.max(failure ? comm.size() - comm.rank() : 0);
  if (reporter < comm.size()) {
    if (!comm.parallel()) {
      std::rethrow_exception(failure);
    }
    // The reporter prints before any rank exits: mpirun ends the job when the first one exits
    // non-zero, which would cut the message. Every rank then exits with the reporter's code.
    const int code = reporter == comm.rank() ? report_failure(failure) : 0;
    return static_cast<int>(comm.max(code));
  }
  const shard_spec shard = prepared->shard;
  const sweep_plan& plan = prepared->planned.plan;
  const std::string& path = prepared->path;
  const memory_limits& limits = prepared->planned.limits;
  const int compression_threads = prepared->planned.compression_threads;
  const std::unique_ptr<compute_backend>& backend = prepared->backend;

  std::FILE* info = o.json ? stderr : stdout;
  if (lead) {
    print_config_warnings(plan.config);
  }
  if (!o.quiet && lead) {
    std::fprintf(info, "%sbackend: %s",
                 describe_plan(plan, path, prepared->planned.memory(), shard).c_str(),
                 backend->description().c_str());
    if (comm.parallel()) {
      std::fprintf(info, " on each of %d MPI ranks", comm.size());
    }
    std::fprintf(info, "\n");
    std::fflush(info);
  }
  if (comm.parallel() && !o.quiet) {
    // One line per rank (greppable in batch logs): which device or CPU each rank runs on.
    std::fprintf(stderr, "rank %d/%d (node rank %d): %s\n", comm.rank(), comm.size(),
                 comm.local_rank(), backend->description().c_str());
  }

  // From here the ranks make collective calls: an error on one must end all of them. The sink
  // outlives the try block: closing its file is collective under MPI, so a failing rank must
  // reach the abort below before its sink is destroyed, or it waits forever for the others.
  std::unique_ptr<result_sink> sink;
  try {
    // Before the partial file exists: a signal from here on (a batch system's time limit during
    // setup, say) stops the run cleanly at its first checkpoint, with a resume hint.
    install_interrupt_handlers();
    sink = open_hdf5_sink(
        plan, shard, comm,
        {path, {backend->description(), command_line, {}, {}, {}}, compression_threads, o.resume});
    // Whole tiles are computed: on a resume with other tiles than before, one that covers a
    // done chunk computes it again, so `total` and `done_before` may add up to more than the grid.
    const std::int64_t total = comm.sum(assigned_cells(plan, *sink, comm, shard));
    const std::int64_t in_shard = shard_cells(plan, shard);
    const std::int64_t done_before = recorded_done_cells(plan, *sink);
    if (lead && in_shard == 0) {
      std::fprintf(stderr, "warning: %s\n", shard_without_work(plan, shard).c_str());
    }
    if (o.resume && lead && !o.quiet) {
      std::fprintf(info, "resuming %s.partial: %s of %s cells recorded done; computing %s%s\n",
                   path.c_str(), format_count(done_before).c_str(), format_count(in_shard).c_str(),
                   format_count(total).c_str(),
                   done_before + total > in_shard
                       ? " (whole tiles: those that cover done chunks compute them again)"
                       : "");
      std::fflush(info); // before the progress lines, which go to stderr
    }
    progress_reporter progress(total, !o.quiet && lead);
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
    report_statuses(plan, s, info, o.quiet, o.resume);
    if (o.json) {
      json_writer j;
      j.begin_object().field("output", path).field("backend", backend->description());
      j.field("ranks", comm.size()).field("shard", shard.text());
      j.field("cells", s.cells).field("cells_done_before", done_before);
      j.field("tiles", s.tiles).field("seconds", s.seconds);
      j.field("cells_per_second", rate).field("bytes_written", s.bytes_written);
      j.field("bytes_per_second", bytes_per_s).field("peak_rss_bytes", peak);
      j.field("memory_limit_bytes", limits.host_bytes);
      j.field("planned_host_bytes", planned_host_bytes(plan, compression_threads));
      j.field("gpu_memory_limit_bytes", limits.device_bytes);
      j.key("statuses").begin_object();
      for (std::size_t p = 0; p < plan.problems.size(); ++p) {
        if (plan.problems[p].has_status()) {
          j.key(plan.problems[p].outputs.back().name).begin_object();
          for (int k = 0; k < cell_status_count; ++k) {
            j.field(to_string(static_cast<cell_status>(k)),
                    s.statuses[p][static_cast<std::size_t>(k)]);
          }
          j.end_object();
        }
      }
      j.end_object().end_object();
      std::fputs(j.str().c_str(), stdout);
    }
    return exit_ok;
  } catch (const run_interrupted& e) {
    if (lead) {
      std::fprintf(stderr,
                   "interrupted (signal %d): finished the tiles in flight and saved the "
                   "progress in %s.partial\nhint: resume with: %s\n",
                   e.signal(), path.c_str(), resume_command(o, path, shard, comm).c_str());
      note_previous_result(path);
    }
    return 128 + e.signal();
  } catch (const std::exception& e) {
    if (comm.parallel()) {
      std::fprintf(stderr, "error: rank %d: %s\n", comm.rank(), e.what());
      std::fflush(stderr);
      comm.abort(exit_failure);
    }
    // The error first, then what it leaves behind.
    const int code = report_failure(std::current_exception());
    // Not after a refused --resume (an input error): that command is the one that just failed.
    // Nor when the partial file at that name is not this run's any more.
    if (std::filesystem::exists(path + ".partial") &&
        dynamic_cast<const input_error*>(&e) == nullptr &&
        dynamic_cast<const h5::file_not_ours*>(&e) == nullptr) {
      // A full disk leaves a partial file that resumes once there is room. A file-size limit
      // leaves one shorter than HDF5 recorded (the space past the limit was never written),
      // which HDF5 refuses to open: no resume hint that would fail.
      if (std::string_view(e.what()).find(std::strerror(EFBIG)) != std::string_view::npos) {
        std::fprintf(stderr,
                     "note: the file reached a size limit (`ulimit -f`, or the largest file its "
                     "file system allows); %s.partial cannot be resumed: delete it, raise the "
                     "limit or write elsewhere with -o, and run again\n",
                     path.c_str());
      } else {
        std::fprintf(stderr, "note: the results so far are in %s.partial (resume with: %s)\n",
                     path.c_str(), resume_command(o, path, shard, comm).c_str());
      }
      note_previous_result(path);
    }
    return code;
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

command add_run_command(CLI::App& parent, const std::string& command_line,
                        const std::string& program) {
  auto o = std::make_shared<run_options>();
  o->program = program;
  CLI::App* app =
      parent.add_subcommand("run", "Run a sweep described by a TOML config and write an HDF5 file");
  app->add_option("config", o->config, "Sweep config (TOML, see configs/)")
      ->required()
      ->check(CLI::ExistingFile);
  app->add_option("-o,--output", o->output,
                  "Result file (default: [output] path, else CONFIG stem + .h5)")
      ->check(non_empty_text());
  add_plan_flags(app, &o->flags);
  app->add_option("--shard", o->shard,
                  "Compute part i of n into its own file (job arrays); join parts with `merge`")
      ->check(non_empty_text());
  app->add_flag("--resume", o->resume, "Continue the interrupted run saved in OUT.partial");
  app->add_flag("--overwrite", o->overwrite, "Replace OUT if it exists (default: refuse)");
  app->add_option("--checkpoint-seconds", o->checkpoint_seconds,
                  "Save progress at least this often (default 60)")
      ->check(non_negative_number());
  app->add_flag("-q,--quiet", o->quiet, "Print nothing but errors and warnings");
  app->add_flag("--json", o->json, "Print a JSON summary on stdout (human text goes to stderr)");
  return {app, [o, command_line] { return run(*o, command_line); }};
}

} // namespace scalesweep::cli
