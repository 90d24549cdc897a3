// --backend auto on a listed GPU that cannot be used falls back to the CPU (issue 18): the probe
// that decides it, with the CUDA runtime's answers replaced by what it throws on such a device
// (use_device in kernels/cuda_check.cuh: cuda_error, cause device_unusable). A machine without
// a GPU cannot list one, so set_up_run's use of the probe runs on GPU machines only.
#include "scalesweep/error.hpp"

#include "app/run_setup.hpp"

#include <gtest/gtest.h>

namespace {

using namespace scalesweep;

TEST(ProbeDevice, AUsableDeviceGivesItsFreeMemory) {
  const app::device_probe p = app::probe_device(1, [](int device) {
    EXPECT_EQ(device, 1);
    return std::int64_t{40} << 30;
  });
  EXPECT_TRUE(p.usable);
  EXPECT_EQ(p.free_bytes, std::int64_t{40} << 30);
}

TEST(ProbeDevice, AListedButUnusableDeviceIsReportedNotThrown) {
  const app::device_probe p = app::probe_device(0, [](int) -> std::int64_t {
    throw cuda_error("CUDA device 0 is visible but cannot be used: CUDA-capable device(s) is/are "
                     "busy or unavailable",
                     cuda_error::cause::device_unusable);
  });
  EXPECT_FALSE(p.usable);
  EXPECT_NE(p.why.find("busy or unavailable"), std::string::npos);
}

TEST(ProbeDevice, OtherCudaFailuresAreThrown) {
  EXPECT_THROW(
      app::probe_device(
          0, [](int) -> std::int64_t { throw cuda_error("cudaMemGetInfo failed: unknown error"); }),
      cuda_error);
}

} // namespace
