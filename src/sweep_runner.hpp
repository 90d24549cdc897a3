// Drives a run: every tile of every problem through the backend into the sink.
#pragma once

#include "scalesweep/backend.hpp"
#include "scalesweep/result_sink.hpp"
#include "scalesweep/sweep_plan.hpp"

#include "progress.hpp"

#include <cstdint>

namespace scalesweep {

struct run_summary {
  std::int64_t cells = 0;
  std::int64_t tiles = 0;
  std::int64_t bytes = 0; // uncompressed output bytes
  double seconds = 0;
};

run_summary run_sweep(const sweep_plan& plan, compute_backend& backend, result_sink& sink,
                      progress_reporter& progress);

} // namespace scalesweep
