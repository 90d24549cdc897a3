// CUDA error checks that throw cuda_error with the call, file and line (nvbench's cuda_call style).
// They name no flags: the front end adds its hint from the error's cause.
#pragma once

#include "scalesweep/error.hpp"

#include <cuda_runtime.h>

#include <cstddef>
#include <string>

namespace scalesweep::cuda {

inline void check(cudaError_t status, const char* call, const char* file, int line) {
  if (status != cudaSuccess) {
    (void)cudaGetLastError(); // clear a non-sticky error so later calls are not blamed for it
    throw cuda_error(std::string(call) + " failed: " + cudaGetErrorString(status) + " (" + file +
                     ":" + std::to_string(line) + ")");
  }
}

// An allocation's failure, with its size; `why` says which memory (device or pinned host).
inline void check_allocation(cudaError_t status, std::size_t bytes, const char* what,
                             cuda_error::cause why) {
  if (status != cudaSuccess) {
    (void)cudaGetLastError();
    throw cuda_error("cannot allocate " + std::to_string(bytes) + " bytes of " + what + ": " +
                         cudaGetErrorString(status),
                     why);
  }
}

// Makes `device` current, which creates its context (CUDA 12+): the first use of the device, so
// a device that is listed but unusable (another process holds it in exclusive-process mode, a MIG
// instance is missing) fails here, with a message that says so.
inline void use_device(int device) {
  const cudaError_t status = cudaSetDevice(device);
  if (status != cudaSuccess) {
    (void)cudaGetLastError();
    throw cuda_error("CUDA device " + std::to_string(device) +
                         " is visible but cannot be used: " + cudaGetErrorString(status),
                     cuda_error::cause::device_unusable);
  }
}

} // namespace scalesweep::cuda

#define SCALESWEEP_CUDA_CHECK(call) ::scalesweep::cuda::check((call), #call, __FILE__, __LINE__)
