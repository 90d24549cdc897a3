// box_grid, the one decoder of boxes cut into boxes (chunks of a grid, tiles of a block, chunks
// of a tile), against a brute-force enumeration written without it: nested loops over each
// dimension's box starts.
#include "scalesweep/cells/box_grid.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

namespace {

using namespace scalesweep;

// The boxes of `parent` cut into `box_shape`, in row-major order (last dimension fastest), by
// recursion over the dimensions: along each, starts at offset, offset + box, ... while inside
// the parent, the last one clipped to the parent's end.
void enumerate(const tile_box& parent, const std::vector<std::int64_t>& box_shape, int d,
               tile_box& current, std::vector<tile_box>& out) {
  if (d == parent.rank) {
    out.push_back(current);
    return;
  }
  const std::int64_t end = parent.offset[d] + parent.count[d];
  for (std::int64_t start = parent.offset[d]; start < end;
       start += box_shape[static_cast<std::size_t>(d)]) {
    current.offset[d] = start;
    current.count[d] = std::min(box_shape[static_cast<std::size_t>(d)], end - start);
    enumerate(parent, box_shape, d + 1, current, out);
  }
}

std::vector<tile_box> brute_force_boxes(const tile_box& parent,
                                        const std::vector<std::int64_t>& box_shape) {
  std::vector<tile_box> out;
  tile_box current{};
  current.rank = parent.rank;
  enumerate(parent, box_shape, 0, current, out);
  return out;
}

bool same_box(const tile_box& a, const tile_box& b) {
  if (a.rank != b.rank) {
    return false;
  }
  for (int d = 0; d < a.rank; ++d) {
    if (a.offset[d] != b.offset[d] || a.count[d] != b.count[d]) {
      return false;
    }
  }
  return true;
}

TEST(CeilDiv, IsTheFewestPiecesThatCoverTheExtent) {
  for (std::int64_t piece = 1; piece <= 40; ++piece) {
    for (std::int64_t extent = 0; extent <= 200; ++extent) {
      std::int64_t fewest = 0;
      while (fewest * piece < extent) {
        ++fewest;
      }
      ASSERT_EQ(ceil_div(extent, piece), fewest) << extent << " / " << piece;
    }
  }
  // Near the top of the range the grids reach (4e18 cells): no overflow for such extents.
  EXPECT_EQ(ceil_div(std::int64_t{4'000'000'000'000'000'000}, 3), 1'333'333'333'333'333'334);
  static_assert(ceil_div(7, 2) == 4, "usable in constant expressions");
}

// 5 x 7 in boxes of 2 x 3: 3 x 3 boxes, the last row 1 high and the last column 1 wide.
TEST(BoxGrid, EdgeBoxesAreClippedToTheGrid) {
  const box_grid grid(grid_box(std::vector<std::int64_t>{5, 7}), std::vector<std::int64_t>{2, 3});
  EXPECT_EQ(grid.count(), 9);
  EXPECT_EQ(grid.along(0), 3);
  EXPECT_EQ(grid.along(1), 3);
  const tile_box first = grid.box(0);
  EXPECT_EQ(first.offset[0], 0);
  EXPECT_EQ(first.offset[1], 0);
  EXPECT_EQ(first.count[0], 2);
  EXPECT_EQ(first.count[1], 3);
  const tile_box second = grid.box(1); // the next along the last dimension
  EXPECT_EQ(second.offset[0], 0);
  EXPECT_EQ(second.offset[1], 3);
  const tile_box corner = grid.box(8);
  EXPECT_EQ(corner.offset[0], 4);
  EXPECT_EQ(corner.offset[1], 6);
  EXPECT_EQ(corner.count[0], 1);
  EXPECT_EQ(corner.count[1], 1);
  EXPECT_EQ(grid.index_of(corner), 8);
}

// A parent box away from the origin (a block of a grid): boxes start at its offset and stop at
// its end, not at the grid's.
TEST(BoxGrid, BoxesOfAnOffsetParentStayInside) {
  tile_box block{};
  block.rank = 2;
  block.offset[0] = 10;
  block.offset[1] = 4;
  block.count[0] = 3;
  block.count[1] = 8;
  const std::int64_t tile[] = {2, 5};
  const box_grid grid(block, tile);
  ASSERT_EQ(grid.count(), 4);
  const tile_box last = grid.box(3);
  EXPECT_EQ(last.offset[0], 12);
  EXPECT_EQ(last.offset[1], 9);
  EXPECT_EQ(last.count[0], 1);
  EXPECT_EQ(last.count[1], 3);
}

// Shapes as HDF5 gives them (hsize_t, unsigned) decode as the plan's int64 shapes do.
TEST(BoxGrid, UnsignedShapesDecodeAlike) {
  const std::vector<unsigned long long> dims = {6, 141, 141};
  const std::vector<unsigned long long> chunk = {1, 50, 141};
  const box_grid grid(grid_box(dims), chunk);
  const box_grid same(grid_box(std::vector<std::int64_t>{6, 141, 141}),
                      std::vector<std::int64_t>{1, 50, 141});
  ASSERT_EQ(grid.count(), 18);
  for (std::int64_t i = 0; i < grid.count(); ++i) {
    ASSERT_TRUE(same_box(grid.box(i), same.box(i))) << i;
  }
}

// Random parents (rank 1 to max_rank, some away from the origin) and box shapes (some larger
// than the parent): the count, every box, the iteration order and the index of every box and of
// cells inside it agree with the brute-force enumeration, and the boxes cover the parent once.
TEST(BoxGrid, AgreesWithBruteForceEnumeration) {
  std::mt19937 rng(17);
  for (int trial = 0; trial < 3000; ++trial) {
    tile_box parent{};
    parent.rank = 1 + static_cast<int>(rng() % max_rank);
    std::vector<std::int64_t> box_shape;
    std::int64_t cells = 1;
    for (int d = 0; d < parent.rank; ++d) {
      const std::int64_t most = parent.rank > 4 ? 4 : 9; // keeps high-rank grids small
      parent.offset[d] = static_cast<std::int64_t>(rng() % 3) * 5;
      parent.count[d] = 1 + static_cast<std::int64_t>(rng() % most);
      box_shape.push_back(1 + static_cast<std::int64_t>(rng() % (most + 2)));
      cells *= parent.count[d];
    }
    const std::vector<tile_box> expected = brute_force_boxes(parent, box_shape);
    const box_grid grid(parent, box_shape);
    ASSERT_EQ(grid.rank(), parent.rank);
    ASSERT_EQ(grid.count(), static_cast<std::int64_t>(expected.size()));

    std::int64_t i = 0;
    std::int64_t covered = 0;
    for (const tile_box& box : grid) {
      ASSERT_LT(i, grid.count());
      ASSERT_TRUE(same_box(box, expected[static_cast<std::size_t>(i)])) << "box " << i;
      ASSERT_TRUE(same_box(grid.box(i), box)) << "box " << i;
      ASSERT_EQ(grid.index_of(box), i);
      // Any cell of the box (its far corner) belongs to the same box.
      tile_box corner = box;
      for (int d = 0; d < box.rank; ++d) {
        corner.offset[d] = box.offset[d] + box.count[d] - 1;
      }
      ASSERT_EQ(grid.index_of(corner), i);
      covered += cell_count(box);
      ++i;
    }
    ASSERT_EQ(i, grid.count());
    ASSERT_EQ(covered, cells); // disjoint (the enumeration's starts step by a box) and complete
  }
}

// The grid_box of a shape is the whole grid at the origin, and a grid of one box per cell
// numbers the cells row-major, as grid_index (tile.hpp) decodes them.
TEST(BoxGrid, CellBoxesFollowTheTileCellOrder) {
  const std::vector<std::int64_t> shape = {3, 4, 5};
  const tile_box whole = grid_box(shape);
  ASSERT_EQ(whole.rank, 3);
  ASSERT_EQ(cell_count(whole), 60);
  const box_grid cells(whole, std::vector<std::int64_t>{1, 1, 1});
  ASSERT_EQ(cells.count(), 60);
  for (std::int64_t i = 0; i < 60; ++i) {
    std::int64_t index[max_rank];
    grid_index(whole, i, index);
    const tile_box cell = cells.box(i);
    for (int d = 0; d < 3; ++d) {
      ASSERT_EQ(cell.offset[d], index[d]) << "cell " << i << " dimension " << d;
      ASSERT_EQ(cell.count[d], 1);
    }
  }
}

} // namespace
