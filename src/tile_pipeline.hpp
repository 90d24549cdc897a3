// Drives a run: tiles flow compute -> host buffers -> writer thread, all stages overlapped, with a
// fixed number of host tiles in flight whatever the grid size.
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
  std::int64_t bytes_written = 0; // result data as stored (after compression)
  double seconds = 0;
};

// Computes every tile of every problem of `plan` with `backend` and writes it to `sink` on a
// separate thread; `host_tiles` buffers circulate between the two. Calls sink.finish() at the
// end. An error in either thread stops both and is rethrown here; the sink is then not finished.
run_summary run_pipeline(const sweep_plan& plan, compute_backend& backend, result_sink& sink,
                         progress_reporter& progress, int host_tiles);

} // namespace scalesweep
