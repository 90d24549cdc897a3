// Launchers of the sample axis' kernels (sample_kernels.cu); included by .cu files only.
#pragma once

#include "scalesweep/cells/sample_cells.hpp"
#include "scalesweep/cells/tile.hpp"

#include <cuda_runtime.h>

namespace scalesweep::cuda {

// The sample axis' arrays on the device.
struct sample_device_views {
  const prepared_law* laws;
  std::int64_t samples;       // S
  const double* loss_targets; // the loss_target axis' values
  const double* quantiles;    // the levels, ascending
  int levels;
};

// Device scratch of one slot for the quantile problems: the optimum's columns of up to
// `sample_cells` sample-cells, and per cell of a piece S gathered values and a count.
struct sample_scratch {
  tile_columns columns;
  double* values;
  std::int64_t* counts;
  std::int64_t sample_cells;
};

// Computes the tile `box` (rank 4: sample or quantile level, hardware, T, the optimum's last
// axis) of the *_samples or *_quantiles problem `kind` into the device columns `out` on `stream`:
// the kept samples' optima directly, the quantiles piece by piece through `scratch` (every
// sample's optimum of a piece of cells, then one thread per cell selects its order statistics).
void launch_sample_kernels(problem_kind kind, const sweep_views& views,
                           const sample_device_views& samples, const tile_box& box,
                           const tile_columns& out, const sample_scratch& scratch,
                           cudaStream_t stream);

} // namespace scalesweep::cuda
