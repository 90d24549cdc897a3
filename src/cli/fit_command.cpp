// `scalesweep fit DATA.csv`: fit E, A, B, alpha, beta to (N, D, loss) rows from a grid of starts,
// optionally bootstrap the fit, print the estimate (text or --json) and write LAW.h5 (-o).
#include "scalesweep/error.hpp"

#include "app/fit/fit_data.hpp"
#include "app/fit/fit_session.hpp"
#include "app/json_writer.hpp"
#include "app/output_path.hpp"
#include "backends/backend.hpp"
#include "backends/fit/fit_runner.hpp"
#include "cli/commands.hpp"
#include "common/untrusted_text.hpp"
#include "output/law_samples_file.hpp"
#include "plan/presets.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace scalesweep::cli {

namespace {

struct fit_options {
  std::string data;
  app::fit_data_options columns;
  std::int64_t exclude = 0;
  double delta = 1e-3;
  std::string method = "huber";
  std::string start;
  std::int64_t bootstrap = 0;
  std::uint64_t seed = 0;
  std::string bootstrap_starts = "point";
  std::string output;
  bool overwrite = false;
  std::string backend = "auto";
  int threads = 0;
  int device = 0;
  bool json = false;
  bool quiet = false;
  CLI::Option* bootstrap_flag = nullptr;
  CLI::Option* D_flag = nullptr;
  CLI::Option* seed_flag = nullptr;
};

// --start: five numbers a,b,e,alpha,beta (log space, as Besiroglu et al. quote Hoffmann's fit),
// or a law preset's name (its logs).
std::vector<double> parse_start(const std::string& text) {
  if (const law_preset* p = find_law_preset(text)) {
    return {std::log(p->law.A), std::log(p->law.B), std::log(p->law.E), p->law.alpha, p->law.beta};
  }
  std::vector<double> x;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    char* end = nullptr;
    const double v = std::strtod(item.c_str(), &end);
    if (item.empty() || *end != '\0' || !std::isfinite(v)) {
      x.clear();
      break;
    }
    x.push_back(v);
  }
  if (x.size() != law_parameters) {
    throw input_error("--start: '" + text +
                          "' is neither five finite numbers a,b,e,alpha,beta nor a law preset",
                      "e.g. --start 6.0073404,6.0179186,0.5267228,0.33917084,0.2849083 (log A, "
                      "log B, log E, alpha, beta), or one of: " +
                          law_preset_names());
  }
  return x;
}

fit_method parse_method(const std::string& m) {
  if (m == "huber") {
    return fit_method::huber;
  }
  if (m == "huber-mle") {
    return fit_method::huber_mle;
  }
  throw input_error("--method: unknown method '" + m + "'", "allowed: huber, huber-mle");
}

void print_json(const fit_options& o, const app::fit_data& data, const app::point_estimate& e,
                const std::vector<fit_result>& samples, const std::string& backend) {
  json_writer j;
  j.begin_object();
  const scaling_law law = law_of_fit(e.best.x);
  for (const law_constant& c : law_constants) {
    j.field(std::string(c.name), law.*c.member);
  }
  j.field("objective", e.best.objective);
  j.field("n_points", static_cast<std::int64_t>(data.size()));
  j.field("starts", static_cast<std::int64_t>(e.starts));
  j.field("starts_reaching_best", static_cast<std::int64_t>(e.reached));
  j.field("starts_converged", static_cast<std::int64_t>(e.converged));
  j.field("best_start", static_cast<std::int64_t>(e.best_start));
  j.field("status", to_text(e.best.status));
  j.field("method", o.method);
  j.field("delta", o.delta);
  if (o.method == "huber-mle") {
    j.field("sigma", std::exp(e.best.x[param_s]));
    j.field("huber_objective", e.best_huber.objective);
  }
  j.key("log_parameters").begin_object();
  const char* log_names[] = {"a", "b", "e", "alpha", "beta", "s"};
  for (int p = 0; p < (o.method == "huber-mle" ? mle_parameters : law_parameters); ++p) {
    j.field(log_names[p], e.best.x[p]);
  }
  j.end_object();
  j.field("excluded_rows", static_cast<std::int64_t>(data.excluded_rows.size()));
  j.field("backend", backend);
  if (!samples.empty()) {
    const app::bootstrap_summary s = app::summarise_bootstrap(samples);
    j.key("bootstrap").begin_object();
    j.field("samples", static_cast<std::int64_t>(samples.size()));
    j.field("converged", static_cast<std::int64_t>(s.used));
    j.field("seed", static_cast<std::int64_t>(o.seed));
    j.field("starts", o.bootstrap_starts);
    j.key("se").begin_object();
    for (std::size_t c = 0; c < std::size(law_constants); ++c) {
      j.field(std::string(law_constants[c].name), s.se[c]);
    }
    j.end_object();
    j.key("quantiles").begin_object();
    j.key("levels").begin_array();
    for (double q : app::bootstrap_quantile_levels) {
      j.value(q);
    }
    j.end_array();
    for (std::size_t c = 0; c < std::size(law_constants); ++c) {
      j.key(std::string(law_constants[c].name)).begin_array();
      for (double q : s.quantiles[c]) {
        j.value(q);
      }
      j.end_array();
    }
    j.end_object();
    j.end_object();
  }
  if (!o.output.empty()) {
    j.field("output", o.output);
  }
  j.end_object();
  std::printf("%s\n", j.str().c_str());
}

