// Rebuilds a partial file whose chunks got space as written, before a resume, so that only chunks
// recorded done survive.
#pragma once

#include "output/hdf5/result_layout.hpp"
#include "plan/sweep_plan.hpp"

#include <cstdint>
#include <string>

namespace scalesweep {

struct shard_spec;

namespace h5 {

struct rebuild_summary {
  std::int64_t chunks_kept = 0;    // recorded done and copied
  std::int64_t chunks_dropped = 0; // recorded done but not in the file: computed again
  std::int64_t bytes_copied = 0;
};

// Copies the chunks that the progress record of the partial file `partial` marks done into a new
// file with the same skeleton and attributes (its chunks allocated as `allocation` says), then
// replaces `partial` with it.
//
// Why: a compressed chunk, or any chunk of a sparse shard part, gets its file space when written.
// A chunk written after the last checkpoint, or a checkpoint cut short by a kill, can leave the
// chunk index on disk naming space that the resumed run hands out again, and HDF5 reads existing
// chunks back when a write covers them partly: the resumed run would read garbage or overwrite
// results. Uncompressed datasets allocated when the file was created need none of this
// (resume_check.hpp: resumable_in_place). A kill during the rebuild leaves `partial` as it was.
// Checks that `partial` is resumable for `plan` and `shard` first.
rebuild_summary rebuild_partial(const std::string& partial, const sweep_plan& plan,
                                const shard_spec& shard, chunk_allocation allocation);

} // namespace h5
} // namespace scalesweep
