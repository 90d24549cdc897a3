// CUDA error checks that throw cuda_error with the call, file and line (nvbench's cuda_call style).
#pragma once

#include "scalesweep/error.hpp"

#include <cuda_runtime.h>

#include <string>

namespace scalesweep::cuda {

inline void check(cudaError_t status, const char* call, const char* file, int line) {
  if (status != cudaSuccess) {
    (void)cudaGetLastError(); // clear a non-sticky error so later calls are not blamed for it
    throw cuda_error(std::string(call) + " failed: " + cudaGetErrorString(status) + " (" + file +
                     ":" + std::to_string(line) + ")");
  }
}

} // namespace scalesweep::cuda

#define SCALESWEEP_CUDA_CHECK(call) ::scalesweep::cuda::check((call), #call, __FILE__, __LINE__)
