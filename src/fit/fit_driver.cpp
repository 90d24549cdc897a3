// Fit batches on the CPU and CUDA, point estimates and bootstrap samples (fit_driver.hpp).
#include "fit/fit_driver.hpp"

#include "scalesweep/error.hpp"
#include "scalesweep/math/counter_rng.hpp"

#include "fit/fit_lanes.hpp"

#if SCALESWEEP_HAVE_CUDA
#include "fit_cuda.hpp"
#endif

#include <omp.h>

#include <algorithm>
#include <cmath>

namespace scalesweep {

fit_runner::fit_runner(backend_choice choice, int threads, int device)
    : m_threads(threads), m_device(device) {
  if (choice == backend_choice::cpu) {
    return;
  }
  const int devices = cuda_device_count();
  if (choice == backend_choice::automatic && devices == 0) {
    return;
  }
  if (!cuda_compiled()) {
    throw input_error("--backend cuda: this scalesweep was built without CUDA",
                      "rebuild with -DSCALESWEEP_USE_CUDA=ON, or use --backend cpu");
  }
  if (devices == 0) {
    throw input_error("--backend cuda: no usable CUDA device: " + cuda_unavailable_reason().text,
                      "use --backend cpu or --backend auto");
  }
  if (device < 0 || device >= devices) {
    throw input_error("--device " + std::to_string(device) + " is outside [0, " +
                      std::to_string(devices - 1) + "]");
  }
  m_cuda = true;
}

std::string fit_runner::description() const {
  if (m_cuda) {
    return "cuda device " + std::to_string(m_device);
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

bool reached(const fit_result& best, const fit_result& b) {
  if (!(b.objective - best.objective <= reach_relative_objective * std::fabs(best.objective))) {
    return false;
  }
  for (int p = 0; p < law_parameters; ++p) {
    if (!(std::fabs(b.x[p] - best.x[p]) <= reach_parameter_tolerance)) {
      return false;
    }
  }
  return true;
}

std::int64_t best_of(const fit_result* results, std::uint32_t count) {
  std::int64_t best = -1;
  for (std::uint32_t k = 0; k < count; ++k) {
    if (std::isfinite(results[k].objective) &&
        (best < 0 || results[k].objective < results[best].objective)) {
      best = k;
    }
  }
  return best;
}

std::vector<double> grid_starts(const start_grid& grid) {
  std::vector<double> starts(static_cast<std::size_t>(grid.size()) * law_parameters);
  for (std::uint32_t k = 0; k < grid.size(); ++k) {
    grid.start(k, &starts[static_cast<std::size_t>(k) * law_parameters]);
  }
  return starts;
}

namespace {

fit_batch batch_for(const fit_data& data, const std::vector<double>& starts,
                    const fit_settings& settings) {
  fit_batch b;
  b.log_N = data.log_N.data();
  b.log_D = data.log_D.data();
  b.log_loss = data.log_loss.data();
  b.n = data.size();
  b.starts = starts.data();
  b.start_count = static_cast<std::uint32_t>(starts.size() / law_parameters);
  b.settings = settings;
  return b;
}

} // namespace

point_estimate fit_point_estimate(const fit_data& data, const std::vector<double>& starts,
                                  const fit_settings& settings, const fit_runner& runner) {
  fit_settings huber = settings;
  huber.method = fit_method::huber;
  const fit_batch batch = batch_for(data, starts, huber);
  const std::vector<fit_result> results = runner.run(batch);
  point_estimate e;
  e.starts = batch.start_count;
  const std::int64_t best = best_of(results.data(), e.starts);
  if (best < 0) {
    throw error("no start of the fit reached a finite objective");
  }
  e.best_start = static_cast<std::uint32_t>(best);
  e.best_huber = results[best];
  for (const fit_result& r : results) {
    e.reached += reached(e.best_huber, r) ? 1 : 0;
    e.converged += converged(r.status) ? 1 : 0;
  }
  e.best = e.best_huber;
  if (settings.method == fit_method::huber_mle) {
    const std::vector<double> from(e.best_huber.x, e.best_huber.x + law_parameters);
    e.best = runner.run(batch_for(data, from, settings)).at(0);
  }
  return e;
}

std::vector<fit_result>
fit_bootstrap(const fit_data& data, const std::vector<double>& starts, std::uint32_t samples,
              std::uint64_t seed, const fit_settings& settings, const fit_runner& runner,
              const std::function<void(std::uint32_t, std::uint32_t)>& progress) {
  const auto start_count = static_cast<std::uint32_t>(starts.size() / law_parameters);
  // One start: the method runs whole in one pass. Several: Huber fits from all, the best per
  // resample, then (huber-mle) the likelihood stage from it, as for the point estimate.
  const bool two_pass = start_count > 1 && settings.method == fit_method::huber_mle;
  fit_settings first = settings;
  if (two_pass) {
    first.method = fit_method::huber;
  }
  // Chunks of about 2^20 fits bound the memory of a grid bootstrap (4,000 x 4,500 fits).
  const std::uint32_t chunk = std::max<std::uint32_t>(1, (1u << 20) / start_count);
  std::vector<fit_result> out(samples);
  for (std::uint32_t s0 = 0; s0 < samples; s0 += chunk) {
    fit_batch b = batch_for(data, starts, first);
    b.resample = true;
    b.seed = seed;
    b.first_sample = s0;
    b.samples = std::min(chunk, samples - s0);
    const std::vector<fit_result> r = runner.run(b);
    std::vector<double> best_x;
    for (std::uint32_t s = 0; s < b.samples; ++s) {
      const std::int64_t k = best_of(&r[std::size_t{s} * start_count], start_count);
      out[s0 + s] = k < 0 ? r[std::size_t{s} * start_count] : r[std::size_t{s} * start_count + k];
      best_x.insert(best_x.end(), out[s0 + s].x, out[s0 + s].x + law_parameters);
    }
    if (two_pass) {
      fit_batch m = batch_for(data, best_x, settings);
      m.start_count = 1;
      m.per_sample_starts = true;
      m.resample = true;
      m.seed = seed;
      m.first_sample = s0;
      m.samples = b.samples;
      const std::vector<fit_result> mr = runner.run(m);
      std::copy(mr.begin(), mr.end(), out.begin() + s0);
    }
    if (progress) {
      progress(s0 + b.samples, samples);
    }
  }
  return out;
}

} // namespace scalesweep
