// Tiling: tiles are bounded, cover every cell of a grid exactly once, and decode to grid indices;
// the default memory limits that size them.
#include "scalesweep/cells/tile.hpp"

#include "plan/config.hpp"
#include "plan/memory_budget.hpp"
#include "plan/sweep_plan.hpp"
#include "plan/work_assignment.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace {

using namespace scalesweep;

TEST(Tiling, ShapeFillsInnermostDimensionsFirst) {
  // 131072 / 401 = 326 rows fit; 401 rows cut in two equal pieces are 201 + 200.
  EXPECT_EQ(choose_tile_shape({3, 6, 401, 401}, 131072),
            (std::vector<std::int64_t>{1, 1, 201, 401}));
  EXPECT_EQ(choose_tile_shape({1, 141, 141}, 131072), (std::vector<std::int64_t>{1, 141, 141}));
  EXPECT_EQ(choose_tile_shape({4, 5}, 1), (std::vector<std::int64_t>{1, 1}));
  // 1000 in pieces of at most 300: four of 250.
  EXPECT_EQ(choose_tile_shape({7, 1000}, 300), (std::vector<std::int64_t>{1, 250}));
  // 2 x 257 = 514 cells fit in 600; the outer dimension then has room for 1.
  EXPECT_EQ(choose_tile_shape({5, 2, 257}, 600), (std::vector<std::int64_t>{1, 2, 257}));
}

// HDF5 stores edge chunks at full size: the chunk grid may overhang the grid by less than one
// cell per piece along the dimension that is cut, never by a nearly empty chunk.
TEST(Tiling, ChunkGridOverhangsByLessThanOneCellPerPiece) {
  std::mt19937 rng(5);
  for (int trial = 0; trial < 2000; ++trial) {
    const int rank = 1 + static_cast<int>(rng() % 4);
    std::vector<std::int64_t> shape;
    for (int d = 0; d < rank; ++d) {
      shape.push_back(1 + static_cast<std::int64_t>(rng() % 700));
    }
    const std::int64_t limit = 1 + static_cast<std::int64_t>(rng() % 200000);
    const std::vector<std::int64_t> chunk = choose_tile_shape(shape, limit);
    std::int64_t cells = 1;
    for (int d = 0; d < rank; ++d) {
      const auto u = static_cast<std::size_t>(d);
      cells *= chunk[u];
      const std::int64_t pieces = (shape[u] + chunk[u] - 1) / chunk[u];
      ASSERT_LT(pieces * chunk[u] - shape[u], pieces) << "dimension " << d;
    }
    ASSERT_LE(cells, limit);
  }
}

