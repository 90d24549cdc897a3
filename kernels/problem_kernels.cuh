// Launchers of the per-problem kernels (problem_kernels.cu); included by .cu files only.
#pragma once

#include "scalesweep/problem_cells.hpp"

#include <cuda_runtime.h>

#include <cstdint>

namespace scalesweep::cuda {

// One thread per cell of `box`, calling the shared cell function of `kind`.
void launch_problem_kernel(problem_kind kind, const sweep_views& views, const tile_box& box,
                           const tile_columns& columns, cudaStream_t stream);

} // namespace scalesweep::cuda
