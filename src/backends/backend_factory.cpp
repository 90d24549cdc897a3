// Picks the backend for a run: CUDA when compiled in and a device is present, else the CPU.
#include "scalesweep/error.hpp"

#include "backends/backend.hpp"

#if SCALESWEEP_HAVE_CUDA
#include "cuda_backend.hpp"
#endif

namespace scalesweep {

bool cuda_compiled() {
  return SCALESWEEP_HAVE_CUDA != 0;
}

// The device queries: the CUDA backend's where it is built, else what a machine without a GPU
// answers.
#if SCALESWEEP_HAVE_CUDA
int cuda_device_count() {
  return cuda::device_count();
}
cuda_unavailability cuda_unavailable_reason() {
  return cuda::unavailable_reason();
}
std::int64_t cuda_free_memory(int device) {
  return cuda::free_memory(device);
}
std::int64_t cuda_device_identity(int device) noexcept {
  return cuda::device_identity(device);
}
#else
int cuda_device_count() {
  return 0;
}
cuda_unavailability cuda_unavailable_reason() {
  return {"this scalesweep was built without CUDA", false};
}
std::int64_t cuda_free_memory(int /*device*/) {
  return 0;
}
std::int64_t cuda_device_identity(int /*device*/) noexcept {
  return 0;
}
#endif

std::unique_ptr<compute_backend> make_backend(const sweep_plan& plan,
                                              const backend_options& options) {
  if (options.choice == backend_choice::cpu) {
    return make_cpu_backend(plan, options.threads);
  }
  const int devices = cuda_device_count();
  if (options.choice == backend_choice::automatic && devices == 0) {
    return make_cpu_backend(plan, options.threads);
  }
  if (!cuda_compiled()) {
    throw input_error("--backend cuda: this scalesweep was built without CUDA",
                      "rebuild with -DSCALESWEEP_USE_CUDA=ON, or use --backend cpu");
  }
  if (devices == 0) {
    const cuda_unavailability why = cuda_unavailable_reason();
    throw input_error("--backend cuda: no usable CUDA device: " + why.text,
                      why.driver_fault ? "update the NVIDIA driver (nvidia-smi shows its version), "
                                         "or use --backend cpu"
                                       : "use --backend cpu or --backend auto");
  }
  if (options.device < 0 || options.device >= devices) {
    throw input_error("--device " + std::to_string(options.device) + " is outside [0, " +
                      std::to_string(devices - 1) + "]");
  }
#if SCALESWEEP_HAVE_CUDA
  return cuda::make_backend(plan, options.device, options.keep_on_device);
#else
  return nullptr;
#endif
}

} // namespace scalesweep
