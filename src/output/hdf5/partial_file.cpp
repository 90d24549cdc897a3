// Creating, or preparing for a resume, the partial file a run writes (rank 0), then opening it.
#include "output/hdf5/partial_file.hpp"

#include "common/untrusted_text.hpp"
#include "output/hdf5/partial_rebuild.hpp"
#include "output/hdf5/rank_zero.hpp"
#include "output/hdf5/result_layout.hpp"
#include "output/hdf5/resume_check.hpp"
#include "output/stale_temporaries.hpp"
#include "plan/work_assignment.hpp"

#include <H5ACpublic.h>

#include <cstdio>
#include <filesystem>
#include <system_error>

namespace scalesweep::h5 {

namespace {

// Dirty metadata stays in memory until a checkpoint flushes it, so the file on disk is always
// the last checkpoint's, whenever the process dies (kill -9 included). Best effort: where HDF5
// refuses (some parallel configurations) flushes still make checkpoints consistent.
void keep_metadata_until_flush(hid_t file) {
  H5AC_cache_config_t config{};
  config.version = H5AC__CURR_CACHE_CONFIG_VERSION;
  if (H5Fget_mdc_config(file, &config) < 0) {
    error_stack_message();
    return;
  }
  config.evictions_enabled = false;
  config.incr_mode = H5C_incr__off;
  config.flash_incr_mode = H5C_flash_incr__off;
  config.decr_mode = H5C_decr__off;
  if (H5Fset_mdc_config(file, &config) < 0) {
    error_stack_message(); // clears the stack
  }
}

// How a new partial file allocates its chunks: a serial run's shard part only where written, so
// that the other parts' cells read as NaN and not_computed and take no space; everything else
// as result_layout.hpp describes (MPI-IO needs uncompressed chunks allocated up front).
chunk_allocation allocation_for(const shard_spec& shard, bool parallel) {
  return !shard.whole() && !parallel ? chunk_allocation::sparse : chunk_allocation::when_written;
}

// Built under a name of its own, then given the partial file's name only if no file has it: a
// kill during creation leaves no half-made partial file (a resume would refuse it), and another
// run or merge that created one in the meantime keeps it.
void create_partial(const sweep_plan& plan, const shard_spec& shard, const sink_options& options,
                    chunk_allocation allocation) {
  for (const stale_temporary& t : remove_stale_temporaries(options.paths)) {
    std::fprintf(stderr, "note: removed %s, left by process %lld, which has ended\n",
                 escape_for_terminal(std::filesystem::path(t.path).filename().string()).c_str(),
                 t.pid);
  }
  const std::string& building = options.paths.creating;
  try {
    handle file = create_file(building);
    create_result_skeleton(file.get(), plan, shard, options.meta, allocation);
    file.close("close '" + building + "'");
    publish_exclusively(building, options.paths.partial);
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove(building, ec);
    throw;
  }
}

// Checks the file (callers that must refuse with exit 2 under MPI check on every rank first:
// check_resumable_partial) and rebuilds one whose chunks got their space as they were written
// (compressed, or a sparse shard part), which checks too.
void prepare_resume(const sweep_plan& plan, const shard_spec& shard, const output_paths& paths,
                    chunk_allocation allocation) {
  if (check_resumable_partial(paths, plan, shard)) {
    return;
  }
  const rebuild_summary r =
      rebuild_partial(paths.partial, plan, shard,
                      allocation == chunk_allocation::sparse ? chunk_allocation::sparse
                                                             : chunk_allocation::all_now);
  if (r.chunks_dropped > 0) {
    std::fprintf(stderr,
                 "note: %lld chunk%s recorded done %s not in %s (a checkpoint cut short); "
                 "computing %s again\n",
                 static_cast<long long>(r.chunks_dropped), r.chunks_dropped == 1 ? "" : "s",
                 r.chunks_dropped == 1 ? "was" : "were", paths.partial.c_str(),
                 r.chunks_dropped == 1 ? "it" : "them");
  }
}

} // namespace

opened_partial open_partial_file(const sweep_plan& plan, const shard_spec& shard,
                                 const communicator& comm, const sink_options& options) {
  silence_error_printing();
  const std::string& partial = options.paths.partial;
  const chunk_allocation allocation = allocation_for(shard, comm.parallel());
  if (!options.resume) {
    on_rank_zero(comm, "create '" + partial + "'",
                 [&] { create_partial(plan, shard, options, allocation); });
  } else {
    on_rank_zero(comm, "resume '" + partial + "'",
                 [&] { prepare_resume(plan, shard, options.paths, allocation); });
  }
  opened_partial opened;
  opened.file = file(H5Fopen(partial.c_str(), H5F_ACC_RDWR, file_access(comm.parallel()).get()),
                     "open '" + partial + "'");
  opened.identity = identity_of(partial);
  keep_metadata_until_flush(opened.file.get());
  return opened;
}

} // namespace scalesweep::h5
