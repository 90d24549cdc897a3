// The compute backends (CPU/OpenMP and CUDA) behind one interface: fill one tile's columns.
#pragma once

#include "scalesweep/host_tile.hpp"
#include "scalesweep/sweep_plan.hpp"

#include <memory>
#include <string>

namespace scalesweep {

class compute_backend {
public:
  virtual ~compute_backend() = default;
  compute_backend() = default;
  compute_backend(const compute_backend&) = delete;
  compute_backend& operator=(const compute_backend&) = delete;
  compute_backend(compute_backend&&) = delete;
  compute_backend& operator=(compute_backend&&) = delete;

  // "cpu", "cuda"
  virtual std::string kind() const = 0;
  // Human description: "cpu (2 OpenMP threads)", "cuda device 0 (NVIDIA H100 80GB HBM3)".
  virtual std::string description() const = 0;
  // Computes every cell of `box` of `problem` into `out` (host memory, box row-major).
  virtual void compute(const problem_plan& problem, const tile_box& box, host_tile& out) = 0;
};

enum class backend_choice { automatic, cpu, cuda };

struct backend_options {
  backend_choice choice = backend_choice::automatic;
  int threads = 0; // CPU threads; 0: OpenMP's default
  int device = 0;  // CUDA device ordinal
};

// The backend for `plan` (its axes are copied to the device once). automatic: CUDA when this
// build has it and a device is present, else the CPU. Throws input_error for an impossible choice.
std::unique_ptr<compute_backend> make_backend(const sweep_plan& plan,
                                              const backend_options& options);

std::unique_ptr<compute_backend> make_cpu_backend(const sweep_plan& plan, int threads);

// Number of usable CUDA devices: 0 in a CPU-only build or without a driver/device.
int cuda_device_count();
bool cuda_compiled();

} // namespace scalesweep
