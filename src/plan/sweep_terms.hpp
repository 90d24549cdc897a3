// The per-axis derived terms of a sweep (ln T, A N^-alpha, loss-target terms, ...), computed once
// on the host with the shared functions and then read by every cell, on the CPU or the device.
#pragma once

#include "scalesweep/cells/sample_cells.hpp"
#include "scalesweep/cells/sweep_terms.hpp"
#include "scalesweep/cells/sweep_views.hpp"

#include "plan/sweep_plan.hpp"

namespace scalesweep {

sweep_terms make_sweep_terms(const sweep_plan& plan);

// Host pointers into the plan's axes and the terms; both must outlive the views.
sweep_views host_views(const sweep_plan& plan, const sweep_terms& terms);

// Under law samples: each sample's prepared law, the quantile levels and the loss targets (whose
// terms depend on the law); empty without samples. Both backends take them from here.
sample_inputs make_sample_inputs(const sweep_plan& plan);

} // namespace scalesweep
