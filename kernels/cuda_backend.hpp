// Entry points of the CUDA backend for host code; plain C++ (no CUDA types), CUDA builds only.
#pragma once

#include "backends/backend.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace scalesweep::cuda {

int device_count();
cuda_unavailability unavailable_reason();
std::string device_name(int device);
std::int64_t free_memory(int device);
// A hash of the device's UUID, the same in every process that sees this physical GPU whatever
// its ordinal there; 0 when it cannot be read. Creates no context.
std::int64_t device_identity(int device) noexcept;
// keep_on_device: benchmarks only, see backend_options.
std::unique_ptr<compute_backend> make_backend(const sweep_plan& plan, int device,
                                              bool keep_on_device);

} // namespace scalesweep::cuda
