// Joins the files of a sharded run (`run --shard i/n`) into the file a single run would write.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace scalesweep {

struct merge_summary {
  // Chunk positions of the grids (as `inspect` counts them; each holds every variable's chunk).
  std::int64_t chunks = 0;
  std::int64_t bytes_copied = 0; // every variable's chunks, as stored (compressed or not)
};

// Checks each part: a scalesweep result of this version with a progress record, every chunk it
// records done stored in every variable of that record; that the parts come from the same config
// (every root attribute but those that say how a part was made agrees) and together hold every
// chunk. Then creates the result anew from the parts' config (a single run's skeleton, with part
// 1's provenance), copies each chunk byte for byte from the part that holds it (compressed chunks
// stay as written), and publishes it only once every chunk is in. Writes
// output_paths(out).partial and renames it. Throws input_error naming the part and what is wrong.
// libhdf5 1.10 crashes or spins on some damaged files, sometimes well after the read that went
// wrong: the CLI runs this in a child process (isolated_call.hpp), which it supports (progress,
// notes, the partial file owned, interrupts).
merge_summary merge_parts(const std::vector<std::string>& parts, const std::string& out);

} // namespace scalesweep
