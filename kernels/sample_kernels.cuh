// Launchers of the sample axis' kernels (sample_kernels.cu); included by .cu files only.
#pragma once

#include "scalesweep/cells/sample_cells.hpp"
#include "scalesweep/cells/tile.hpp"

#include <cuda_runtime.h>

#include <cstddef>

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
// `sample_cells` sample-cells; per cell of a piece S gathered values, the same sorted, a count
// and its segment's ends; and the sort's temporary storage.
struct sample_scratch {
  tile_columns columns;
  double* values;
  double* sorted;
  std::int64_t* counts;
  std::int64_t* segment_begins;
  std::int64_t* segment_ends;
  void* sort_temp;
  std::size_t sort_bytes;
  std::int64_t sample_cells;
};

// Temporary storage the segmented sort needs for up to `sample_cells` values in as many segments.
std::size_t sample_sort_bytes(std::int64_t sample_cells);

// Computes the tile `box` (sample or quantile level, then the optimum's dimensions: rank 4, or 5
// for the robust choice) of the *_samples or *_quantiles problem `kind` into the device columns
// `out` on `stream`: the kept samples' optima directly, the quantiles piece by piece through
// `scratch` (every sample's optimum of a piece of cells, then each quantity gathered, sorted per
// cell and read at its order statistics).
void launch_sample_kernels(problem_kind kind, const sweep_views& views,
                           const sample_device_views& samples, const tile_box& box,
                           const tile_columns& out, const sample_scratch& scratch,
                           cudaStream_t stream);

} // namespace scalesweep::cuda
