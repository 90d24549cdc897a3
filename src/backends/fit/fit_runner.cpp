// Fit batches on the CPU (OpenMP, SIMD lanes) and on CUDA (fit_runner.hpp).
#include "backends/fit/fit_runner.hpp"

#include "scalesweep/math/counter_rng.hpp"

#include "backends/fit/fit_lanes.hpp"
#include "cuda_device.hpp"

#if SCALESWEEP_HAVE_CUDA
#include "fit_cuda.hpp"
#endif

#include <omp.h>

namespace scalesweep {

fit_runner::fit_runner(backend_choice choice, int threads, int device)
    : m_cuda(resolve_backend_choice(choice) == backend_choice::cuda), m_threads(threads),
      m_device(device) {
  if (m_cuda) {
    require_cuda_device(device);
  }
}

std::string fit_runner::description() const {
  if (m_cuda) {
    return "cuda device " + std::to_string(m_device) + " (" + cuda_device_name(m_device) + ")";
  }
  const int threads = m_threads > 0 ? m_threads : omp_get_max_threads();
  return "cpu (" + std::to_string(threads) + " OpenMP thread" + (threads == 1 ? "" : "s") + ")";
}

std::vector<fit_result> run_fit_batch_cpu(const fit_batch& batch, int threads) {
  std::vector<fit_result> results(batch.task_count());
  const std::int64_t tasks = static_cast<std::int64_t>(batch.task_count());
  const int team = threads > 0 ? threads : omp_get_max_threads();
  // Huber fits run their objective on the CPU's vector lanes where it has them: the points padded
  // to whole packs, with weights (0 for the padding) instead of counts.
  const fit_simd::huber_lanes_function lanes =
      batch.settings.method == fit_method::huber ? fit_simd::huber_lanes_for_this_cpu() : nullptr;
  const std::uint32_t padded = fit_simd::padded_size(batch.n);
  std::vector<double> lane_log_N, lane_log_D, lane_log_loss;
  if (lanes != nullptr) {
    for (std::uint32_t i = 0; i < padded; ++i) {
      const std::uint32_t j = i < batch.n ? i : 0;
      lane_log_N.push_back(batch.log_N[j]);
      lane_log_D.push_back(batch.log_D[j]);
      lane_log_loss.push_back(batch.log_loss[j]);
    }
  }
  const fit_points_view all_points =
      with_ranges({batch.log_N, batch.log_D, batch.log_loss, batch.n, nullptr, 1});
#pragma omp parallel num_threads(team)
  {
    // This thread's resample: recomputed when its next fit belongs to another sample. Each
    // resample is a pure function of (seed, sample), so which thread draws it does not matter.
    std::vector<std::uint32_t> counts(batch.resample ? batch.n : 0);
    std::vector<double> weights(lanes != nullptr ? padded : 0, 0.0);
    std::int64_t counts_of = -1;
#pragma omp for schedule(dynamic, 4)
    for (std::int64_t t = 0; t < tasks; ++t) {
      const auto sample = static_cast<std::uint32_t>(t / batch.start_count);
      const auto k = static_cast<std::uint32_t>(t % batch.start_count);
      fit_points_view points = all_points;
      if (counts_of != sample) {
        if (batch.resample) {
          bootstrap_counts(batch.seed, batch.first_sample + sample, batch.n, counts.data(), 1);
        }
        for (std::uint32_t i = 0; i < batch.n && lanes != nullptr; ++i) {
          weights[i] = batch.resample ? static_cast<double>(counts[i]) : 1.0;
        }
        counts_of = sample;
      }
      if (batch.resample) {
        points.counts = counts.data();
      }
      const double* start = batch.start_of(sample, k);
      results[static_cast<std::size_t>(t)] =
          lanes != nullptr
              ? fit_huber_with(
                    fit_simd::huber_lanes_objective{{lane_log_N.data(), lane_log_D.data(),
                                                     lane_log_loss.data(), weights.data(), padded},
                                                    all_points,
                                                    batch.settings.delta,
                                                    lanes},
                    start, batch.settings)
              : fit_from_start(points, start, batch.settings);
    }
  }
  return results;
}

std::vector<fit_result> fit_runner::run(const fit_batch& batch) const {
  if (batch.task_count() == 0) {
    return {};
  }
#if SCALESWEEP_HAVE_CUDA
  if (m_cuda) {
    return cuda::run_fit_batch(batch, m_device);
  }
#endif
  return run_fit_batch_cpu(batch, m_threads);
}

} // namespace scalesweep
