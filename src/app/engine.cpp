// The engine API (include/scalesweep/engine.hpp) on the same run_setup and run_session as
// `scalesweep run`, in one process and without printing.
#include "scalesweep/engine.hpp"

#include "scalesweep/error.hpp"
#include "scalesweep/math/status.hpp"

#include "app/law_samples_source.hpp"
#include "app/run_session.hpp"
#include "app/run_setup.hpp"
#include "common/untrusted_text.hpp"
#include "plan/config.hpp"
#include "plan/sweep_plan.hpp"
#include "run/parallel/communicator.hpp"
#include "run/progress.hpp"

namespace scalesweep {

namespace {
sweep_config with_law_samples(sweep_config c) {
  app::read_law_samples_into(c);
  return c;
}
} // namespace

struct sweep::state {
  explicit state(sweep_config c)
      : config(with_law_samples(std::move(c))), plan(make_plan(config)) {}
  sweep_config config;
  sweep_plan plan; // as validated; a run fits its tiles to the machine anew
};

sweep::sweep(std::unique_ptr<state> s) : m_state(std::move(s)) {}
sweep::sweep(sweep&& other) noexcept = default;
sweep& sweep::operator=(sweep&& other) noexcept = default;
sweep::~sweep() = default;

sweep sweep::from_file(const std::string& path) {
  return sweep(std::make_unique<state>(load_config(path)));
}

sweep sweep::from_text(const std::string& toml, const std::string& source_name) {
  return sweep(std::make_unique<state>(parse_config(toml, source_name)));
}

std::string sweep::title() const {
  return m_state->config.title;
}

std::int64_t sweep::cells() const {
  return m_state->plan.total_cells();
}

std::vector<std::string> sweep::problems() const {
  std::vector<std::string> names;
  for (const problem_grid& p : m_state->plan.problems) {
    names.push_back(p.name);
  }
  return names;
}

std::vector<std::string> sweep::warnings() const {
  return m_state->plan.config.warnings;
}

sweep_result sweep::run(const sweep_run_options& options) const {
  if (options.backend != "auto" && options.backend != "cpu" && options.backend != "cuda") {
    throw input_error("backend '" + shown_token(options.backend) + "' is not auto, cpu or cuda");
  }
  const std::unique_ptr<communicator> comm = make_serial_communicator();
  app::run_flags flags;
  flags.backend = options.backend;
  flags.threads = options.threads;
  app::run_session session(
      {}, app::set_up_run(m_state->config, flags, *comm, app::ranks_sharing_gpu(flags, *comm)),
      {options.output, options.resume, options.overwrite});
  session.open_output(*comm, "scalesweep engine API");
  progress_reporter progress(session.cells_to_compute(*comm), options.progress);
  constexpr double checkpoint_seconds = 60; // the CLI's default
  const run_summary s = session.compute(progress, *comm, checkpoint_seconds);

  sweep_result r{
      session.path(), session.backend().description(), s.cells, s.seconds, s.bytes_written, {}};
  for (std::size_t p = 0; p < session.plan().problems.size(); ++p) {
    const problem_grid& problem = session.plan().problems[p];
    problem_statuses statuses{problem.name, {}, {}};
    if (problem.has_status()) {
      statuses.variable = problem.outputs.back().name;
      statuses.per_status.assign(s.statuses[p].begin(), s.statuses[p].end());
    }
    r.problems.push_back(std::move(statuses));
  }
  return r;
}

std::vector<std::string> cell_status_names() {
  std::vector<std::string> names;
  names.reserve(cell_status_count);
  for (int k = 0; k < cell_status_count; ++k) {
    names.emplace_back(to_string(static_cast<cell_status>(k)));
  }
  return names;
}

} // namespace scalesweep