problem_grid plan_of(std::vector<std::int64_t> shape, std::int64_t max_cells) {
  problem_grid p;
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
    const problem_grid p = plan_of(shape, limit);
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
    problem_grid p;
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

// The disk check of `run --shard` asks for the part's own chunks: each chunk belongs to exactly
// one shard, so the parts of n shards add up to the whole file plus n - 1 more copies of what
// every file holds besides chunks; a grid of one block is all in shard 1 (round-robin blocks),
// where 1/n of the file, the old estimate, would have been a third of the truth for n = 3.
TEST(ShardDisk, PartsHoldTheirOwnChunksAndTogetherTheWholeGrid) {
  for (const char* chunk : {"64", "100000"}) {
    const sweep_plan plan = make_plan(parse_config(
        std::string(
            "[law]\npreset = \"sardana2024\"\n[axes]\nN = { log10 = [7, 13], points = 50 }\n"
            "D = { log10 = [8, 15], points = 60 }\nT = { values = [0, 1e9, 1e12] }\n"
            "loss_target = { linear = [1.9, 2.6], points = 21 }\n[output]\nchunk_cells = ") +
            chunk + "\n",
        "disk.toml"));
    const std::int64_t whole = plan.output_bytes();
    std::int64_t chunks = 0;
    std::int64_t blocks = 0;
    for (const problem_grid& p : plan.problems) {
      chunks += p.chunk_count() * (p.chunk_bytes() + 1);
      blocks = std::max(blocks, p.block_count());
    }
    const std::int64_t fixed = whole - chunks;
    for (int n = 1; n <= 5; ++n) {
      std::int64_t sum = 0;
      for (int i = 0; i < n; ++i) {
        sum += shard_output_bytes(plan, shard_spec{i, n});
      }
      EXPECT_EQ(sum, whole + (n - 1) * fixed) << "chunk_cells " << chunk << ", " << n << " shards";
    }
    if (blocks == 1) {
      EXPECT_EQ(shard_output_bytes(plan, shard_spec{0, 3}), whole);
      EXPECT_EQ(shard_output_bytes(plan, shard_spec{1, 3}), fixed);
    }
  }
}

// A shard's chunks, one flag per chunk in row-major order, and their cells, found chunk by chunk:
// each chunk's position decoded by hand, the block that holds it located, and blocks dealt
// round-robin (block b to shard b mod n). Written apart from box_grid, the code under test.
struct shard_chunk_reference {
  std::vector<std::uint8_t> mask;
  std::int64_t chunks = 0;
  std::int64_t cells = 0;
};

shard_chunk_reference shard_chunks(const problem_grid& p, const shard_spec& shard) {
  const std::size_t rank = p.shape.size();
  std::vector<std::int64_t> chunks_along(rank), blocks_along(rank);
  std::int64_t total = 1;
  for (std::size_t d = 0; d < rank; ++d) {
    chunks_along[d] = (p.shape[d] + p.chunk_shape[d] - 1) / p.chunk_shape[d];
    blocks_along[d] = (p.shape[d] + p.block_shape[d] - 1) / p.block_shape[d];
    total *= chunks_along[d];
  }
  shard_chunk_reference ref;
  ref.mask.assign(static_cast<std::size_t>(total), 0);
  for (std::int64_t c = 0; c < total; ++c) {
    std::vector<std::int64_t> position(rank);
    std::int64_t rest = c;
    for (std::size_t d = rank; d-- > 0;) {
      position[d] = rest % chunks_along[d];
      rest /= chunks_along[d];
    }
    std::int64_t block = 0;
    std::int64_t cells = 1;
    for (std::size_t d = 0; d < rank; ++d) {
      const std::int64_t offset = position[d] * p.chunk_shape[d];
      block = block * blocks_along[d] + offset / p.block_shape[d];
      cells *= std::min(p.chunk_shape[d], p.shape[d] - offset);
    }
    if (block % shard.count == shard.index) {
      ref.mask[static_cast<std::size_t>(c)] = 1;
      ++ref.chunks;
      ref.cells += cells;
    }
  }
  return ref;
}

// validate counts a shard's cells and chunks block by block (grids of billions of chunks); the
// chunk-by-chunk reference above, the count that run's progress record (one flag per chunk)
// gives, is the independent check. Axis lengths that chunks do not divide give smaller edge
// chunks.
TEST(ShardCells, BlockCountsEqualChunkByChunkCounts) {
  for (const char* chunk : {"7", "64", "100000"}) {
    const sweep_plan plan = make_plan(parse_config(
        std::string(
            "[law]\npreset = \"sardana2024\"\n[axes]\nN = { log10 = [7, 13], points = 53 }\n"
            "D = { log10 = [8, 15], points = 61 }\nT = { values = [0, 1e9, 1e12] }\n"
            "loss_target = { linear = [1.9, 2.6], points = 23 }\n[output]\nchunk_cells = ") +
            chunk + "\n",
        "cells.toml"));
    for (int n = 1; n <= 5; ++n) {
      std::int64_t sum = 0;
      for (int i = 0; i < n; ++i) {
        std::int64_t by_chunk = 0;
        std::int64_t other_chunk_bytes = 0;
        for (const problem_grid& p : plan.problems) {
          const shard_chunk_reference mine = shard_chunks(p, shard_spec{i, n});
          ASSERT_EQ(static_cast<std::int64_t>(mine.mask.size()), p.chunk_count());
          ASSERT_EQ(cells_of_chunks(p, mine.mask), mine.cells);
          by_chunk += mine.cells;
          other_chunk_bytes +=
              (static_cast<std::int64_t>(mine.mask.size()) - mine.chunks) * (p.chunk_bytes() + 1);
        }
        const std::int64_t cells = shard_cells(plan, shard_spec{i, n});
        EXPECT_EQ(cells, by_chunk) << "chunk_cells " << chunk << ", shard " << i + 1 << "/" << n;
        EXPECT_EQ(shard_output_bytes(plan, shard_spec{i, n}),
                  plan.output_bytes() - other_chunk_bytes)
            << "chunk_cells " << chunk << ", shard " << i + 1 << "/" << n;
        sum += cells;
      }
      EXPECT_EQ(sum, plan.total_cells()) << "chunk_cells " << chunk << ", " << n << " shards";
    }
  }
}

// The default GPU memory limit is split among the ranks that use one physical GPU, told apart by
// the identities of their GPUs (a hash of the UUID), not by ordinals: under per-rank
// CUDA_VISIBLE_DEVICES every rank's GPU is its device 0. Identity 0 is a rank on no GPU.
TEST(MemoryLimits, RanksSharingADeviceSplitItsDefault) {
  // Two nodes: ranks 0-3 on GPUs a, a, b, a; ranks 4-6 each on their own GPU (c, d, e); rank 7
  // on the CPU.
  const std::vector<std::int64_t> ids = {11, 11, 22, 11, 33, 44, 55, 0};
  const int expected[] = {3, 3, 1, 3, 1, 1, 1, 1};
  for (int r = 0; r < static_cast<int>(ids.size()); ++r) {
    EXPECT_EQ(ranks_sharing_device(ids, r), expected[r]) << "rank " << r;
  }
  EXPECT_EQ(ranks_sharing_device({0, 0, 0}, 1), 1); // ranks on no GPU share nothing
  EXPECT_EQ(ranks_sharing_device({7}, 0), 1);       // a serial run
  const std::int64_t free = std::int64_t{80} << 30;
  EXPECT_EQ(default_device_memory_limit(free, 1), free / 2);
  EXPECT_EQ(default_device_memory_limit(free, 4), free / 8);
  EXPECT_EQ(default_device_memory_limit(free, 0), free / 2);
}

} // namespace
