// The named sweep axes, as a plain enum that cells, plan and writers share (plan/axes.hpp gives
// them names, units and values).
#pragma once

namespace scalesweep {

// Declaration order is the order of coordinates in result files.
enum class axis_id { hardware, T, N, D, loss_target, budget };

} // namespace scalesweep
