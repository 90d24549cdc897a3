// The chunk codec (gather into chunk shape, float32 conversion, shuffle + deflate) against an
// independent reference: each chunk built cell by cell from the tile, shuffled by a hand-written
// loop and deflated by zlib's compress2 directly; the encoder's bytes must equal it, and zlib's
// uncompress plus the hand-written unshuffle must give the chunk back.
#include "scalesweep/cells/tile.hpp"

#include "output/hdf5/chunk_codec.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>
#include <zlib.h>

namespace {

using namespace scalesweep;

using bytes = std::vector<unsigned char>;

// HDF5's shuffle filter, element by element: byte b of element i goes to b * n + i.
bytes reference_shuffle(const bytes& in, std::size_t element_size) {
  const std::size_t n = in.size() / element_size;
  bytes out(in.size());
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t b = 0; b < element_size; ++b) {
      out[b * n + i] = in[i * element_size + b];
    }
  }
  return out;
}

// The shuffle transposes n elements x element_size bytes; its inverse transposes back, which is
// the shuffle of the same bytes taken as element_size "elements" of n bytes.
bytes reference_unshuffle(const bytes& in, std::size_t element_size) {
  return reference_shuffle(in, in.size() / element_size);
}

bytes deflate(const bytes& raw, int level) {
  uLongf size = compressBound(static_cast<uLong>(raw.size()));
  bytes out(size);
  EXPECT_EQ(compress2(out.data(), &size, raw.data(), static_cast<uLong>(raw.size()), level), Z_OK);
  out.resize(size);
  return out;
}

bytes inflate(const bytes& packed, std::size_t raw_size) {
  bytes out(raw_size);
  uLongf size = raw_size;
  EXPECT_EQ(uncompress(out.data(), &size, packed.data(), static_cast<uLong>(packed.size())), Z_OK);
  EXPECT_EQ(size, raw_size);
  return out;
}

template <class T>
bytes as_bytes(const std::vector<T>& v) {
  bytes out(v.size() * sizeof(T));
  std::memcpy(out.data(), v.data(), out.size());
  return out;
}

// A rank-3 tile away from the origin whose extents the chunk shape does not divide: the chunks
// at its far edges are partial.
struct fixture {
  tile_box tile{3, {2, 4, 6}, {3, 5, 7}};
  std::vector<std::int64_t> chunk_shape = {2, 2, 4};
  std::vector<double> numbers;
  std::vector<std::uint8_t> statuses;

  fixture() {
    std::mt19937_64 rng(3);
    std::uniform_real_distribution<double> spread(-30, 30);
    for (std::int64_t i = 0; i < cell_count(tile); ++i) {
      // Values float32 must round (not k/2^n), of all magnitudes, and a NaN (a failed cell).
      numbers.push_back(i == 17 ? std::nan("") : std::exp(spread(rng)) / 3.0);
      statuses.push_back(static_cast<std::uint8_t>(i % 5));
    }
  }

  // Every chunk of the tile, by nested loops over chunk starts.
  std::vector<tile_box> chunks() const {
    std::vector<tile_box> out;
    for (std::int64_t a = 0; a < tile.count[0]; a += chunk_shape[0]) {
      for (std::int64_t b = 0; b < tile.count[1]; b += chunk_shape[1]) {
        for (std::int64_t c = 0; c < tile.count[2]; c += chunk_shape[2]) {
          tile_box box{3,
                       {tile.offset[0] + a, tile.offset[1] + b, tile.offset[2] + c},
                       {std::min(chunk_shape[0], tile.count[0] - a),
                        std::min(chunk_shape[1], tile.count[1] - b),
                        std::min(chunk_shape[2], tile.count[2] - c)}};
          out.push_back(box);
        }
      }
    }
    return out;
  }

  // The chunk as stored: full chunk shape, row-major; cells past the grid's edge hold `pad`.
  template <class Stored, class Computed>
  std::vector<Stored> expected(const std::vector<Computed>& column, const tile_box& chunk,
                               Stored pad) const {
    std::vector<Stored> out;
    for (std::int64_t i = 0; i < chunk_shape[0]; ++i) {
      for (std::int64_t j = 0; j < chunk_shape[1]; ++j) {
        for (std::int64_t k = 0; k < chunk_shape[2]; ++k) {
          if (i >= chunk.count[0] || j >= chunk.count[1] || k >= chunk.count[2]) {
            out.push_back(pad);
            continue;
          }
          const std::int64_t a = chunk.offset[0] - tile.offset[0] + i;
          const std::int64_t b = chunk.offset[1] - tile.offset[1] + j;
          const std::int64_t c = chunk.offset[2] - tile.offset[2] + k;
          const std::int64_t cell = (a * tile.count[1] + b) * tile.count[2] + c;
          out.push_back(static_cast<Stored>(column[static_cast<std::size_t>(cell)]));
        }
      }
    }
    return out;
  }
};

