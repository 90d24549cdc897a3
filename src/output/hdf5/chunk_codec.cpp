// Chunk gathering, type conversion and the shuffle + deflate filters, byte-compatible with HDF5's.
#include "output/hdf5/chunk_codec.hpp"

#include "scalesweep/error.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <zlib.h>

namespace scalesweep {

chunk_encoder::chunk_encoder(const variable_info& variable,
                             const std::vector<std::int64_t>& chunk_shape,
                             compression_kind compression, int deflate_level)
    : m_type(variable.type), m_float32(variable.stored_as_float32), m_chunk_shape(chunk_shape),
      m_chunk_cells(1), m_compression(compression), m_level(deflate_level) {
  for (std::int64_t c : chunk_shape) {
    m_chunk_cells *= static_cast<std::size_t>(c);
  }
  m_element_size = m_type == value_type::u8 ? 1 : (m_float32 ? 4 : 8);
}

namespace {
template <class Stored, class Computed>
void copy_run(const Computed* in, std::int64_t n, unsigned char* out) {
  auto* o = reinterpret_cast<Stored*>(out);
  for (std::int64_t i = 0; i < n; ++i) {
    o[i] = static_cast<Stored>(in[i]);
  }
}

template <class Stored>
void fill(unsigned char* out, std::size_t n, Stored value) {
  auto* o = reinterpret_cast<Stored*>(out);
  for (std::size_t i = 0; i < n; ++i) {
    o[i] = value;
  }
}
} // namespace

void chunk_encoder::gather(const tile_box& tile, const void* column, const tile_box& chunk,
                           unsigned char* out) const {
  const int rank = tile.rank;
  const int last = rank - 1;
  // Edge chunks are stored full size; the padding is never read, but keep it deterministic.
  bool partial = false;
  for (int d = 0; d < rank; ++d) {
    partial = partial || chunk.count[d] != m_chunk_shape[static_cast<std::size_t>(d)];
  }
  if (partial) {
    if (m_type == value_type::u8) {
      std::memset(out, 0, m_chunk_cells);
    } else if (m_float32) {
      fill<float>(out, m_chunk_cells, std::numeric_limits<float>::quiet_NaN());
    } else {
      fill<double>(out, m_chunk_cells, std::numeric_limits<double>::quiet_NaN());
    }
  }
  std::int64_t rows = 1;
  for (int d = 0; d < last; ++d) {
    rows *= chunk.count[d];
  }
  const std::int64_t run = chunk.count[last];
  for (std::int64_t r = 0; r < rows; ++r) {
    // The row's position in the tile (source) and in the chunk buffer (destination).
    std::int64_t rest = r, src = 0, dst = 0, src_stride = 1, dst_stride = 1;
    src_stride = tile.count[last];
    dst_stride = m_chunk_shape[static_cast<std::size_t>(last)];
    for (int d = last - 1; d >= 0; --d) {
      const std::int64_t i = rest % chunk.count[d];
      rest /= chunk.count[d];
      src += (chunk.offset[d] - tile.offset[d] + i) * src_stride;
      dst += i * dst_stride;
      src_stride *= tile.count[d];
      dst_stride *= m_chunk_shape[static_cast<std::size_t>(d)];
    }
    src += chunk.offset[last] - tile.offset[last];
    unsigned char* o = out + static_cast<std::size_t>(dst) * m_element_size;
    if (m_type == value_type::u8) {
      std::memcpy(o, static_cast<const std::uint8_t*>(column) + src, static_cast<std::size_t>(run));
    } else if (m_float32) {
      copy_run<float>(static_cast<const double*>(column) + src, run, o);
    } else {
      std::memcpy(o, static_cast<const double*>(column) + src,
                  static_cast<std::size_t>(run) * sizeof(double));
    }
  }
}

void shuffle_bytes(const unsigned char* in, std::size_t bytes, std::size_t element_size,
                   unsigned char* out) {
  const std::size_t n = bytes / element_size;
  for (std::size_t b = 0; b < element_size; ++b) {
    unsigned char* o = out + b * n;
    const unsigned char* i = in + b;
    for (std::size_t e = 0; e < n; ++e) {
      o[e] = i[e * element_size];
    }
  }
}

void chunk_encoder::encode(const tile_box& tile, const void* column, const tile_box& chunk,
                           std::vector<unsigned char>& scratch,
                           std::vector<unsigned char>& out) const {
  const std::size_t raw = chunk_bytes();
  if (m_compression == compression_kind::none) {
    out.resize(raw);
    gather(tile, column, chunk, out.data());
    return;
  }
  scratch.resize(2 * raw);
  gather(tile, column, chunk, scratch.data());
  unsigned char* shuffled = scratch.data() + raw;
  shuffle_bytes(scratch.data(), raw, m_element_size, shuffled);
  uLongf size = compressBound(static_cast<uLong>(raw));
  out.resize(size);
  const int status = compress2(out.data(), &size, shuffled, static_cast<uLong>(raw), m_level);
  if (status != Z_OK) {
    throw io_error("deflate failed on a chunk (zlib status " + std::to_string(status) + ")");
  }
  out.resize(size);
}

} // namespace scalesweep
