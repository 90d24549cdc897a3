// CUDA error checks that throw cuda_error with the call, file and line (nvbench's cuda_call style).
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

// An allocation's failure, with its size and the flag that sizes such allocations.
inline void check_allocation(cudaError_t status, std::size_t bytes, const char* what,
                             const char* limit_flag) {
  if (status != cudaSuccess) {
    (void)cudaGetLastError();
    throw cuda_error("cannot allocate " + std::to_string(bytes) + " bytes of " + what + ": " +
                         cudaGetErrorString(status),
                     std::string("lower ") + limit_flag +
                         " (scalesweep validate shows what a run " + "plans to hold)");
  }
}

} // namespace scalesweep::cuda

#define SCALESWEEP_CUDA_CHECK(call) ::scalesweep::cuda::check((call), #call, __FILE__, __LINE__)
