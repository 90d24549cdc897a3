// Tiling: tiles are bounded, cover every cell of a grid exactly once, and decode to grid indices;
// the default memory limits that size them.
#include "scalesweep/sweep_plan.hpp"
#include "scalesweep/tile.hpp"

#include "memory_budget.hpp"

#include <gtest/gtest.h>

#include <random>

namespace {

using namespace scalesweep;

TEST(Tiling, ShapeFillsInnermostDimensionsFirst) {
  EXPECT_EQ(choose_tile_shape({3, 6, 401, 401}, 131072),
            (std::vector<std::int64_t>{1, 1, 326, 401}));
  EXPECT_EQ(choose_tile_shape({1, 141, 141}, 131072), (std::vector<std::int64_t>{1, 141, 141}));
  EXPECT_EQ(choose_tile_shape({4, 5}, 1), (std::vector<std::int64_t>{1, 1}));
  EXPECT_EQ(choose_tile_shape({7, 1000}, 300), (std::vector<std::int64_t>{1, 300}));
}

problem_plan plan_of(std::vector<std::int64_t> shape, std::int64_t max_cells) {
  problem_plan p;
  p.shape = std::move(shape);
  p.tile_shape = choose_tile_shape(p.shape, max_cells);
  return p;
}

// Every cell is visited once, by a tile no bigger than the limit, at the index grid_index gives.
TEST(Tiling, RandomGridsAreCoveredExactlyOnce) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    const int rank = 1 + static_cast<int>(rng() % 4);
    std::vector<std::int64_t> shape;
    shape.reserve(static_cast<std::size_t>(rank));
    for (int d = 0; d < rank; ++d) {
      shape.push_back(1 + static_cast<std::int64_t>(rng() % 13));
    }
    const std::int64_t limit = 1 + static_cast<std::int64_t>(rng() % 60);
    const problem_plan p = plan_of(shape, limit);
    std::vector<int> visits(static_cast<std::size_t>(p.cells()), 0);
    for (std::int64_t t = 0; t < p.tile_count(); ++t) {
      const tile_box box = p.tile(t);
      ASSERT_LE(cell_count(box), limit);
      for (std::int64_t i = 0; i < cell_count(box); ++i) {
        std::int64_t g[max_rank];
        grid_index(box, i, g);
        std::int64_t flat = 0;
        for (int d = 0; d < rank; ++d) {
          ASSERT_GE(g[d], 0);
          ASSERT_LT(g[d], shape[static_cast<std::size_t>(d)]);
          flat = flat * shape[static_cast<std::size_t>(d)] + g[d];
        }
        ++visits[static_cast<std::size_t>(flat)];
      }
    }
    for (int v : visits) {
      ASSERT_EQ(v, 1);
    }
  }
}

} // namespace

namespace {

using namespace scalesweep;

// Tiles grown by chunk_aligned_tile_shape hold whole chunks: every tile offset is a multiple of
// the chunk shape, every tile extent too (or reaches the grid's edge), and the limit holds.
TEST(Tiling, ChunkAlignedTilesHoldWholeChunks) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 300; ++trial) {
    const int rank = 1 + static_cast<int>(rng() % 4);
    std::vector<std::int64_t> shape;
    shape.reserve(static_cast<std::size_t>(rank));
    for (int d = 0; d < rank; ++d) {
      shape.push_back(1 + static_cast<std::int64_t>(rng() % 40));
    }
    const std::int64_t chunk_cells = 1 + static_cast<std::int64_t>(rng() % 50);
    const std::int64_t tile_cells = chunk_cells * (1 + static_cast<std::int64_t>(rng() % 20));
    problem_plan p;
    p.shape = shape;
    p.chunk_shape = choose_tile_shape(shape, chunk_cells);
    p.tile_shape = chunk_aligned_tile_shape(shape, p.chunk_shape, tile_cells);
    std::int64_t chunk_size = 1, tile_size = 1;
    for (int d = 0; d < rank; ++d) {
      chunk_size *= p.chunk_shape[static_cast<std::size_t>(d)];
      tile_size *= p.tile_shape[static_cast<std::size_t>(d)];
    }
    ASSERT_LE(tile_size, std::max(tile_cells, chunk_size));
    std::int64_t covered = 0;
    for (std::int64_t t = 0; t < p.tile_count(); ++t) {
      const tile_box box = p.tile(t);
      covered += cell_count(box);
      for (int d = 0; d < rank; ++d) {
        const std::int64_t c = p.chunk_shape[static_cast<std::size_t>(d)];
        ASSERT_EQ(box.offset[d] % c, 0);
        ASSERT_TRUE(box.count[d] % c == 0 ||
                    box.offset[d] + box.count[d] == shape[static_cast<std::size_t>(d)]);
      }
    }
    std::int64_t cells = 1;
    for (std::int64_t s : shape) {
      cells *= s;
    }
    ASSERT_EQ(covered, cells);
  }
}

// The default GPU memory limit is split among the node's ranks that use the device: with the
// default choice (local rank modulo devices) those with the same ordinal, so the shares of every
// device add up to at most half its free memory.
TEST(MemoryLimits, RanksSharingADeviceSplitItsDefault) {
  for (int devices = 1; devices <= 8; ++devices) {
    for (int local_size = 1; local_size <= 20; ++local_size) {
      std::vector<int> users(static_cast<std::size_t>(devices), 0);
      for (int r = 0; r < local_size; ++r) {
        ++users[static_cast<std::size_t>(r % devices)];
      }
      for (int r = 0; r < local_size; ++r) {
        ASSERT_EQ(ranks_sharing_device(r, local_size, devices, false),
                  users[static_cast<std::size_t>(r % devices)])
            << r << " of " << local_size << " ranks, " << devices << " devices";
        // An explicit --device may name one GPU in every rank: all of the node's ranks share it.
        ASSERT_EQ(ranks_sharing_device(r, local_size, devices, true), local_size);
      }
    }
  }
  const std::int64_t free = std::int64_t{80} << 30;
  EXPECT_EQ(default_device_memory_limit(free, 1), free / 2);
  EXPECT_EQ(default_device_memory_limit(free, 4), free / 8);
  EXPECT_EQ(default_device_memory_limit(free, 0), free / 2);
}

} // namespace