variable_info variable(value_type type, bool float32 = false) {
  return {"v", "1", "a variable", type, float32};
}

TEST(ChunkCodec, ShuffleMovesByteBOfElementIToBTimesNPlusI) {
  std::mt19937 rng(9);
  for (const std::size_t element_size : {1u, 4u, 8u}) {
    bytes in(element_size * 37);
    for (unsigned char& b : in) {
      b = static_cast<unsigned char>(rng());
    }
    bytes out(in.size());
    shuffle_bytes(in.data(), in.size(), element_size, out.data());
    EXPECT_EQ(out, reference_shuffle(in, element_size)) << element_size << "-byte elements";
  }
}

TEST(ChunkCodec, Float64ChunksDeflateAsZlibDoesAndInflateBack) {
  const fixture f;
  const chunk_encoder encoder(variable(value_type::f64), f.chunk_shape, compression_kind::deflate,
                              4);
  ASSERT_EQ(encoder.element_size(), 8u);
  ASSERT_EQ(encoder.chunk_bytes(), 16u * 8u);
  bytes scratch, out;
  int partial = 0;
  for (const tile_box& chunk : f.chunks()) {
    partial += cell_count(chunk) < 16 ? 1 : 0;
    const bytes raw =
        as_bytes(f.expected<double>(f.numbers, chunk, std::numeric_limits<double>::quiet_NaN()));
    encoder.encode(f.tile, f.numbers.data(), chunk, scratch, out);
    EXPECT_EQ(out, deflate(reference_shuffle(raw, 8), 4));
    EXPECT_EQ(reference_unshuffle(inflate(out, raw.size()), 8), raw);
  }
  EXPECT_GT(partial, 0); // the fixture reaches the edge cases
}

TEST(ChunkCodec, Float32ChunksHoldTheRoundedNumbers) {
  const fixture f;
  const chunk_encoder encoder(variable(value_type::f64, true), f.chunk_shape,
                              compression_kind::deflate, 6);
  ASSERT_EQ(encoder.element_size(), 4u);
  bytes scratch, out;
  for (const tile_box& chunk : f.chunks()) {
    const std::vector<float> stored =
        f.expected<float>(f.numbers, chunk, std::numeric_limits<float>::quiet_NaN());
    const bytes raw = as_bytes(stored);
    encoder.encode(f.tile, f.numbers.data(), chunk, scratch, out);
    EXPECT_EQ(out, deflate(reference_shuffle(raw, 4), 6));
    const bytes back = reference_unshuffle(inflate(out, raw.size()), 4);
    EXPECT_EQ(back, raw);
    // Each stored float is the nearest float to its double: neither neighbour is closer.
    std::vector<float> decoded(stored.size());
    std::memcpy(decoded.data(), back.data(), back.size());
    const std::vector<double> exact =
        f.expected<double>(f.numbers, chunk, std::numeric_limits<double>::quiet_NaN());
    for (std::size_t i = 0; i < decoded.size(); ++i) {
      if (std::isnan(exact[i])) {
        EXPECT_TRUE(std::isnan(decoded[i])) << i;
        continue;
      }
      const double error = std::fabs(static_cast<double>(decoded[i]) - exact[i]);
      for (const float neighbour :
           {std::nextafter(decoded[i], 0.0F), std::nextafter(decoded[i], 2 * decoded[i])}) {
        EXPECT_LE(error, std::fabs(static_cast<double>(neighbour) - exact[i])) << i;
      }
    }
  }
}

TEST(ChunkCodec, StatusChunksAreBytesPaddedWithZero) {
  const fixture f;
  const chunk_encoder encoder(variable(value_type::u8), f.chunk_shape, compression_kind::deflate,
                              1);
  ASSERT_EQ(encoder.element_size(), 1u);
  bytes scratch, out;
  for (const tile_box& chunk : f.chunks()) {
    const bytes raw = f.expected<std::uint8_t>(f.statuses, chunk, 0);
    encoder.encode(f.tile, f.statuses.data(), chunk, scratch, out);
    EXPECT_EQ(out, deflate(raw, 1)); // one-byte elements: the shuffle leaves them in place
    EXPECT_EQ(inflate(out, raw.size()), raw);
  }
}

TEST(ChunkCodec, UncompressedChunksAreTheGatheredCells) {
  const fixture f;
  const chunk_encoder encoder(variable(value_type::f64), f.chunk_shape, compression_kind::none, 4);
  bytes scratch, out;
  for (const tile_box& chunk : f.chunks()) {
    encoder.encode(f.tile, f.numbers.data(), chunk, scratch, out);
    EXPECT_EQ(out, as_bytes(f.expected<double>(f.numbers, chunk,
                                               std::numeric_limits<double>::quiet_NaN())));
  }
}

} // namespace
