// Launchers of the per-problem kernels (problem_kernels.cu); included by .cu files only.
#pragma once

#include "scalesweep/cells/problem_dispatch.hpp"

#include <cuda_runtime.h>

namespace scalesweep::cuda {

// Computes every cell of `box` on `stream` with the shared row/cell functions of `kind`: a block
// per segment of a long row, or several short rows per block.
void launch_problem_kernel(problem_kind kind, const sweep_views& views, const tile_box& box,
                           const tile_columns& columns, cudaStream_t stream);

} // namespace scalesweep::cuda