void print_text(const fit_options& o, const app::fit_data& data, const app::point_estimate& e,
                const std::vector<fit_result>& samples, const std::string& backend,
                double seconds) {
  std::printf("fit of %u points from %s (%zu excluded: the highest losses), %s, delta %g\n",
              data.size(), escape_for_terminal(o.data).c_str(), data.excluded_rows.size(),
              o.method.c_str(), o.delta);
  std::printf("  %u start%s (%s) on %s, %.3f s\n", e.starts, e.starts == 1 ? "" : "s",
              o.start.empty() ? "grid" : o.start.c_str(), backend.c_str(), seconds);
  const scaling_law law = law_of_fit(e.best.x);
  for (const law_constant& c : law_constants) {
    std::printf("  %s %.9g", std::string(c.name).c_str(), law.*c.member);
  }
  std::printf("\n");
  if (o.method == "huber-mle") {
    std::printf("  negative log-likelihood %.12g, sigma %.6g (from the best Huber fit, objective "
                "%.14g); %s\n",
                e.best.objective, std::exp(e.best.x[param_s]), e.best_huber.objective,
                to_text(e.best.status));
  } else {
    std::printf("  objective %.14g (Huber, summed over points); %s\n", e.best.objective,
                to_text(e.best.status));
  }
  std::printf("  best start #%u; %u of %u starts reached it (objective within %g relative, log "
              "parameters within %g); %u converged\n",
              e.best_start, e.reached, e.starts, app::reach_relative_objective,
              app::reach_parameter_tolerance, e.converged);
  if (!samples.empty()) {
    const app::bootstrap_summary s = app::summarise_bootstrap(samples);
    std::printf("bootstrap: %zu resamples (seed %llu, from %s), %u converged\n", samples.size(),
                static_cast<unsigned long long>(o.seed),
                o.bootstrap_starts == "grid" ? "the grid of starts" : "one start", s.used);
    std::printf("  %-6s %14s %14s %14s %14s\n", "", "estimate", "SE", "q 0.05", "q 0.95");
    for (std::size_t c = 0; c < std::size(law_constants); ++c) {
      std::printf("  %-6s %14.6g %14.6g %14.6g %14.6g\n",
                  std::string(law_constants[c].name).c_str(), law.*law_constants[c].member, s.se[c],
                  s.quantiles[c].empty() ? NAN : s.quantiles[c][1],
                  s.quantiles[c].empty() ? NAN : s.quantiles[c][3]);
    }
  }
  if (!o.output.empty()) {
    std::printf("wrote %s\n", escape_for_terminal(o.output).c_str());
  }
}

