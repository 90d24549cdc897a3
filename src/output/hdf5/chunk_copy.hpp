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

// The most bytes a stored chunk of `dataset` may take: its cells' bytes and what deflate may add
// (zlib's compressBound) and a Fletcher32 checksum. A chunk index that claims more is damaged.
std::int64_t stored_chunk_limit(hid_t dataset);

// Copies the chunk at `offset` of `variable` from `from` (in the file `source`) into `into` as
// stored, filters and all; returns its size in bytes. `buffer` is scratch kept between calls.
// io_error, before any allocation, for a chunk over `limit` bytes (stored_chunk_limit of `from`)
// or one stored with some of its filters skipped.
std::int64_t copy_stored_chunk(hid_t from, hid_t into, const std::vector<hsize_t>& offset,
                               std::vector<unsigned char>& buffer, const std::string& variable,
                               const std::string& source, std::int64_t limit);

} // namespace scalesweep::h5
