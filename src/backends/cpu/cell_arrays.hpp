// Optima of cells given as arrays broadcast over a shape, solved on the CPU with the per-cell
// functions and SIMD lanes that a sweep's CPU backend uses, into the caller's columns: no plan, no
// tiles, no file (engine.hpp's solve_cells).
#pragma once

#include "scalesweep/broadcast_array.hpp"
#include "scalesweep/cells/sweep_views.hpp"
#include "scalesweep/math/cost_model.hpp"
#include "scalesweep/math/law.hpp"
#include "scalesweep/math/serving_constraints.hpp"

#include <cstdint>
#include <vector>

namespace scalesweep {

// The columns of `out` are those of the problem's tile (loss_target_columns, budget_columns, and
// the status), each holding the cells in row-major order of `shape`. `limit`: the serving
// constraints' N_max (the constrained problems), or null. threads <= 0: all cores.
void loss_target_cell_arrays(const prepared_law& law, const hardware_terms& hardware,
                             const serving_limit* limit, const std::vector<std::int64_t>& shape,
                             const broadcast_array& loss, const broadcast_array& T,
                             const tile_columns& out, int threads);
void budget_cell_arrays(const prepared_law& law, const hardware_terms& hardware,
                        const serving_limit* limit, const std::vector<std::int64_t>& shape,
                        const broadcast_array& budget, const broadcast_array& T,
                        const tile_columns& out, int threads);

} // namespace scalesweep
