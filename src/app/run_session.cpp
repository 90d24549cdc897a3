// The steps of a run between its setup and its summary.
#include "app/run_session.hpp"

#include "scalesweep/error.hpp"

#include "app/output_path.hpp"
#include "common/text_format.hpp"
#include "output/hdf5/hdf5_sink.hpp"
#include "output/hdf5/resume_check.hpp"

#include <cstdio>
#include <filesystem>

namespace scalesweep::app {

namespace {

void check_output_path(const output_paths& paths, const session_options& o) {
  // A resumed run continues one that already passed the overwrite check when it started.
  check_output_file(paths.final_path, o.overwrite || o.resume);
  const std::string& partial = paths.partial;
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

} // namespace

run_session::run_session(const shard_spec& shard, run_setup setup, const session_options& options)
    : m_shard(shard), m_setup(std::move(setup)),
      m_paths(options.output.empty() ? shard_part_path(m_setup.plan.config.output.path, shard)
                                     : options.output),
      m_resume(options.resume) {
  check_output_path(m_paths, options);
  if (m_resume) {
    check_resumable_partial(m_paths, plan(), m_shard); // here: a refusal exits 2 on every rank
  } else {
    check_disk_space(m_paths.final_path, plan(), m_shard);
  }
  m_backend = make_backend(plan(), m_setup.backend);
}

void run_session::open_output(const communicator& comm, const std::string& command_line) {
  m_sink = open_hdf5_sink(plan(), m_shard, comm,
                          {m_paths,
                           {m_backend->description(), command_line, {}, {}, {}},
                           m_setup.compression_threads,
                           m_resume});
}

std::int64_t run_session::cells_to_compute(const communicator& comm) const {
  return comm.sum(assigned_cells(plan(), *m_sink, comm, m_shard));
}

std::int64_t run_session::cells_done_before() const {
  return recorded_done_cells(plan(), *m_sink);
}

run_summary run_session::compute(progress_reporter& progress, const communicator& comm,
                                 double checkpoint_seconds) {
  pipeline_options po;
  po.host_tiles = host_tiles_in_flight;
  po.checkpoint_seconds = checkpoint_seconds;
  po.shard = m_shard;
  return run_pipeline(plan(), *m_backend, *m_sink, progress, comm, po);
}

} // namespace scalesweep::app
