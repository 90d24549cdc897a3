// Runs batches of independent fits on the CPU (OpenMP over fits, the Huber objective on the SIMD
// lanes) or on CUDA (a thread per fit, fit_cuda.hpp), with the same math headers.
#pragma once

#include "scalesweep/math/fit_task.hpp"

#include "backends/backend.hpp"
#include "fit_batch.hpp"

#include <string>
#include <vector>

namespace scalesweep {

// Where fits run: `automatic` as resolve_backend_choice says (CUDA when a device is listed).
class fit_runner {
public:
  // Throws input_error for an impossible choice (--backend cuda without CUDA or a device), as
  // make_backend does for a sweep.
  fit_runner(backend_choice choice, int threads, int device);

  std::string kind() const { return m_cuda ? "cuda" : "cpu"; }
  std::string description() const;
  // Every (sample, start) fit of the batch, result [sample * start_count + k]. The same inputs
  // give the same draws and fits whatever the thread count.
  std::vector<fit_result> run(const fit_batch& batch) const;

private:
  bool m_cuda = false;
  int m_threads = 0;
  int m_device = 0;
};

// The CPU backend alone (tests compare the CUDA one with it).
std::vector<fit_result> run_fit_batch_cpu(const fit_batch& batch, int threads);

} // namespace scalesweep
