// A tile: a box of cells of one problem's grid, the unit of work for backends and writers.
#pragma once

#include "scalesweep/host_device.hpp"

#include <cstdint>

namespace scalesweep {

inline constexpr int max_rank = 6;

// offset/count per dimension of the problem's grid; cells are row-major inside the box.
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

// Grid (not tile-local) index along each dimension of the i-th cell of the box.
SCALESWEEP_HD void grid_index(const tile_box& box, std::int64_t i, std::int64_t* index) {
  for (int d = box.rank - 1; d >= 0; --d) {
    index[d] = box.offset[d] + i % box.count[d];
    i /= box.count[d];
  }
}

} // namespace scalesweep
