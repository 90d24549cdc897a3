// Point estimates and bootstrap samples from batches of fits (fit_session.hpp).
#include "app/fit/fit_session.hpp"

#include "scalesweep/error.hpp"
#include "scalesweep/math/quantile.hpp"

#include "plan/law_constants.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>

namespace scalesweep::app {

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

bootstrap_summary summarise_bootstrap(const std::vector<fit_result>& samples) {
  bootstrap_summary s;
  std::vector<std::vector<double>> values(std::size(law_constants));
  for (const fit_result& r : samples) {
    if (!converged(r.status) || !std::isfinite(r.objective)) {
      continue;
    }
    const scaling_law law = law_of_fit(r.x);
    for (std::size_t c = 0; c < values.size(); ++c) {
      values[c].push_back(law.*law_constants[c].member);
    }
    ++s.used;
  }
  s.quantiles.assign(values.size(), {});
  for (std::size_t c = 0; c < values.size() && s.used > 1; ++c) {
    std::vector<double>& v = values[c];
    double mean = 0;
    for (double x : v) {
      mean += x;
    }
    mean /= static_cast<double>(v.size());
    double ss = 0;
    for (double x : v) {
      ss += (x - mean) * (x - mean);
    }
    s.se[c] = std::sqrt(ss / static_cast<double>(v.size() - 1));
    std::sort(v.begin(), v.end());
    for (double q : bootstrap_quantile_levels) {
      s.quantiles[c].push_back(
          quantile_of_sorted(v.data(), static_cast<std::int64_t>(v.size()), q));
    }
  }
  return s;
}

} // namespace scalesweep::app
