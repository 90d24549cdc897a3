// CUDA fits: one thread per (bootstrap sample, start), running the same host/device L-BFGS and
// Nelder-Mead code as the CPU (include/scalesweep/math/fit_task.hpp); launchers beside kernels.
#include "scalesweep/math/counter_rng.hpp"
#include "scalesweep/math/fit_task.hpp"

#include "cuda_resources.cuh"
#include "fit_cuda.hpp"

#include <cuda_runtime.h>

namespace scalesweep::cuda {

namespace {

// 128 threads: a fit keeps ~1 KiB of L-BFGS history per thread in local memory (L1-cached);
// smaller blocks keep more blocks resident when fits of a block finish at different times.
constexpr int fit_block_size = 128;

// Sample s's multiplicities into counts[i * samples + s]: point i of neighbouring samples side by
// side, so that the fit kernel's threads (consecutive samples, or one sample's many starts) read
// them coalesced or as a broadcast.
__global__ void bootstrap_counts_kernel(std::uint64_t seed, std::uint64_t first_sample,
                                        std::uint32_t samples, std::uint32_t n,
                                        std::uint32_t* counts) {
  const std::uint32_t s = blockIdx.x * blockDim.x + threadIdx.x;
  if (s < samples) {
    bootstrap_counts(seed, first_sample + s, n, counts + s, samples);
  }
}

// Method as a template parameter: the Huber-only kernel does not carry the likelihood stage's
// registers (the Nelder-Mead simplex), and the bootstrap's 18 M fits are Huber fits.
template <fit_method Method>
__global__ void __launch_bounds__(fit_block_size)
    fit_kernel(const double* __restrict__ log_N, const double* __restrict__ log_D,
               const double* __restrict__ log_loss, std::uint32_t n,
               const std::uint32_t* __restrict__ counts, const double* __restrict__ starts,
               std::uint32_t start_count, bool per_sample_starts, std::uint32_t samples,
               fit_points_view ranges, fit_settings settings, fit_result* __restrict__ results) {
  const std::uint64_t t = std::uint64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (t >= std::uint64_t{samples} * start_count) {
    return;
  }
  // Starts vary fastest: the threads of a warp share a resample, whose counts they then read
  // as one broadcast.
  const auto s = static_cast<std::uint32_t>(t / start_count);
  const auto k = static_cast<std::uint32_t>(t % start_count);
  fit_points_view points = ranges; // the extremes of log N and log D, computed on the host
  points.log_N = log_N;
  points.log_D = log_D;
  points.log_loss = log_loss;
  points.n = n;
  points.counts = counts == nullptr ? nullptr : counts + s;
  points.count_stride = samples;
  const std::uint64_t start_index = per_sample_starts ? t : k;
  double start[law_parameters];
  for (int p = 0; p < law_parameters; ++p) {
    start[p] = starts[start_index * law_parameters + p];
  }
  if constexpr (Method == fit_method::huber) {
    results[t] = fit_huber(points, start, settings);
  } else {
    results[t] = fit_from_start(points, start, settings);
  }
}

std::uint32_t blocks_for(std::uint64_t threads, int block) {
  return static_cast<std::uint32_t>((threads + block - 1) / block);
}

} // namespace

std::vector<fit_result> run_fit_batch(const fit_batch& batch, int device) {
  SCALESWEEP_CUDA_CHECK(cudaSetDevice(device));
  const std::uint64_t tasks = batch.task_count();
  const std::size_t start_values = (batch.per_sample_starts ? std::size_t{batch.samples} : 1) *
                                   batch.start_count * law_parameters;
  const device_buffer<double> log_N(std::vector<double>(batch.log_N, batch.log_N + batch.n));
  const device_buffer<double> log_D(std::vector<double>(batch.log_D, batch.log_D + batch.n));
  const device_buffer<double> log_loss(
      std::vector<double>(batch.log_loss, batch.log_loss + batch.n));
  const device_buffer<double> starts(
      std::vector<double>(batch.starts, batch.starts + start_values));
  device_buffer<std::uint32_t> counts(batch.resample ? std::size_t{batch.n} * batch.samples : 0);
  device_buffer<fit_result> results(tasks);
  const stream s;
  if (batch.resample) {
    bootstrap_counts_kernel<<<blocks_for(batch.samples, 128), 128, 0, s.get()>>>(
        batch.seed, batch.first_sample, batch.samples, batch.n, counts.get());
    SCALESWEEP_CUDA_CHECK(cudaGetLastError());
  }
  const auto kernel = batch.settings.method == fit_method::huber
                          ? fit_kernel<fit_method::huber>
                          : fit_kernel<fit_method::huber_mle>;
  kernel<<<blocks_for(tasks, fit_block_size), fit_block_size, 0, s.get()>>>(
      log_N.get(), log_D.get(), log_loss.get(), batch.n, batch.resample ? counts.get() : nullptr,
      starts.get(), batch.start_count, batch.per_sample_starts, batch.samples,
      with_ranges({batch.log_N, batch.log_D, batch.log_loss, batch.n, nullptr, 1}), batch.settings,
      results.get());
  SCALESWEEP_CUDA_CHECK(cudaGetLastError());
  std::vector<fit_result> host(tasks);
  SCALESWEEP_CUDA_CHECK(cudaMemcpyAsync(host.data(), results.get(), tasks * sizeof(fit_result),
                                        cudaMemcpyDeviceToHost, s.get()));
  s.synchronize();
  return host;
}

std::vector<std::uint32_t> bootstrap_counts_on_device(std::uint64_t seed,
                                                      std::uint64_t first_sample,
                                                      std::uint32_t samples, std::uint32_t n,
                                                      int device) {
  SCALESWEEP_CUDA_CHECK(cudaSetDevice(device));
  device_buffer<std::uint32_t> counts(std::size_t{n} * samples);
  bootstrap_counts_kernel<<<blocks_for(samples, 128), 128>>>(seed, first_sample, samples, n,
                                                             counts.get());
  SCALESWEEP_CUDA_CHECK(cudaGetLastError());
  std::vector<std::uint32_t> by_point(std::size_t{n} * samples);
  SCALESWEEP_CUDA_CHECK(cudaMemcpy(by_point.data(), counts.get(),
                                   by_point.size() * sizeof(std::uint32_t),
                                   cudaMemcpyDeviceToHost));
  std::vector<std::uint32_t> by_sample(by_point.size());
  for (std::uint32_t i = 0; i < n; ++i) {
    for (std::uint32_t s = 0; s < samples; ++s) {
      by_sample[std::size_t{s} * n + i] = by_point[std::size_t{i} * samples + s];
    }
  }
  return by_sample;
}

fit_kernel_attributes fit_kernel_info(int device) {
  SCALESWEEP_CUDA_CHECK(cudaSetDevice(device));
  cudaFuncAttributes a{};
  SCALESWEEP_CUDA_CHECK(cudaFuncGetAttributes(&a, fit_kernel<fit_method::huber>));
  fit_kernel_attributes out;
  out.registers = a.numRegs;
  out.local_bytes = static_cast<std::int64_t>(a.localSizeBytes);
  out.max_threads_per_block = a.maxThreadsPerBlock;
  out.block_size = fit_block_size;
  SCALESWEEP_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(
      &out.blocks_per_sm, fit_kernel<fit_method::huber>, fit_block_size, 0));
  return out;
}

} // namespace scalesweep::cuda
