// Drives a run: tiles flow compute -> host buffers -> writer thread, all stages overlapped, with a
// fixed number of host tiles in flight whatever the grid size. Under MPI every rank runs one,
// in rounds (one tile per rank per round) so that the writers' collective calls line up.
#pragma once

#include "backends/backend.hpp"
#include "plan/sweep_plan.hpp"
#include "plan/work_assignment.hpp"
#include "run/parallel/communicator.hpp"
#include "run/progress.hpp"
#include "run/result_sink.hpp"
#include "run/status_tally.hpp"

#include <cstdint>
#include <vector>

namespace scalesweep {

struct pipeline_options {
  int host_tiles = 4;             // host tile buffers in flight, at least 2 (one computing
                                  // while the previous one is waited for)
  double checkpoint_seconds = 60; // record done chunks and flush at least this often
  shard_spec shard;
};

struct run_summary {
  std::int64_t cells = 0;         // computed by every rank together
  std::int64_t tiles = 0;         // by this rank
  std::int64_t bytes_written = 0; // result data by every rank (after compression where known)
  double seconds = 0;
  // Per problem of the plan, over every rank's cells computed by this run (all zero for the
  // dense grids, which have no status): a sweep whose optima are all infeasible must not end
  // like any other.
  std::vector<status_tally> statuses;
};

// Computes this rank's tiles of every problem of `plan` with `backend` and writes them to `sink`
// on a separate thread, checkpointing as it goes; calls sink.finish() at the end. A SIGINT or
// SIGTERM (interrupt.hpp) stops every rank after the same round, checkpointed: run_interrupted
// is thrown and the sink is not finished. Other errors in either thread are rethrown here.
run_summary run_pipeline(const sweep_plan& plan, compute_backend& backend, result_sink& sink,
                         progress_reporter& progress, const communicator& comm,
                         const pipeline_options& options);

// Cells this rank will compute (for progress totals): its tiles of every problem.
std::int64_t assigned_cells(const sweep_plan& plan, const result_sink& sink,
                            const communicator& comm, const shard_spec& shard);
// Cells of the chunks the sink's progress record marks done (by an interrupted run, on resume).
std::int64_t recorded_done_cells(const sweep_plan& plan, const result_sink& sink);

} // namespace scalesweep