int run_fit(fit_options& o, const std::string& command_line) {
  // Every check before any fit: flags, output path, data.
  const fit_method method = parse_method(o.method);
  if (o.bootstrap_flag->count() > 0 && o.bootstrap < 1) {
    throw input_error("--bootstrap must be at least 1 resample, got " + std::to_string(o.bootstrap),
                      "leave --bootstrap out for the point estimate alone");
  }
  if (o.bootstrap > 100000000) {
    throw input_error("--bootstrap " + std::to_string(o.bootstrap) +
                      " is above the limit of 100,000,000 resamples");
  }
  if (o.seed_flag->count() > 0 && o.bootstrap_flag->count() == 0) {
    throw input_error("--seed applies to --bootstrap only", "add --bootstrap S");
  }
  if (o.bootstrap_starts != "point" && o.bootstrap_starts != "grid") {
    throw input_error("--bootstrap-starts: unknown value '" + shown_token(o.bootstrap_starts) + "'",
                      "allowed: point (from the estimate, or --start), grid");
  }
  if (!(std::isfinite(o.delta) && o.delta > 0)) {
    throw input_error("--delta must be finite and > 0, got " + std::to_string(o.delta));
  }
  if (o.exclude < 0 || o.exclude > 0xffffffffLL) {
    throw input_error("--exclude-highest-loss must be >= 0, got " + std::to_string(o.exclude));
  }
  if (o.threads < 0) {
    throw input_error("--threads must be >= 0 (0: all cores), got " + std::to_string(o.threads));
  }
  const backend_choice choice = backend_choice_named(o.backend);
  const std::vector<double> start = o.start.empty() ? std::vector<double>{} : parse_start(o.start);
  if (!o.output.empty()) {
    app::check_output_file(o.output, o.overwrite, {{o.data, "the data this fit reads"}});
  }
  o.columns.exclude_highest_loss = static_cast<std::uint32_t>(o.exclude);
  o.columns.parameters = method == fit_method::huber_mle ? mle_parameters : law_parameters;
  const app::fit_data data = app::read_fit_data(o.data, o.columns);
  const fit_runner runner(choice, o.threads, o.device);

  fit_settings settings;
  settings.method = method;
  settings.delta = o.delta;
  const std::vector<double> grid = app::grid_starts(start_grid{});
  const auto t0 = std::chrono::steady_clock::now();
  const app::point_estimate estimate =
      app::fit_point_estimate(data, start.empty() ? grid : start, settings, runner);
  std::vector<fit_result> samples;
  if (o.bootstrap > 0) {
    // point: each resample from one start, --start when given (Besiroglu et al. start every
    // resample from Hoffmann's fit), else the estimate.
    std::vector<double> from =
        start.empty()
            ? std::vector<double>(estimate.best_huber.x, estimate.best_huber.x + law_parameters)
            : start;
    if (o.bootstrap_starts == "grid") {
      from = grid;
    }
    const bool tell = !o.quiet && !o.json && from.size() > law_parameters;
    samples = app::fit_bootstrap(data, from, static_cast<std::uint32_t>(o.bootstrap), o.seed,
                                 settings, runner, [tell](std::uint32_t done, std::uint32_t total) {
                                   if (tell) {
                                     std::fprintf(stderr, "progress: %u of %u resamples fitted\n",
                                                  done, total);
                                   }
                                 });
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  if (!o.output.empty()) {
    law_samples_provenance p;
    p.command_line = command_line;
    p.data_file = o.data;
    p.data_sha256 = data.sha256;
    p.N_column = o.columns.N_column;
    p.D_column = o.columns.D_column.empty() ? "D" : o.columns.D_column;
    p.flops_column = o.columns.flops_column;
    p.loss_column = o.columns.loss_column;
    p.exclude_highest_loss = o.columns.exclude_highest_loss;
    p.excluded_rows = data.excluded_rows;
    p.n_points = data.size();
    p.method = o.method;
    p.delta = o.delta;
    p.starts = o.start.empty() ? "grid" : o.start;
    p.start_count = estimate.starts;
    p.starts_reaching_best = estimate.reached;
    p.bootstrap_starts = o.bootstrap_starts;
    p.seed = o.seed;
    p.backend = runner.description();
    write_law_samples(o.output, estimate.best, samples, p);
  }
  if (o.json) {
    print_json(o, data, estimate, samples, runner.description());
  } else {
    print_text(o, data, estimate, samples, runner.description(), seconds);
  }
  return app::exit_ok;
}

} // namespace

command add_fit_command(CLI::App& parent, const std::string& command_line) {
  auto o = std::make_shared<fit_options>();
  CLI::App* app = parent.add_subcommand(
      "fit", "Fit E, A, B, alpha, beta to (N, D, loss) rows: Huber loss in log space, L-BFGS from "
             "a grid of starts; --bootstrap S resamples the fit");
  app->add_option("data", o->data, "CSV file with a header line of column names")->required();
  app->add_option("--N-column", o->columns.N_column, "Column of parameters N (default: N)");
  o->D_flag = app->add_option("--D-column", o->columns.D_column,
                              "Column of training tokens D (default: D)");
  app->add_option("--flops-column", o->columns.flops_column,
                  "Column of training FLOP C instead, D = C / (6 N)")
      ->excludes(o->D_flag);
  app->add_option("--loss-column", o->columns.loss_column, "Column of final loss (default: loss)");
  app->add_option("--exclude-highest-loss", o->exclude,
                  "Leave out the K rows of highest loss (Besiroglu et al.: 5)");
  app->add_option("--delta", o->delta, "Huber threshold on log-loss residuals (default 1e-3)");
  app->add_option("--method", o->method,
                  "huber (default), or huber-mle: maximum likelihood under a Huber-shaped "
                  "density with a fitted scale (Besiroglu et al.'s reported estimate)");
  app->add_option("--start", o->start,
                  "One start instead of the 4,500-point grid: a,b,e,alpha,beta (log A, log B, "
                  "log E, alpha, beta) or a law preset");
  o->bootstrap_flag =
      app->add_option("--bootstrap", o->bootstrap, "Fit S resamples of the rows, with replacement");
  o->seed_flag = app->add_option("--seed", o->seed, "Seed of the resamples (default 0)");
  app->add_option("--bootstrap-starts", o->bootstrap_starts,
                  "point: each resample from one start (--start, else the estimate; default); "
                  "grid: from the whole grid");
  app->add_option("-o,--output", o->output, "Write the estimate and the samples to LAW.h5");
  app->add_flag("--overwrite", o->overwrite,
                "Replace LAW.h5 if it is a regular file (default: refuse; never a device, FIFO, "
                "socket or the data)");
  app->add_option("--backend", o->backend,
                  "auto (default): CUDA when a device is present; cpu; cuda")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  app->add_option("--threads", o->threads, "CPU threads (default: all cores)");
  app->add_option("--device", o->device, "CUDA device ordinal (default 0)");
  app->add_flag("--json", o->json, "Print one JSON object");
  app->add_flag("--quiet", o->quiet, "No progress lines");
  return {app, [o, command_line] { return run_fit(*o, command_line); }};
}

} // namespace scalesweep::cli
