// The CUDA kernels: a grid-stride loop over a tile's cells calling the shared cell functions.
#include "cuda_check.cuh"
#include "problem_kernels.cuh"

#include <algorithm>

namespace scalesweep::cuda {

namespace {

// One instantiation per problem, so each kernel carries only its own solver's registers.
template <problem_kind Kind>
__global__ void problem_kernel(sweep_views views, tile_box box, tile_columns columns) {
  const std::int64_t n = cell_count(box);
  const std::int64_t stride = static_cast<std::int64_t>(blockDim.x) * gridDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride) {
    compute_cell(Kind, views, box, i, columns);
  }
}

template <problem_kind Kind>
void launch(const sweep_views& views, const tile_box& box, const tile_columns& columns,
            cudaStream_t stream) {
  constexpr int threads = 256;
  const std::int64_t n = cell_count(box);
  if (n == 0) {
    return;
  }
  const auto blocks =
      static_cast<unsigned>(std::min<std::int64_t>((n + threads - 1) / threads, 65535));
  problem_kernel<Kind><<<blocks, threads, 0, stream>>>(views, box, columns);
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
