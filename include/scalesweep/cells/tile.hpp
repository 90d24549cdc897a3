// A tile: a box of cells of one problem's grid, the unit of work for backends and writers.
#pragma once

#include "scalesweep/math/host_device.hpp"

#include <cstdint>

namespace scalesweep {

inline constexpr int max_rank = 6;

// offset/count per dimension of the problem's grid; cells are row-major inside the box. A row is
// the run of cells along the last (innermost) dimension: backends decode the outer indices once
// per row, so the per-cell work is the math alone.
struct tile_box {
  int rank;
  std::int64_t offset[max_rank];
  std::int64_t count[max_rank];
};

SCALESWEEP_HD std::int64_t cell_count(const tile_box& box) {
  std::int64_t n = 1;
  for (int d = 0; d < box.rank; ++d) {
    n *= box.count[d];
  }
  return n;
}

SCALESWEEP_HD std::int64_t row_length(const tile_box& box) {
  return box.count[box.rank - 1];
}
SCALESWEEP_HD std::int64_t row_count(const tile_box& box) {
  return cell_count(box) / row_length(box);
}

// Where row `row` of a box of rank Rank starts: cell j of the row has grid index first_grid + j
// along the last dimension and is element first_out + j of the tile's columns. Every backend's
// row loop uses this, so the tile layout is defined once. (The compile-time rank, as in
// row_grid_index below, keeps a GPU thread's copy of the box out of local memory.)
struct row_start {
  std::int64_t first_grid;
  std::int64_t first_out;
};
template <int Rank>
SCALESWEEP_HD row_start row_start_of(const tile_box& box, std::int64_t row) {
  return {box.offset[Rank - 1], row * box.count[Rank - 1]};
}

// Grid index along each dimension but the last of the cells of row `row` of a box of rank Rank
// (the last is left alone: it varies along the row). Every caller knows its problem's rank, and
// a compile-time rank unrolls the loop, so on the GPU the indices stay in registers instead of
// a local-memory array.
template <int Rank>
SCALESWEEP_HD void row_grid_index(const tile_box& box, std::int64_t row, std::int64_t* index) {
  static_assert(Rank >= 1 && Rank <= max_rank, "tile ranks are 1 to max_rank");
  for (int d = Rank - 2; d >= 0; --d) {
    index[d] = box.offset[d] + row % box.count[d];
    row /= box.count[d];
  }
}

// Grid (not tile-local) index along each dimension of the i-th cell of the box.
SCALESWEEP_HD void grid_index(const tile_box& box, std::int64_t i, std::int64_t* index) {
  for (int d = box.rank - 1; d >= 0; --d) {
    index[d] = box.offset[d] + i % box.count[d];
    i /= box.count[d];
  }
}

} // namespace scalesweep
