// The CUDA device queries of a CUDA build (cuda_device.hpp), with the runtime API.
#include "cuda_check.cuh"
#include "cuda_device.hpp"

#include <cuda_runtime.h>

namespace scalesweep {

namespace {

std::string cuda_version_text(int version) {
  return std::to_string(version / 1000) + "." + std::to_string(version % 1000 / 10);
}

} // namespace

bool cuda_compiled() {
  return true;
}

int cuda_device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    (void)cudaGetLastError(); // no driver or no device: not an error for "auto"
    return 0;
  }
  return n;
}

cuda_unavailability cuda_unavailable_reason() {
  int n = 0;
  const cudaError_t status = cudaGetDeviceCount(&n);
  (void)cudaGetLastError();
  if (status == cudaSuccess && n > 0) {
    return {};
  }
  int runtime = 0, driver = 0;
  (void)cudaRuntimeGetVersion(&runtime);
  (void)cudaDriverGetVersion(&driver); // 0 when no driver is installed
  if (driver == 0) {
    return {"no NVIDIA driver installed", false};
  }
  if (status == cudaSuccess || status == cudaErrorNoDevice) {
    return {"no CUDA device", false};
  }
  // A driver is there but CUDA fails: most often a driver older than the runtime linked in.
  return {std::string("cudaGetDeviceCount failed: ") + cudaGetErrorString(status) +
              " (this build's CUDA runtime is " + cuda_version_text(runtime) +
              ", the installed driver supports CUDA " + cuda_version_text(driver) + ")",
          true};
}

std::string cuda_device_name(int device) {
  cudaDeviceProp prop{};
  SCALESWEEP_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  return prop.name;
}

// Leaves `device` current: asking about it creates its context, as using it will right after.
// (Restoring an earlier device would create a context there too, on GPU 0 in every MPI rank.)
std::int64_t cuda_free_memory(int device) {
  cuda::use_device(device);
  std::size_t free = 0, total = 0;
  SCALESWEEP_CUDA_CHECK(cudaMemGetInfo(&free, &total));
  return static_cast<std::int64_t>(free);
}

std::int64_t cuda_device_identity(int device) noexcept {
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, device) != cudaSuccess) {
    (void)cudaGetLastError();
    return 0;
  }
  std::uint64_t hash = 14695981039346656037ULL; // FNV-1a over the 16 bytes of the UUID
  for (const char byte : prop.uuid.bytes) {
    hash = (hash ^ static_cast<unsigned char>(byte)) * 1099511628211ULL;
  }
  return static_cast<std::int64_t>(hash == 0 ? 1 : hash);
}

} // namespace scalesweep
