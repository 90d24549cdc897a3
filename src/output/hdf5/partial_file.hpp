// The partial file of a run, ready for writing: created for a new run, or checked (and rebuilt
// where its chunks got space as written) for a resume, then opened by every rank.
#pragma once

#include "output/hdf5/h5_handle.hpp"
#include "output/hdf5/hdf5_sink.hpp"
#include "output/rename_into_place.hpp"
#include "plan/sweep_plan.hpp"

namespace scalesweep::h5 {

struct opened_partial {
  handle file;
  file_identity identity; // the partial file as opened: published only if still the same
};

// Rank 0 creates or prepares options.paths.partial (collective under MPI: every rank learns
// whether it worked), then every rank opens it, with MPI-IO when `comm` is parallel.
opened_partial open_partial_file(const sweep_plan& plan, const shard_spec& shard,
                                 const communicator& comm, const sink_options& options);

} // namespace scalesweep::h5
