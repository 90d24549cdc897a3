// Stored-chunk copies with H5Dread_chunk / H5Dwrite_chunk: no decompression, no filters run.
#include "output/hdf5/chunk_copy.hpp"

#include "output/hdf5/h5_read.hpp"

#include <cstdint>
#include <zlib.h>

namespace scalesweep::h5 {

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

std::int64_t stored_chunk_limit(hid_t dataset) {
  const std::vector<hsize_t> shape = chunk_shape(dataset);
  const handle type = datatype(H5Dget_type(dataset), "type");
  hsize_t bytes = H5Tget_size(type.get());
  for (const hsize_t n : shape) {
    bytes *= n;
  }
  return static_cast<std::int64_t>(compressBound(static_cast<uLong>(bytes))) + 4;
}

std::int64_t copy_stored_chunk(hid_t from, hid_t into, const std::vector<hsize_t>& offset,
                               std::vector<unsigned char>& buffer, const std::string& variable,
                               const std::string& source, std::int64_t limit) {
  hsize_t size = 0;
  std::uint32_t filters = 0;
  // What the source's chunk index says is the source's to answer for: a damaged file (exit 2).
  // The messages are built on failure only: this runs once per chunk.
  reading_input_file(source, [&] {
    if (H5Dget_chunk_storage_size(from, offset.data(), &size) < 0) {
      check(-1, "chunk size of '" + variable + "'");
    }
    if (size > static_cast<hsize_t>(limit)) {
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
  });
  if (H5Dwrite_chunk(into, H5P_DEFAULT, filters, offset.data(), size, buffer.data()) < 0) {
    check(-1, "write a chunk of '" + variable + "' copied from '" + source + "'");
  }
  return static_cast<std::int64_t>(size);
}

} // namespace scalesweep::h5
