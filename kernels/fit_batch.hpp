// A batch of independent fits, as both backends take it: every (sample, start) pair of a grid of
// starts, on the data as read or on bootstrap resamples drawn from (seed, sample index).
#pragma once

#include "scalesweep/math/fit_task.hpp"

#include <cstdint>

namespace scalesweep {

struct fit_batch {
  // The points (host memory), n of them.
  const double* log_N = nullptr;
  const double* log_D = nullptr;
  const double* log_loss = nullptr;
  std::uint32_t n = 0;
  // Starts, law_parameters values each: start_count of them shared by every sample, or, with
  // per_sample_starts, samples x start_count of them (sample-major).
  const double* starts = nullptr;
  std::uint32_t start_count = 0;
  bool per_sample_starts = false;
  // resample: sample s fits bootstrap resample first_sample + s under seed; else every sample
  // fits the data as read (use samples = 1).
  bool resample = false;
  std::uint64_t seed = 0;
  std::uint64_t first_sample = 0;
  std::uint32_t samples = 1;
  fit_settings settings{};

  std::uint64_t task_count() const { return std::uint64_t{samples} * start_count; }
  const double* start_of(std::uint32_t sample, std::uint32_t k) const {
    const std::uint64_t index = per_sample_starts ? std::uint64_t{sample} * start_count + k : k;
    return starts + index * law_parameters;
  }
};

} // namespace scalesweep
