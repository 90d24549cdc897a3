// What the host asks about CUDA devices, in plain C++ (no CUDA types): kernels/cuda_device.cu
// answers in CUDA builds, cuda_device_stub.cpp (a machine without a GPU) in CPU-only ones.
#pragma once

#include <cstdint>
#include <string>

namespace scalesweep {

bool cuda_compiled();
// Number of listed CUDA devices: 0 in a CPU-only build or without a driver/device.
int cuda_device_count();

// Why this machine offers no usable CUDA device (empty `text` when it has one). `driver_fault`:
// an NVIDIA driver is installed but CUDA fails, e.g. the driver is older than this build's CUDA
// runtime; `--backend auto` then warns before it falls back to the CPU instead of staying silent
// as on a machine without a GPU.
struct cuda_unavailability {
  std::string text;
  bool driver_fault = false;
};
cuda_unavailability cuda_unavailable_reason();

// "NVIDIA H100 80GB HBM3".
std::string cuda_device_name(int device);
// Free memory of a CUDA device in bytes (0 without CUDA). Makes the device current, creating its
// context as using it will right after; throws cuda_error (device_unusable) when it cannot.
std::int64_t cuda_free_memory(int device);
// Identifies the physical GPU behind a device ordinal across processes (a hash of its UUID, the
// same whatever its ordinal there); 0 without CUDA or when it cannot be read. Creates no context.
std::int64_t cuda_device_identity(int device) noexcept;

} // namespace scalesweep
