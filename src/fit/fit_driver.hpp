// Runs batches of fits on the CPU (OpenMP over fits) or on CUDA (a thread per fit), and builds
// the point estimate (best of a grid of starts) and the bootstrap samples from them.
#pragma once

#include "scalesweep/math/fit_task.hpp"

#include "backends/backend.hpp"
#include "fit/fit_batch.hpp"
#include "fit/fit_data.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace scalesweep {

// Where fits run. `automatic` resolves to CUDA when this build has it and a device is present.
class fit_runner {
public:
  // Throws input_error for an impossible choice (--backend cuda without CUDA or a device).
  fit_runner(backend_choice choice, int threads, int device);

  std::string kind() const { return m_cuda ? "cuda" : "cpu"; }
  std::string description() const;
  // Every (sample, start) fit of the batch, result [sample * start_count + k]. The same inputs
  // give the same draws and fits whatever the thread count.
  std::vector<fit_result> run(const fit_batch& batch) const;

private:
  bool m_cuda = false;
  int m_threads = 0;
  int m_device = 0;
};

// The CPU backend alone (tests compare the CUDA one with it).
std::vector<fit_result> run_fit_batch_cpu(const fit_batch& batch, int threads);

// Whether fit b counts as having reached the best fit `best`: objective within
// reach_relative_objective of it (relative), and every log parameter (log A, log B, log E,
// alpha, beta) within reach_parameter_tolerance (absolute; for log A that is relative in A).
inline constexpr double reach_relative_objective = 1e-10;
inline constexpr double reach_parameter_tolerance = 1e-5;
bool reached(const fit_result& best, const fit_result& b);

// The index of the lowest finite objective (the first of equals); -1 when none is finite.
std::int64_t best_of(const fit_result* results, std::uint32_t count);

struct point_estimate {
  fit_result best{};       // for huber-mle: the likelihood fit from the best Huber fit
  fit_result best_huber{}; // the best Huber fit of the starts
  std::uint32_t best_start = 0;
  std::uint32_t starts = 0;
  std::uint32_t reached = 0;   // starts whose Huber fit reached best_huber
  std::uint32_t converged = 0; // starts whose fit met a convergence test
};

// The grid of starts as a list (law_parameters values per start).
std::vector<double> grid_starts(const start_grid& grid);

// Fits the data from every start; the best is the estimate. Throws error when no fit has a
// finite objective.
point_estimate fit_point_estimate(const fit_data& data, const std::vector<double>& starts,
                                  const fit_settings& settings, const fit_runner& runner);

// S bootstrap resamples, each fitted from every start of `starts` (one start: the point
// estimate's, or --start; several: a grid) and reduced to its best fit; huber-mle adds the
// likelihood stage to that best fit. `progress(done, total)` is called between chunks.
std::vector<fit_result>
fit_bootstrap(const fit_data& data, const std::vector<double>& starts, std::uint32_t samples,
              std::uint64_t seed, const fit_settings& settings, const fit_runner& runner,
              const std::function<void(std::uint32_t, std::uint32_t)>& progress = {});

} // namespace scalesweep
