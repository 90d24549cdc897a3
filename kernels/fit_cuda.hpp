// The CUDA fits behind plain C++ (no CUDA types): fit_kernels.cu defines them, in CUDA
// builds only; fit_runner calls them.
#pragma once

#include "fit_batch.hpp"

#include <cstdint>
#include <vector>

namespace scalesweep::cuda {

// Every (sample, start) fit of the batch on `device`, one thread per fit: result
// [sample * start_count + k], as run_fit_batch_cpu.
std::vector<fit_result> run_fit_batch(const fit_batch& batch, int device);

// The bootstrap multiplicities the device draws, [sample][point] (tests compare them with the
// host's bootstrap_counts).
std::vector<std::uint32_t> bootstrap_counts_on_device(std::uint64_t seed,
                                                      std::uint64_t first_sample,
                                                      std::uint32_t samples, std::uint32_t n,
                                                      int device);

// What the compiler made of the fit kernel on `device` (docs/benchmarks.md reports it).
struct fit_kernel_attributes {
  int registers = 0;
  std::int64_t local_bytes = 0; // per thread: the L-BFGS history and the simplex live there
  int max_threads_per_block = 0;
  int block_size = 0; // what run_fit_batch launches
  int blocks_per_sm = 0;
};
fit_kernel_attributes fit_kernel_info(int device);

} // namespace scalesweep::cuda
