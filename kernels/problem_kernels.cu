// The CUDA kernels: blocks over segments of a tile's rows, threads over the cells of a segment.
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

// One instantiation per problem, so each kernel carries only its own solver's registers.
template <problem_kind Kind>
__global__ void problem_kernel(sweep_views views, tile_box box, tile_columns columns,
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

template <problem_kind Kind>
void launch(const sweep_views& views, const tile_box& box, const tile_columns& columns,
            cudaStream_t stream) {
  if (cell_count(box) == 0) {
    return;
  }
  const std::int64_t segment_cells =
      static_cast<std::int64_t>(threads_per_block) * cells_per_thread(Kind);
  const std::int64_t segments = (row_length(box) + segment_cells - 1) / segment_cells;
  const std::int64_t items = row_count(box) * segments;
  const auto blocks = static_cast<unsigned>(std::min<std::int64_t>(items, std::int64_t{1} << 24));
  problem_kernel<Kind>
      <<<blocks, threads_per_block, 0, stream>>>(views, box, columns, segments, segment_cells);
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
