// The named sweep axes, as a plain enum that cells, plan and writers share (plan/axes.hpp gives
// them names, units and values).
#pragma once

namespace scalesweep {

// Declaration order is the order of coordinates in result files. sample and quantile come from
// [law] samples and [uncertainty] (SPEC §5.5), never from [axes].
enum class axis_id { hardware, T, N, D, loss_target, budget, sample, quantile };

} // namespace scalesweep
