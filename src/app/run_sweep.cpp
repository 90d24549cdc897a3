// The steps of `scalesweep run`: agree on the setup, report the plan, compute, summarise; on a
// stop or a failure, report what is left behind.
#include "app/run_sweep.hpp"

#include "scalesweep/error.hpp"

#include "app/exit_codes.hpp"
#include "app/failure_report.hpp"
#include "app/output_path.hpp"
#include "app/plan_report.hpp"
#include "app/run_report.hpp"
#include "app/run_session.hpp"
#include "common/text_format.hpp"
#include "common/untrusted_text.hpp"
#include "output/hdf5/resume_check.hpp"
#include "output/rename_into_place.hpp"
#include "plan/config.hpp"
#include "plan/memory_budget.hpp"
#include "run/interrupt.hpp"
#include "run/parallel/communicator.hpp"
#include "run/progress.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <malloc.h>
#include <memory>
#include <optional>
#include <string_view>

namespace scalesweep::app {

namespace {

std::unique_ptr<run_session> open_session(const run_request& r, const communicator& comm,
                                          int gpu_sharers, const std::exception_ptr& refusal) {
  if (refusal) {
    std::rethrow_exception(refusal);
  }
  const shard_spec shard = r.shard.empty() ? shard_spec{} : parse_shard(r.shard);
  run_setup setup = set_up_run(load_config(r.config), r.flags, comm, gpu_sharers);
  return std::make_unique<run_session>(
      shard, std::move(setup), session_options{r.output, r.resume, r.overwrite, r.no_output});
}

// Every rank checks; they agree before any of them touches the output (rank 0 creating the
// partial file must not race another rank's check for it). The lowest failing rank reports.
// Returns the session, or the exit code every rank returns.
std::unique_ptr<run_session> agree_on_session(const run_request& r, const communicator& comm,
                                              const std::exception_ptr& refusal, int& exit_code) {
  const int gpu_sharers = ranks_sharing_gpu(r.flags, comm); // collective: before any throw
  std::unique_ptr<run_session> session;
  std::exception_ptr failure;
  try {
    session = open_session(r, comm, gpu_sharers, refusal);
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
    exit_code = static_cast<int>(comm.max(code));
    return nullptr;
  }
  return session;
}

void report_start(const run_request& r, const run_session& session, const communicator& comm,
                  std::FILE* info) {
  const bool lead = comm.rank() == 0;
  if (lead) {
    print_config_warnings(session.plan().config);
  }
  if (!r.quiet && lead) {
    print_plan_line(session, comm, info);
  }
  if (comm.parallel() && !r.quiet) {
    // One line per rank (greppable in batch logs): which device or CPU each rank runs on.
    std::fprintf(stderr, "rank %d/%d (node rank %d): %s\n", comm.rank(), comm.size(),
                 comm.local_rank(), session.backend().description().c_str());
  }
}

// Opens the result file and computes it; the lead rank reports the work and then the summary.
int compute_and_summarise(const run_request& r, run_session& session, const communicator& comm,
                          std::FILE* info) {
  const bool lead = comm.rank() == 0;
  const sweep_plan& plan = session.plan();
  // Before the partial file exists: a signal from here on (a batch system's time limit during
  // setup, say) stops the run cleanly at its first checkpoint, with a resume hint.
  install_interrupt_handlers();
  session.open_output(comm, r.command_line);
  // Whole tiles are computed: on a resume with other tiles than before, one that covers a
  // done chunk computes it again, so `total` and `done_before` may add up to more than the grid.
  const std::int64_t total = session.cells_to_compute(comm);
  const std::int64_t in_shard = shard_cells(plan, session.shard());
  const std::int64_t done_before = session.cells_done_before();
  if (lead && in_shard == 0) {
    std::fprintf(stderr, "warning: %s\n", shard_without_work(plan, session.shard()).c_str());
  }
  if (r.resume && lead && !r.quiet) {
    std::fprintf(info, "resuming %s: %s of %s cells recorded done; computing %s%s\n",
                 escape_for_terminal(session.paths().partial).c_str(),
                 format_count(done_before).c_str(), format_count(in_shard).c_str(),
                 format_count(total).c_str(),
                 done_before + total > in_shard
                     ? " (whole tiles: those that cover done chunks compute them again)"
                     : "");
    std::fflush(info); // before the progress lines, which go to stderr
  }
  progress_reporter progress(total, !r.quiet && lead);
  const run_summary s = session.compute(progress, comm, r.checkpoint_seconds);
  const std::int64_t peak = comm.max(peak_resident_bytes());
  if (lead) {
    print_run_summary(session, s, {done_before, peak}, comm, info, r.quiet, r.json);
  }
  return exit_ok;
}

int report_interrupted(const run_interrupted& e, const run_request& r, const run_session& session,
                       const communicator& comm) {
  if (comm.rank() == 0 && !session.writes_output()) {
    std::fprintf(stderr, "interrupted (signal %d): stopped; nothing was written (--no-output)\n",
                 e.signal());
  } else if (comm.rank() == 0) {
    std::fprintf(stderr,
                 "interrupted (signal %d): finished the tiles in flight and saved the "
                 "progress in %s\nhint: resume with: %s\n",
                 e.signal(), escape_for_terminal(session.paths().partial).c_str(),
                 resume_command(r.program, r.config, r.flags.optima_only, session, comm).c_str());
    note_previous_result(session.path());
  }
  return 128 + e.signal();
}

// An error after the ranks started collective work: under MPI it ends every rank; otherwise the
// error, then what it leaves behind.
int report_run_failure(const std::exception& e, const run_request& r, const run_session& session,
                       const communicator& comm) {
  if (comm.parallel()) {
    std::fprintf(stderr, "error: rank %d: %s\n", comm.rank(), e.what());
    std::fflush(stderr);
    comm.abort(exit_failure);
  }
  const int code = report_failure(std::current_exception());
  const std::string partial = session.paths().partial;
  // Not after a refused --resume (an input error): that command is the one that just failed.
  // Nor when the partial file at that name is not this run's any more.
  if (session.writes_output() && std::filesystem::exists(partial) &&
      dynamic_cast<const input_error*>(&e) == nullptr &&
      dynamic_cast<const h5::file_not_ours*>(&e) == nullptr) {
    // A full disk leaves a partial file that resumes once there is room. A file-size limit
    // leaves one shorter than HDF5 recorded (the space past the limit was never written),
    // which HDF5 refuses to open: no resume hint that would fail.
    if (std::string_view(e.what()).find(std::strerror(EFBIG)) != std::string_view::npos) {
      std::fprintf(stderr,
                   "note: the file reached a size limit (`ulimit -f`, or the largest file its "
                   "file system allows); %s cannot be resumed: delete it, raise the "
                   "limit or write elsewhere with -o, and run again\n",
                   escape_for_terminal(partial).c_str());
    } else {
      std::fprintf(stderr, "note: the results so far are in %s (resume with: %s)\n",
                   escape_for_terminal(partial).c_str(),
                   resume_command(r.program, r.config, r.flags.optima_only, session, comm).c_str());
    }
    note_previous_result(session.path());
  }
  return code;
}

int run_on(const run_request& r, const communicator& comm, const std::exception_ptr& refusal) {
  // Tile buffers come and go per problem; a fixed mmap threshold makes glibc return them to the
  // system at once (its adaptive threshold would keep freed tiles in the heap, above the limit).
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  int refused = exit_ok;
  const std::unique_ptr<run_session> session = agree_on_session(r, comm, refusal, refused);
  if (!session) {
    return refused;
  }
  std::FILE* info = r.json ? stderr : stdout;
  report_start(r, *session, comm, info);
  // From here the ranks make collective calls: an error on one must end all of them.
  try {
    return compute_and_summarise(r, *session, comm, info);
  } catch (const run_interrupted& e) {
    return report_interrupted(e, r, *session, comm);
  } catch (const std::exception& e) {
    return report_run_failure(e, r, *session, comm);
  }
}

// --resume: the partial file is read first in a child process (isolated_call.hpp), while this
// process has no threads, MPI or CUDA. Its refusal is kept for the ranks to report as they report
// any other (agree_on_session); a config or flag that does not even make a plan is left to them.
std::exception_ptr check_partial_early(const run_request& r) {
  if (!r.resume) {
    return nullptr;
  }
  std::optional<output_paths> paths;
  std::optional<sweep_plan> plan;
  shard_spec shard;
  try {
    shard = r.shard.empty() ? shard_spec{} : parse_shard(r.shard);
    sweep_config config = load_config(r.config);
    if (r.flags.optima_only) {
      drop_dense_grids(config);
    }
    paths.emplace(r.output.empty() ? shard_part_path(config.output.path, shard) : r.output);
    plan.emplace(make_plan(std::move(config)));
  } catch (...) {
    return nullptr;
  }
  if (!std::filesystem::exists(paths->partial)) {
    return nullptr;
  }
  try {
    check_resumable_partial_in_child(*paths, *plan, shard);
  } catch (...) {
    return std::current_exception();
  }
  return nullptr;
}

} // namespace

int run_sweep(const run_request& request) {
  const std::exception_ptr refusal = check_partial_early(request);
  std::optional<mpi_session> mpi;
  if (launched_by_mpi()) {
    mpi.emplace();
  }
  const std::unique_ptr<communicator> comm = mpi ? mpi->world() : make_serial_communicator();
  return run_on(request, *comm, refusal);
}

} // namespace scalesweep::app
