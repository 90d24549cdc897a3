// Stored-chunk copies with H5Dread_chunk / H5Dwrite_chunk: no filters run on the way; a deflated
// chunk is inflated once to check it (zlib's Adler-32) before it is written.
#include "output/hdf5/chunk_copy.hpp"

#include "output/hdf5/h5_read.hpp"

#include <cstdint>
#include <zlib.h>

namespace scalesweep::h5 {

namespace {
std::string offset_text(const std::vector<hsize_t>& offset) {
  std::string text;
  for (const hsize_t o : offset) {
    text += (text.empty() ? "" : ", ") + std::to_string(o);
  }
  return text;
}
} // namespace

bool chunk_is_stored(hid_t dataset, const std::vector<hsize_t>& offset) {
  // Not H5Dget_chunk_info_by_coord: in HDF5 1.10.8 it walks the whole chunk index per call,
  // which made rebuilding a large file quadratic. H5Dget_chunk_storage_size fails for a chunk
  // without storage there, and reports 0 in later versions.
  hsize_t size = 0;
  if (H5Dget_chunk_storage_size(dataset, offset.data(), &size) < 0) {
    H5Eclear2(H5E_DEFAULT);
    return false;
  }
  return size > 0;
}

stored_chunk_rules stored_chunk_rules_of(hid_t dataset) {
  const std::vector<hsize_t> shape = chunk_shape(dataset);
  const handle type = datatype(H5Dget_type(dataset), "type");
  hsize_t bytes = H5Tget_size(type.get());
  for (const hsize_t n : shape) {
    bytes *= n;
  }
  const handle dcpl = property_list(H5Dget_create_plist(dataset), "dataset creation list");
  stored_chunk_rules rules;
  rules.raw_bytes = static_cast<std::int64_t>(bytes);
  rules.max_bytes = static_cast<std::int64_t>(compressBound(static_cast<uLong>(bytes))) + 4;
  rules.deflated = H5Pget_filter_by_id2(dcpl.get(), H5Z_FILTER_DEFLATE, nullptr, nullptr, nullptr,
                                        0, nullptr, nullptr) >= 0;
  if (!rules.deflated) {
    H5Eclear2(H5E_DEFAULT);
  }
  return rules;
}

namespace {

// Whether `stored` is a zlib stream of exactly `raw_bytes`, its checksum matching: zlib checks the
// stream's Adler-32 when it reaches the end, so a changed byte almost always fails here.
bool inflates_to(const std::vector<unsigned char>& stored, std::int64_t raw_bytes,
                 std::vector<unsigned char>& scratch) {
  scratch.resize(static_cast<std::size_t>(raw_bytes) + 1); // one more: a stream too long shows
  z_stream z{};
  if (inflateInit(&z) != Z_OK) {
    throw io_error("zlib: cannot start inflating a chunk");
  }
  z.next_in = const_cast<unsigned char*>(stored.data()); // NOLINT: zlib's API is not const
  z.avail_in = static_cast<uInt>(stored.size());
  z.next_out = scratch.data();
  z.avail_out = static_cast<uInt>(scratch.size());
  const int status = inflate(&z, Z_FINISH);
  const bool whole =
      status == Z_STREAM_END && z.total_out == static_cast<uLong>(raw_bytes) && z.avail_in == 0;
  inflateEnd(&z);
  return whole;
}

} // namespace

std::int64_t copy_stored_chunk(hid_t from, hid_t into, const std::vector<hsize_t>& offset,
                               std::vector<unsigned char>& buffer,
                               std::vector<unsigned char>& scratch, const std::string& variable,
                               const std::string& source, const stored_chunk_rules& rules) {
  hsize_t size = 0;
  std::uint32_t filters = 0;
  // What the source's chunk index says is the source's to answer for: a damaged file (exit 2).
  // The messages are built on failure only: this runs once per chunk.
  reading_input_file(source, [&] {
    if (H5Dget_chunk_storage_size(from, offset.data(), &size) < 0) {
      check(-1, "chunk size of '" + variable + "'");
    }
    if (size > static_cast<hsize_t>(rules.max_bytes)) {
      throw io_error("HDF5: a chunk of '" + variable + "' claims " + std::to_string(size) +
                     " bytes, more than its cells can take");
    }
    buffer.resize(size);
    if (H5Dread_chunk(from, H5P_DEFAULT, offset.data(), &filters, buffer.data()) < 0) {
      check(-1, "read a chunk of '" + variable + "'");
    }
    if (filters != 0) { // scalesweep applies every filter of the dataset to every chunk
      throw io_error("HDF5: a chunk of '" + variable +
                     "' is stored with some of its filters "
                     "skipped");
    }
    if (rules.deflated ? !inflates_to(buffer, rules.raw_bytes, scratch)
                       : size != static_cast<hsize_t>(rules.raw_bytes)) {
      throw io_error("HDF5: a chunk of '" + variable + "' at (" + offset_text(offset) +
                     ") does not hold what its checksum and size say (a changed byte)");
    }
  });
  if (H5Dwrite_chunk(into, H5P_DEFAULT, filters, offset.data(), size, buffer.data()) < 0) {
    check(-1, "write a chunk of '" + variable + "' copied from '" + source + "'");
  }
  return static_cast<std::int64_t>(size);
}

} // namespace scalesweep::h5
