// Copies stored (still compressed) chunks between datasets of the same layout: merging shard
// files and rebuilding a partial file before a resume.
#pragma once

#include "output/hdf5/h5_handle.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace scalesweep::h5 {

// Whether the chunk at `offset` has storage in `dataset` (is in its chunk index).
bool chunk_is_stored(hid_t dataset, const std::vector<hsize_t>& offset);

// What a stored chunk of a dataset may be: at most `max_bytes` (its cells' bytes and what deflate
// may add: zlib's compressBound, and a Fletcher32 checksum), and when `deflated`, a zlib stream
// that inflates to exactly `raw_bytes` (its Adler-32 checksum matching), else exactly `raw_bytes`.
struct stored_chunk_rules {
  std::int64_t max_bytes = 0;
  std::int64_t raw_bytes = 0;
  bool deflated = false;
};

// The rules of `dataset`'s layout: take them from a dataset scalesweep created from the config
// (the copy's target), not from the file being checked.
stored_chunk_rules stored_chunk_rules_of(hid_t dataset);

// Copies the chunk at `offset` of `variable` from `from` (in the file `source`) into `into` as
// stored, filters and all; returns its size in bytes. `buffer` and `scratch` are kept between
// calls. io_error, before the write, for a chunk that breaks `rules` (over the size, a deflate
// stream that does not inflate to the chunk: a changed byte) or one stored with some of its
// filters skipped: a copy never carries damage on unseen.
std::int64_t copy_stored_chunk(hid_t from, hid_t into, const std::vector<hsize_t>& offset,
                               std::vector<unsigned char>& buffer,
                               std::vector<unsigned char>& scratch, const std::string& variable,
                               const std::string& source, const stored_chunk_rules& rules);

} // namespace scalesweep::h5
