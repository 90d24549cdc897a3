// A run from its setup to its summary: what it checks before its ranks start collective work
// (output path, resumable partial file, disk space, backend), then the result file it opens and
// the pipeline that fills it. `scalesweep run` (run_sweep.hpp) and the engine API (engine.hpp)
// both go through it; it prints nothing but a low-disk warning.
#pragma once

#include "app/run_setup.hpp"
#include "backends/backend.hpp"
#include "output/output_paths.hpp"
#include "plan/work_assignment.hpp"
#include "run/parallel/communicator.hpp"
#include "run/progress.hpp"
#include "run/result_sink.hpp"
#include "run/tile_pipeline.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace scalesweep::app {

// What the run was asked besides the flags that make its setup.
struct session_options {
  std::string output; // empty: the config's [output] path (a shard's part path)
  bool resume = false;
  bool overwrite = false;
  bool no_output = false; // compute and discard: no file is checked, created or replaced
};

class run_session {
public:
  // Checks the output (app/output_path.hpp: a regular file, not the config; an existing result
  // is replaced only with `overwrite`; a partial file is continued only with `resume`, and only
  // if it matches), the disk space, and makes the backend. Throws before anything is written;
  // the checks print nothing but a disk warning. With `no_output` there is no file to check.
  run_session(const shard_spec& shard, run_setup setup, const session_options& options);

  const run_setup& setup() const { return m_setup; }
  const sweep_plan& plan() const { return m_setup.plan; }
  const shard_spec& shard() const { return m_shard; }
  // The result file; empty under --no-output.
  const std::string& path() const { return m_paths.final_path; }
  bool writes_output() const { return !m_paths.final_path.empty(); }
  // The result's names: final, partial (where an unfinished run is written and resumed from).
  const output_paths& paths() const { return m_paths; }
  bool resume() const { return m_resume; }
  compute_backend& backend() const { return *m_backend; }

  // Opens the result file (its partial file), recording `command_line` in it, or the sink that
  // discards everything under --no-output. Collective.
  void open_output(const communicator& comm, const std::string& command_line);
  // Cells every rank will compute together, and those the partial file records done (resume).
  // After open_output.
  std::int64_t cells_to_compute(const communicator& comm) const;
  std::int64_t cells_done_before() const;
  // Computes and writes every rank's tiles, checkpointing every `checkpoint_seconds`; finishes
  // the file. Throws run_interrupted after a signal, the partial file saved.
  run_summary compute(progress_reporter& progress, const communicator& comm,
                      double checkpoint_seconds);

private:
  shard_spec m_shard;
  run_setup m_setup;
  output_paths m_paths;
  bool m_resume;
  std::unique_ptr<compute_backend> m_backend;
  // Outlives a failed compute with the session: closing its file is collective under MPI, so a
  // failing rank must reach its abort before the sink is destroyed.
  std::unique_ptr<result_sink> m_sink;
};

} // namespace scalesweep::app
