// Whether a partial file can be resumed by this run, and whether in place or after a rebuild.
#pragma once

#include "output/hdf5/h5_handle.hpp"
#include "output/output_paths.hpp"
#include "plan/sweep_plan.hpp"

#include <string>

namespace scalesweep {

struct shard_spec;

namespace h5 {

// Refuses (input_error naming `path` and what differs) a partial file that another config,
// format, version or shard wrote.
void check_resumable(hid_t file, const std::string& path, const sweep_plan& plan,
                     const shard_spec& shard);

// Whether resuming `file` in place is safe: every dataset is uncompressed and was allocated when
// the file was created, so no write since the last checkpoint changed its metadata. Any other
// partial file is rebuilt first (partial_rebuild.hpp).
bool resumable_in_place(hid_t file, const sweep_plan& plan);

} // namespace h5

// Throws input_error, naming what differs, unless paths.partial can be resumed with `plan` and
// `shard`: the sink's own check on resume, for callers that must report a refusal before their
// MPI ranks start collective work (exit 2 with a hint, not an abort). Returns whether it can be
// resumed in place; otherwise the sink rebuilds it first.
bool check_resumable_partial(const output_paths& paths, const sweep_plan& plan,
                             const shard_spec& shard);

// check_resumable_partial in a child process, which then also reads every object of the file
// (h5::probe_structure: a resume keeps and publishes them) and looks up every chunk of every
// variable (the chunk-index reads a resume makes, in place or rebuilding): libhdf5 1.10 crashes
// or spins on some damaged files, and a partial file that would do that to the run is refused as
// damaged (input_error) instead. Call it before MPI, threads or CUDA start (isolated_call.hpp).
void check_resumable_partial_in_child(const output_paths& paths, const sweep_plan& plan,
                                      const shard_spec& shard);

} // namespace scalesweep
