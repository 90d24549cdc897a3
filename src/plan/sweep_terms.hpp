// The per-axis derived terms of a sweep (ln T, A N^-alpha, loss-target terms, ...), computed once
// on the host with the shared functions and then read by every cell, on the CPU or the device.
#pragma once

#include "scalesweep/cells/sweep_terms.hpp"
#include "scalesweep/cells/sweep_views.hpp"

#include "plan/sweep_plan.hpp"

namespace scalesweep {

sweep_terms make_sweep_terms(const sweep_plan& plan);

// Host pointers into the plan's axes and the terms; both must outlive the views.
sweep_views host_views(const sweep_plan& plan, const sweep_terms& terms);

} // namespace scalesweep
