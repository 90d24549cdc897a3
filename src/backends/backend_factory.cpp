// Picks the backend for a run: CUDA when compiled in and a device is present, else the CPU.
#include "scalesweep/error.hpp"

#include "backends/backend.hpp"
#include "backends/cuda/cuda_backend.hpp"
#include "cuda_device.hpp"

namespace scalesweep {

backend_choice backend_choice_named(const std::string& name) {
  if (name == "auto") {
    return backend_choice::automatic;
  }
  if (name == "cpu") {
    return backend_choice::cpu;
  }
  if (name == "cuda") {
    return backend_choice::cuda;
  }
  throw input_error("--backend: unknown backend '" + name + "'", "allowed: auto, cpu, cuda");
}

backend_choice resolve_backend_choice(backend_choice choice) {
  if (choice != backend_choice::automatic) {
    return choice;
  }
  return cuda_device_count() > 0 ? backend_choice::cuda : backend_choice::cpu;
}

std::unique_ptr<compute_backend> make_backend(const sweep_plan& plan,
                                              const backend_options& options) {
  if (resolve_backend_choice(options.choice) == backend_choice::cpu) {
    return make_cpu_backend(plan, options.threads);
  }
  return make_cuda_backend(plan, {options.device, false});
}

void require_cuda_device(int device) {
  if (!cuda_compiled()) {
    throw input_error("--backend cuda: this scalesweep was built without CUDA",
                      "rebuild with -DSCALESWEEP_USE_CUDA=ON, or use --backend cpu");
  }
  const int devices = cuda_device_count();
  if (devices == 0) {
    const cuda_unavailability why = cuda_unavailable_reason();
    throw input_error("--backend cuda: no usable CUDA device: " + why.text,
                      why.driver_fault ? "update the NVIDIA driver (nvidia-smi shows its version), "
                                         "or use --backend cpu"
                                       : "use --backend cpu or --backend auto");
  }
  if (device < 0 || device >= devices) {
    throw input_error("--device " + std::to_string(device) + " is outside [0, " +
                      std::to_string(devices - 1) + "]");
  }
}

std::unique_ptr<compute_backend> make_cuda_backend(const sweep_plan& plan,
                                                   const cuda_backend_options& options) {
  require_cuda_device(options.device);
#if SCALESWEEP_HAVE_CUDA
  return cuda::make_backend(plan, options);
#else
  (void)plan; // unreachable: cuda_compiled() is false
  return nullptr;
#endif
}

} // namespace scalesweep
