// How the CUDA kernels cut a tile among blocks and threads, in plain host/device C++ (no CUDA
// headers), so that a host test can replay every thread of a launch and check that each cell of
// the tile is computed exactly once: this part of the GPU path can be tested without a GPU.
#pragma once

#include "scalesweep/cells/box_grid.hpp"
#include "scalesweep/cells/problem_rows.hpp"
#include "scalesweep/cells/tile.hpp"
#include "scalesweep/math/host_device.hpp"

#include <cstdint>

namespace scalesweep::cuda {

inline constexpr int threads_per_block = 256;

// Enough blocks to fill any GPU many times over; a larger tile is covered by the kernels' grid-
// stride loops instead of more blocks.
inline constexpr std::int64_t max_blocks = std::int64_t{1} << 24;

// Cells per thread in a row segment: dense grids are a load and a store per cell, so a thread
// takes many to amortise decoding its row; the optima are compute-bound and spread wider.
constexpr std::int64_t cells_per_thread(problem_kind kind) {
  return kind == problem_kind::loss_target || kind == problem_kind::budget ||
                 kind == problem_kind::robust
             ? 2
             : 16;
}

// Rows at least a block long: a block per segment of a row, its threads striding over the
// segment. Shorter rows (an optimum's loss-target or budget axis of a few dozen points) are
// packed: a block takes several whole rows, a thread one cell, so no thread idles for want of
// cells.
// The tile's row count and length are carried here rather than read from the box in the
// kernel: the box's runtime rank would put a thread's copy of it in local memory.
struct launch_geometry {
  std::int64_t rows;
  std::int64_t row_length;
  bool packed;
  std::int64_t blocks;
  std::int64_t rows_per_block; // packed
  std::int64_t segments;       // per row, unpacked
  std::int64_t segment_cells;  // unpacked
};

inline launch_geometry choose_launch(problem_kind kind, const tile_box& box,
                                     std::int64_t block_limit = max_blocks) {
  const std::int64_t length = row_length(box);
  const std::int64_t rows = row_count(box);
  const auto clamp = [&](std::int64_t blocks) {
    return blocks < block_limit ? blocks : block_limit;
  };
  if (length < threads_per_block) {
    const std::int64_t rows_per_block = threads_per_block / length;
    return {rows, length, true, clamp(ceil_div(rows, rows_per_block)), rows_per_block, 0, 0};
  }
  const std::int64_t segment_cells = threads_per_block * cells_per_thread(kind);
  const std::int64_t segments = ceil_div(length, segment_cells);
  return {rows, length, false, clamp(rows * segments), 0, segments, segment_cells};
}

// Cells begin, begin + step, ... < end of row `row`: what compute_row takes. May be empty.
struct thread_cells {
  std::int64_t row, begin, end, step;
};

// The k-th run of cells that thread `thread` of block `block` computes, in a launch of `g` with
// `grid_blocks` blocks; false once the thread has no more. The kernels loop over k.
SCALESWEEP_HD bool thread_cells_at(const launch_geometry& g, std::int64_t grid_blocks,
                                   std::int64_t block, std::int64_t thread, std::int64_t k,
                                   thread_cells* out) {
  const std::int64_t length = g.row_length;
  const std::int64_t rows = g.rows;
  if (g.packed) {
    const std::int64_t local_row = thread / length;
    const std::int64_t cell = thread % length;
    const std::int64_t row = (block + k * grid_blocks) * g.rows_per_block + local_row;
    // Past the block's last whole row, or past the tile's last row: later k only go further.
    if (local_row >= g.rows_per_block || row >= rows) {
      return false;
    }
    *out = {row, cell, cell + 1, 1};
    return true;
  }
  const std::int64_t item = block + k * grid_blocks;
  if (item >= rows * g.segments) {
    return false;
  }
  const std::int64_t first = (item % g.segments) * g.segment_cells;
  const std::int64_t last = first + g.segment_cells < length ? first + g.segment_cells : length;
  *out = {item / g.segments, first + thread, last, threads_per_block};
  return true;
}

} // namespace scalesweep::cuda
