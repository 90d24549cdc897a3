// Launchers of the per-problem kernels (problem_kernels.cu); included by .cu files only.
#pragma once

#include "scalesweep/problem_cells.hpp"

#include <cuda_runtime.h>

namespace scalesweep::cuda {

// A block per segment of a row of `box`, its threads striding over the segment's cells and
// calling the shared row/cell functions of `kind`.
void launch_problem_kernel(problem_kind kind, const sweep_views& views, const tile_box& box,
                           const tile_columns& columns, cudaStream_t stream);

} // namespace scalesweep::cuda
