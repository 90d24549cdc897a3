// Turns a tile's columns into HDF5 chunks as the file stores them: gathered into chunk shape,
// converted to the stored type, then shuffled and deflated when the dataset has those filters.
// Done here, on many threads, so that compression is not the writer's bottleneck.
#pragma once

#include "scalesweep/cells/tile.hpp"

#include "plan/config.hpp"
#include "plan/sweep_plan.hpp"

#include <cstdint>
#include <vector>

namespace scalesweep {

class chunk_encoder {
public:
  chunk_encoder(const variable_info& variable, const std::vector<std::int64_t>& chunk_shape,
                compression_kind compression, int deflate_level);

  // Bytes of one stored element: 8 (float64), 4 (float32) or 1 (status).
  std::size_t element_size() const { return m_element_size; }
  std::size_t chunk_bytes() const { return m_chunk_cells * m_element_size; }

  // Encodes the chunk `chunk` of `tile` from `column` (a double* or, for a status, a uint8_t*
  // holding the tile's cells) into `out`. `scratch` is reused between calls.
  void encode(const tile_box& tile, const void* column, const tile_box& chunk,
              std::vector<unsigned char>& scratch, std::vector<unsigned char>& out) const;

private:
  void gather(const tile_box& tile, const void* column, const tile_box& chunk,
              unsigned char* out) const;

  value_type m_type;
  bool m_float32;
  std::vector<std::int64_t> m_chunk_shape;
  std::size_t m_chunk_cells;
  std::size_t m_element_size;
  compression_kind m_compression;
  int m_level;
};

// HDF5's shuffle filter (H5Z_FILTER_SHUFFLE): byte b of element i goes to b * n + i.
void shuffle_bytes(const unsigned char* in, std::size_t bytes, std::size_t element_size,
                   unsigned char* out);

} // namespace scalesweep
