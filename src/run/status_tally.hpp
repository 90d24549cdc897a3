// The run's count of optimum cells per status code (status.hpp): what `run` reports after its
// summary, so that a sweep whose optima are all infeasible does not end like any other.
#pragma once

#include "scalesweep/math/status.hpp"

#include <array>
#include <cstdint>

namespace scalesweep {

// Cells per status code of one problem, indexed by the code.
using status_tally = std::array<std::int64_t, cell_status_count>;

// Adds the `cells` status bytes at `status` to `tally`. Codes come from the backends' status
// enum: a stray value would be a bug, not a status, and throws std::out_of_range (tally unchanged).
void count_statuses(status_tally& tally, const std::uint8_t* status, std::int64_t cells);

// Adds `more` to `tally`, code by code.
void add_statuses(status_tally& tally, const status_tally& more);

} // namespace scalesweep
