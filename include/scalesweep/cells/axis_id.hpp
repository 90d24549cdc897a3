// The named sweep axes, as a plain enum that cells, plan and writers share (plan/axes.hpp gives
// them names, units and values).
#pragma once

namespace scalesweep {

// Declaration order is the order of coordinates in result files. spread is a config axis like
// the others; sample and quantile come from [law] samples and [uncertainty] (SPEC §5.5), never
// from [axes]; T_plan is never declared: the plan copies the T axis' values into it for the dense
// regret grid (SPEC §5.4).
enum class axis_id { hardware, T, N, D, loss_target, budget, spread, sample, quantile, T_plan };

} // namespace scalesweep
