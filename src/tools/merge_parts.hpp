// Joins the files of a sharded run (`run --shard i/n`) into the file a single run would write.
#pragma once

#include <string>
#include <vector>

namespace scalesweep {

struct merge_summary {
  // Chunk positions of the grids (as `inspect` counts them; each holds every variable's chunk).
  std::int64_t chunks_in_first = 0; // came with the whole-file copy of the first part
  std::int64_t chunks_copied = 0;   // copied one by one from the other parts
  std::int64_t bytes_copied = 0;    // by those copies, every variable's
};

// Checks that the parts come from the same config and scalesweep version and together hold every
// chunk, then copies part 1 and fills in the other parts' chunks byte for byte (compressed chunks
// stay as written). Writes output_paths(out).partial and renames it. Throws input_error naming the
// part and what is wrong.
merge_summary merge_parts(const std::vector<std::string>& parts, const std::string& out);

} // namespace scalesweep
