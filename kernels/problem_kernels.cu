// The CUDA kernels: each thread computes the runs of cells that launch_geometry.hpp assigns it,
// with the shared row/cell functions of problem_cells.hpp.
#include "cuda_check.cuh"
#include "launch_geometry.hpp"
#include "problem_kernels.cuh"

namespace scalesweep::cuda {

namespace {

// One instantiation per problem, so each kernel carries only its own solver's registers.
template <problem_kind Kind>
__global__ void problem_kernel(sweep_views views, tile_box box, tile_columns columns,
                               launch_geometry g) {
  thread_cells run{};
  for (std::int64_t k = 0; thread_cells_at(g, gridDim.x, blockIdx.x, threadIdx.x, k, &run); ++k) {
    compute_row<Kind>(views, box, run.row, run.begin, run.end, run.step, columns);
  }
}

template <problem_kind Kind>
void launch(const sweep_views& views, const tile_box& box, const tile_columns& columns,
            cudaStream_t stream) {
  check_tile_rank<Kind>(box);
  if (cell_count(box) == 0) {
    return;
  }
  const launch_geometry g = choose_launch(Kind, box);
  problem_kernel<Kind>
      <<<static_cast<unsigned>(g.blocks), threads_per_block, 0, stream>>>(views, box, columns, g);
  SCALESWEEP_CUDA_CHECK(cudaGetLastError());
}

} // namespace

void launch_problem_kernel(problem_kind kind, const sweep_views& views, const tile_box& box,
                           const tile_columns& columns, cudaStream_t stream) {
  with_problem_kind(kind, [&](auto k) { launch<decltype(k)::value>(views, box, columns, stream); });
}

} // namespace scalesweep::cuda
