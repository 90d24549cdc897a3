// The CUDA device queries of a CPU-only build: what a machine without a GPU answers.
#include "cuda_device.hpp"

namespace scalesweep {

bool cuda_compiled() {
  return false;
}
int cuda_device_count() {
  return 0;
}
cuda_unavailability cuda_unavailable_reason() {
  return {"this scalesweep was built without CUDA", false};
}
std::string cuda_device_name(int /*device*/) {
  return {};
}
std::int64_t cuda_free_memory(int /*device*/) {
  return 0;
}
std::int64_t cuda_device_identity(int /*device*/) noexcept {
  return 0;
}

} // namespace scalesweep
