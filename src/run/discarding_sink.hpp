// The sink of `run --no-output`: tiles are computed (statuses counted, speed measured) and then
// dropped, and no file is created: the explicit way to discard a result, where `-o /dev/null`
// is refused (a rename would replace the device).
#pragma once

#include "run/result_sink.hpp"

#include <memory>

namespace scalesweep {

// Nothing recorded done, nothing written; the plan must outlive the sink.
std::unique_ptr<result_sink> make_discarding_sink(const sweep_plan& plan);

} // namespace scalesweep
