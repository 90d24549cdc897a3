// The flags that shape a run's tiles and memory (backend, limits, tile size, optima only) and the
// setup they give on this machine: the sweep plan with its tiles fitted, the backend, the limits.
// `run` starts from it; `validate` reports it, so the tiles and memory that validate prints are
// the ones a run with the same flags uses.
#pragma once

#include "app/plan_report.hpp"
#include "backends/backend.hpp"
#include "plan/config.hpp"
#include "plan/memory_budget.hpp"
#include "plan/sweep_plan.hpp"
#include "run/parallel/communicator.hpp"

#include <cstdint>
#include <functional>
#include <string>

namespace scalesweep::app {

struct run_flags {
  std::string backend = "auto";
  int threads = 0;
  int device = -1; // -1: the node-local MPI rank modulo the visible devices (0 without MPI)
  std::string memory_limit;
  std::string gpu_memory_limit;
  std::int64_t tile_cells = 0;
  int compression_threads = 0;
  bool optima_only = false;
};

struct run_setup {
  sweep_plan plan; // tiles fitted to the limits
  backend_options backend;
  bool on_gpu = false;
  std::string backend_reason; // why this backend, for validate: "auto: no usable CUDA device (...)"
  memory_limits limits{0, 0};
  int compression_threads = 1;

  // What the plan holds against the limits, for the plan report.
  memory_use memory() const;
};

// Whether a listed CUDA device can be used: `free_memory` (cuda_free_memory) makes it current,
// creating its context, and returns its free bytes. A device another process holds in
// exclusive-process mode, or a missing MIG instance, fails there with a cuda_error of cause
// device_unusable: then `usable` is false and `why` says what failed, so that --backend auto
// falls back to the CPU with a warning. Other CUDA errors are thrown.
struct device_probe {
  bool usable = false;
  std::int64_t free_bytes = 0;
  std::string why;
};
device_probe probe_device(int device, const std::function<std::int64_t(int)>& free_memory);

// How many ranks (this one included) will use this rank's GPU: 1 off the GPU or in a serial
// run. Collective over `comm` (every rank calls it, before anything that may throw) and never
// throws itself.
int ranks_sharing_gpu(const run_flags& flags, const communicator& comm) noexcept;

// Validates the loaded config with the flags, picks the backend, sets the limits (the flags,
// else the machine's defaults: host memory shared by the ranks of a node, GPU memory by the
// `gpu_sharers` ranks that use the GPU) and fits the tiles to them.
run_setup set_up_run(sweep_config config, const run_flags& flags, const communicator& comm,
                     int gpu_sharers);

} // namespace scalesweep::app
