// CPU tiles of a sweep under law uncertainty (SPEC §5.5): the optimum problems solved once per
// law sample, reduced per cell to quantiles (the *_quantiles problems) or kept (*_samples).
#pragma once

#include "scalesweep/cells/problem_kind.hpp"
#include "scalesweep/cells/sample_cells.hpp"
#include "scalesweep/cells/sweep_views.hpp"
#include "scalesweep/cells/tile.hpp"

#include <cstdint>

namespace scalesweep {

// Cells of a row (at most row_cells) that a CPU thread solves under every sample before reducing
// them: a piece. Its scratch is about 105 bytes per sample-cell (the optimum's twelve numbers and
// status, one gathered value). Pieces of about 2^15 sample-cells (3.4 MiB) stay in the caches
// until the reduction reads them back: the loss-target sweep under 4,000 samples (8-cell pieces)
// ran at 9.5-9.6e6 solves per CPU second, against 7.0e6 with pieces of 2^18 (docs/benchmarks.md).
// A row segment of fewer than 8 cells, though, pays its per-sample set-up for too few solves
// (2.9e6 with one cell), so above 4,096 samples a piece keeps 8 cells, as long as that is at most
// 2^18 sample-cells (27 MiB per thread); beyond 32,768 samples it shrinks to keep that bound,
// whatever the number of samples or cells.
std::int64_t cells_per_piece(std::int64_t samples, std::int64_t row_cells);

// Fills `out` for the tile `box` of a *_quantiles or *_samples problem on `threads` threads;
// `lanes`: the optima on the SIMD lanes (as the plain problems).
void compute_sample_tile(problem_kind kind, const sweep_views& views, const sample_inputs& samples,
                         const tile_box& box, const tile_columns& out, int threads, bool lanes);

} // namespace scalesweep
