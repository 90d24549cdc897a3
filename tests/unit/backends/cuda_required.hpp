// The GPU tests' guard: skip without a usable CUDA device, except where SCALESWEEP_REQUIRE_CUDA is
// set (bench/gpu_session.sh on a GPU machine), where a missing device is a failure.
#pragma once

#include "cuda_device.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

// In a test body or a fixture's SetUp(): returns from it when the test cannot run.
#define SCALESWEEP_SKIP_WITHOUT_CUDA()                                                             \
  do {                                                                                             \
    if (scalesweep::cuda_device_count() == 0) {                                                    \
      const std::string why = scalesweep::cuda_unavailable_reason().text;                          \
      if (std::getenv("SCALESWEEP_REQUIRE_CUDA") != nullptr) {                                     \
        FAIL() << "SCALESWEEP_REQUIRE_CUDA is set but no CUDA device is usable: " << why;          \
      }                                                                                            \
      GTEST_SKIP() << why;                                                                         \
    }                                                                                              \
  } while (false)
