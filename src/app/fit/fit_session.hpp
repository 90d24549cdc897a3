// A fit as `scalesweep fit` makes it, on a fit_runner: the point estimate (the best of a grid of
// starts, how many starts reached it) and the bootstrap samples (each resample's best fit).
#pragma once

#include "scalesweep/math/fit_task.hpp"
#include "scalesweep/math/minimize_status.hpp"

#include "app/fit/fit_data.hpp"
#include "backends/fit/fit_runner.hpp"

#include <cstdint>
#include <functional>
#include <vector>

namespace scalesweep::app {

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

// Quantile levels of the bootstrap summary (JSON and text): the 90 % and 95 % intervals and the
// median.
inline constexpr double bootstrap_quantile_levels[] = {0.025, 0.05, 0.5, 0.95, 0.975};

// The bootstrap's spread, per law constant (law_constants order: E, A, B, alpha, beta), over the
// resamples whose fit converged with a finite objective.
struct bootstrap_summary {
  std::uint32_t used = 0;
  double se[law_parameters] = {};             // sample standard deviation (ddof = 1)
  std::vector<std::vector<double>> quantiles; // [constant][bootstrap_quantile_levels]; empty
                                              // unless used > 1
};
bootstrap_summary summarise_bootstrap(const std::vector<fit_result>& samples);

} // namespace scalesweep::app
