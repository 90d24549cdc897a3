// The CUDA backend, chosen by name: what make_backend uses for --backend cuda, and what the
// benchmark uses to set the CUDA-only options.
#pragma once

#include "backends/backend.hpp"
#include "plan/sweep_plan.hpp"

#include <memory>

namespace scalesweep {

struct cuda_backend_options {
  int device = 0; // CUDA device ordinal
  // Benchmarks only: tiles stay on the device and host tiles are left unfilled, so kernel rates
  // compare with array libraries that also keep results on the GPU.
  bool keep_on_device = false;
};

// Throws input_error when this build has no CUDA, the machine no usable device, or the device
// ordinal is out of range; cuda_error when the device cannot be used.
std::unique_ptr<compute_backend> make_cuda_backend(const sweep_plan& plan,
                                                   const cuda_backend_options& options);

namespace cuda {
// The backend itself, after make_cuda_backend's checks: kernels/cuda_backend.cpp, CUDA builds only.
std::unique_ptr<compute_backend> make_backend(const sweep_plan& plan,
                                              const cuda_backend_options& options);
} // namespace cuda

} // namespace scalesweep
