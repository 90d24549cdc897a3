// The steps of a run between its setup and its summary.
#include "app/run_session.hpp"

#include "scalesweep/error.hpp"

#include "app/output_path.hpp"
#include "common/regular_file.hpp"
#include "common/untrusted_text.hpp"
#include "output/hdf5/hdf5_sink.hpp"
#include "output/hdf5/resume_check.hpp"
#include "run/discarding_sink.hpp"

#include <cstdio>
#include <filesystem>
#include <optional>

namespace scalesweep::app {

namespace {

void check_output_path(const output_paths& paths, const session_options& o,
                       const std::string& config_path) {
  // A resumed run continues one that already passed the overwrite check when it started.
  check_output_file(paths.final_path, o.overwrite || o.resume,
                    {{config_path, "the config this run reads"}});
  const std::string& partial = paths.partial;
  if (o.resume && !std::filesystem::exists(partial)) {
    throw input_error("--resume: there is no interrupted run to continue (" + shown_token(partial) +
                          " does not exist)",
                      "run without --resume to start one");
  }
  if (o.resume) {
    require_regular_file(partial, "partial file"); // HDF5 would wait on a FIFO's writer
  }
  if (!o.resume && std::filesystem::exists(partial)) {
    throw input_error(shown_token(partial) + " holds an interrupted run, or one still running",
                      "continue it with --resume; delete it to start over, once no run writes it");
  }
}

// Refused when uncompressed; a compressed result takes an unknown fraction of its size: then
// only a warning.
void check_disk_space(const std::string& path, const sweep_plan& plan, const shard_spec& shard) {
  const std::optional<disk_space_shortfall> shortfall = disk_space_check(path, plan, shard);
  if (!shortfall) {
    return;
  }
  if (shortfall->refused) {
    throw input_error(shortfall->what, shortfall->hint);
  }
  std::fprintf(stderr, "warning: %s\n", shortfall->what.c_str());
}

} // namespace

run_session::run_session(const shard_spec& shard, run_setup setup, const session_options& options)
    : m_shard(shard), m_setup(std::move(setup)),
      m_paths(options.no_output        ? std::string()
              : options.output.empty() ? shard_part_path(m_setup.plan.config.output.path, shard)
                                       : options.output),
      m_resume(options.resume) {
  if (options.no_output) {
    // The CLI's flags exclude these; the engine API could ask for them.
    if (options.resume || options.overwrite || !options.output.empty()) {
      throw input_error("--no-output writes no file: it takes no output path, --resume or "
                        "--overwrite");
    }
  } else {
    check_output_path(m_paths, options, plan().config.source_name);
    if (m_resume) {
      check_resumable_partial(m_paths, plan(), m_shard); // here: a refusal exits 2 on every rank
    } else {
      check_disk_space(m_paths.final_path, plan(), m_shard);
    }
  }
  m_backend = make_backend(plan(), m_setup.backend);
}

void run_session::open_output(const communicator& comm, const std::string& command_line) {
  if (!writes_output()) {
    m_sink = make_discarding_sink(plan());
    return;
  }
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
