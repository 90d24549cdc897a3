// CPU tiles of a sweep under law uncertainty (SPEC §5.5): the optimum problems solved once per
// law sample, reduced per cell to quantiles (the *_quantiles problems) or kept (*_samples).
#pragma once

#include "scalesweep/cells/problem_kind.hpp"
#include "scalesweep/cells/sample_cells.hpp"
#include "scalesweep/cells/sweep_views.hpp"
#include "scalesweep/cells/tile.hpp"

#include <cstdint>

namespace scalesweep {

// Sample-cells (one sample of one cell) a CPU thread solves before reducing them: its scratch is
// about 105 bytes each (the optimum's twelve numbers and status, one gathered value), 27 MiB per
// thread in all, whatever the number of samples or cells.
inline constexpr std::int64_t sample_cells_per_piece = std::int64_t{1} << 18;

// Fills `out` for the tile `box` of a *_quantiles or *_samples problem on `threads` threads;
// `lanes`: the optima on the SIMD lanes (as the plain problems).
void compute_sample_tile(problem_kind kind, const sweep_views& views, const sample_inputs& samples,
                         const tile_box& box, const tile_columns& out, int threads, bool lanes);

} // namespace scalesweep
