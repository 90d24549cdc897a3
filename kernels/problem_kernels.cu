// The CUDA kernels: blocks over segments of a tile's rows (or over several short rows), threads
// over cells; the per-row and per-cell work is the shared code of problem_cells.hpp.
#include "cuda_check.cuh"
#include "problem_kernels.cuh"

#include <algorithm>

namespace scalesweep::cuda {

namespace {

constexpr int threads_per_block = 256;

// Cells per thread in a segment: dense grids are a load and a store per cell, so a thread takes
// many to amortise decoding its row; the optima are compute-bound and spread wider.
constexpr int cells_per_thread(problem_kind kind) {
  return kind == problem_kind::loss_target || kind == problem_kind::budget ? 2 : 16;
}

// Rows at least a block long: a block per segment of a row, its threads striding over the
// segment's cells. One instantiation per problem, so each kernel carries only its own solver's
// registers.
template <problem_kind Kind>
__global__ void row_segments_kernel(sweep_views views, tile_box box, tile_columns columns,
                                    std::int64_t segments, std::int64_t segment_cells) {
  const std::int64_t length = row_length(box);
  const std::int64_t items = row_count(box) * segments;
  for (std::int64_t item = blockIdx.x; item < items; item += gridDim.x) {
    const std::int64_t row = item / segments;
    const std::int64_t begin = (item % segments) * segment_cells;
    const std::int64_t end = begin + segment_cells < length ? begin + segment_cells : length;
    compute_row<Kind>(views, box, row, begin + threadIdx.x, end, blockDim.x, columns);
  }
}

// Rows shorter than a block (an optimum's loss-target or budget axis of a few dozen points):
// a block takes several whole rows, a thread one cell, so no thread idles for want of cells.
template <problem_kind Kind>
__global__ void packed_rows_kernel(sweep_views views, tile_box box, tile_columns columns,
                                   std::int64_t rows_per_block) {
  const std::int64_t length = row_length(box);
  const std::int64_t rows = row_count(box);
  const std::int64_t local_row = threadIdx.x / length;
  const std::int64_t cell = threadIdx.x % length;
  if (local_row >= rows_per_block) {
    return; // the block's remainder past its last whole row
  }
  for (std::int64_t first = blockIdx.x * rows_per_block; first < rows;
       first += static_cast<std::int64_t>(gridDim.x) * rows_per_block) {
    const std::int64_t row = first + local_row;
    if (row < rows) {
      compute_row<Kind>(views, box, row, cell, cell + 1, 1, columns);
    }
  }
}

constexpr std::int64_t max_blocks = std::int64_t{1} << 24;

template <problem_kind Kind>
void launch(const sweep_views& views, const tile_box& box, const tile_columns& columns,
            cudaStream_t stream) {
  if (cell_count(box) == 0) {
    return;
  }
  const std::int64_t length = row_length(box);
  if (length < threads_per_block) {
    const std::int64_t rows_per_block = threads_per_block / length;
    const auto blocks = static_cast<unsigned>(
        std::min<std::int64_t>((row_count(box) + rows_per_block - 1) / rows_per_block, max_blocks));
    packed_rows_kernel<Kind>
        <<<blocks, threads_per_block, 0, stream>>>(views, box, columns, rows_per_block);
  } else {
    const std::int64_t segment_cells =
        static_cast<std::int64_t>(threads_per_block) * cells_per_thread(Kind);
    const std::int64_t segments = (length + segment_cells - 1) / segment_cells;
    const auto blocks =
        static_cast<unsigned>(std::min<std::int64_t>(row_count(box) * segments, max_blocks));
    row_segments_kernel<Kind>
        <<<blocks, threads_per_block, 0, stream>>>(views, box, columns, segments, segment_cells);
  }
  SCALESWEEP_CUDA_CHECK(cudaGetLastError());
}

} // namespace

void launch_problem_kernel(problem_kind kind, const sweep_views& views, const tile_box& box,
                           const tile_columns& columns, cudaStream_t stream) {
  switch (kind) {
  case problem_kind::dense_loss:
    launch<problem_kind::dense_loss>(views, box, columns, stream);
    break;
  case problem_kind::dense_cost:
    launch<problem_kind::dense_cost>(views, box, columns, stream);
    break;
  case problem_kind::budget_curve:
    launch<problem_kind::budget_curve>(views, box, columns, stream);
    break;
  case problem_kind::loss_target:
    launch<problem_kind::loss_target>(views, box, columns, stream);
    break;
  case problem_kind::budget:
    launch<problem_kind::budget>(views, box, columns, stream);
    break;
  }
}

} // namespace scalesweep::cuda
