// The one decoder of boxes cut into boxes: a grid into chunks or blocks, a block into tiles, a
// tile into chunks, a dataset into its HDF5 chunks. Plain C++ on shapes and tile_box (no plan
// types), so the plan, the writers and the readers of files, and kernels, all share it.
#pragma once

#include "scalesweep/cells/tile.hpp"
#include "scalesweep/math/host_device.hpp"

#include <cstddef>
#include <cstdint>

namespace scalesweep {

// Pieces of at most `piece` (> 0) that `extent` (>= 0) is cut into: ceil(extent / piece).
SCALESWEEP_HD constexpr std::int64_t ceil_div(std::int64_t extent, std::int64_t piece) {
  return (extent + piece - 1) / piece;
}

// The box of a whole grid of this shape (a std::vector, or anything with size() and []), at the
// origin. The shape has at most max_rank dimensions: callers that read a shape from a file check.
template <class Shape>
tile_box grid_box(const Shape& shape) {
  tile_box box{};
  box.rank = static_cast<int>(shape.size());
  for (int d = 0; d < box.rank; ++d) {
    box.offset[d] = 0;
    box.count[d] = static_cast<std::int64_t>(shape[static_cast<std::size_t>(d)]);
  }
  return box;
}

// A parent box cut into boxes of box_shape, anchored at the parent's offset: the boxes at the far
// edge of each dimension are clipped (smaller) when box_shape does not divide the parent. Boxes
// are numbered row-major, the last dimension fastest, as HDF5 numbers the chunks of a dataset.
class box_grid {
public:
  class iterator;

  // box_shape: anything indexable by dimension (a std::vector of any integer type, a pointer).
  template <class BoxShape>
  SCALESWEEP_HD box_grid(const tile_box& parent, const BoxShape& box_shape) : m_parent(parent) {
    for (int d = 0; d < parent.rank; ++d) {
      m_box[d] = static_cast<std::int64_t>(box_shape[static_cast<std::size_t>(d)]);
      m_along[d] = ceil_div(parent.count[d], m_box[d]);
      m_count *= m_along[d];
    }
  }

  SCALESWEEP_HD int rank() const { return m_parent.rank; }
  // Boxes along dimension d, and in all.
  SCALESWEEP_HD std::int64_t along(int d) const { return m_along[d]; }
  SCALESWEEP_HD std::int64_t count() const { return m_count; }

  // Box `index` (0 <= index < count()), clipped to the parent.
  SCALESWEEP_HD tile_box box(std::int64_t index) const {
    tile_box b{};
    b.rank = m_parent.rank;
    for (int d = b.rank - 1; d >= 0; --d) {
      b.offset[d] = m_parent.offset[d] + (index % m_along[d]) * m_box[d];
      const std::int64_t room = m_parent.offset[d] + m_parent.count[d] - b.offset[d];
      b.count[d] = m_box[d] < room ? m_box[d] : room;
      index /= m_along[d];
    }
    return b;
  }

  // Index of the box that holds cell `box.offset` (the inverse of box() for the grid's own boxes).
  SCALESWEEP_HD std::int64_t index_of(const tile_box& box) const {
    std::int64_t index = 0;
    for (int d = 0; d < m_parent.rank; ++d) {
      index = index * m_along[d] + (box.offset[d] - m_parent.offset[d]) / m_box[d];
    }
    return index;
  }

  // The boxes in index order: for (const tile_box& chunk : box_grid(tile, chunk_shape)).
  class iterator {
  public:
    SCALESWEEP_HD iterator(const box_grid* grid, std::int64_t index)
        : m_grid(grid), m_index(index) {}
    SCALESWEEP_HD tile_box operator*() const { return m_grid->box(m_index); }
    SCALESWEEP_HD iterator& operator++() {
      ++m_index;
      return *this;
    }
    SCALESWEEP_HD bool operator!=(const iterator& other) const { return m_index != other.m_index; }

  private:
    const box_grid* m_grid;
    std::int64_t m_index;
  };
  SCALESWEEP_HD iterator begin() const { return {this, 0}; }
  SCALESWEEP_HD iterator end() const { return {this, m_count}; }

private:
  tile_box m_parent;
  std::int64_t m_box[max_rank]{};
  std::int64_t m_along[max_rank]{};
  std::int64_t m_count = 1;
};

} // namespace scalesweep
