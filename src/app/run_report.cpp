// The run's reports, text and JSON; byte for byte what the tests and users' scripts read.
#include "app/run_report.hpp"

#include "scalesweep/math/status.hpp"

#include "app/json_writer.hpp"
#include "app/plan_report.hpp"
#include "common/shell_quote.hpp"
#include "common/text_format.hpp"
#include "common/untrusted_text.hpp"
#include "plan/memory_budget.hpp"

#include <filesystem>

namespace scalesweep::app {

namespace {

// After the summary: what the optima computed by this run came out as, so that a sweep whose
// targets are all infeasible (at or below E, say) does not end like any other. The warnings
// print under --quiet too.
void report_statuses(const sweep_plan& plan, const run_summary& s, std::FILE* info, bool quiet,
                     bool resumed) {
  // After a resume the counts cover this run's cells only; the file holds the earlier ones too.
  const char* whose = resumed ? " computed by this run" : "";
  for (std::size_t p = 0; p < plan.problems.size(); ++p) {
    const problem_grid& problem = plan.problems[p];
    const status_tally& counts = s.statuses[p];
    std::int64_t total = 0;
    std::string text;
    for (int k = 0; k < cell_status_count; ++k) {
      const std::int64_t n = counts[static_cast<std::size_t>(k)];
      total += n;
      if (n > 0) {
        text += (text.empty() ? "" : ", ") + format_count(n) + " " +
                to_string(static_cast<cell_status>(k));
      }
    }
    if (!problem.has_status() || total == 0) {
      continue;
    }
    if (!quiet) {
      std::fprintf(info, "%s: %s (%s%s)\n", problem.outputs.back().name.c_str(), text.c_str(),
                   problem.name.c_str(), whose);
    }
    if (counts[static_cast<std::size_t>(cell_status::ok)] == 0) {
      std::fprintf(stderr,
                   "warning: none of the %s %s%s is ok (%s); the README's table of status "
                   "codes says why\n",
                   format_count(total).c_str(), problem.name.c_str(), whose, text.c_str());
    } else if (counts[static_cast<std::size_t>(cell_status::not_converged)] > 0) {
      std::fprintf(
          stderr,
          "warning: %s of the %s%s did not converge, which is never expected: please "
          "report it with the config\n",
          format_count(counts[static_cast<std::size_t>(cell_status::not_converged)]).c_str(),
          problem.name.c_str(), whose);
    }
  }
  std::fflush(info);
}

std::string summary_json(const run_session& session, const run_summary& s, const summary_facts& f,
                         const communicator& comm, double rate, double bytes_per_s) {
  const sweep_plan& plan = session.plan();
  const run_setup& setup = session.setup();
  json_writer j;
  j.begin_object().key("output");
  if (session.writes_output()) {
    j.value(session.path());
  } else {
    j.null(); // --no-output
  }
  j.field("backend", session.backend().description());
  j.field("ranks", comm.size()).field("shard", session.shard().text());
  j.field("cells", s.cells).field("cells_done_before", f.cells_done_before);
  j.field("tiles", s.tiles).field("seconds", s.seconds);
  j.field("cells_per_second", rate).field("bytes_written", s.bytes_written);
  j.field("bytes_per_second", bytes_per_s).field("peak_rss_bytes", f.peak_rss_bytes);
  j.field("memory_limit_bytes", setup.limits.host_bytes);
  j.field("planned_host_bytes", planned_host_bytes(plan, setup.compression_threads));
  j.field("gpu_memory_limit_bytes", setup.limits.device_bytes);
  j.key("statuses").begin_object();
  for (std::size_t p = 0; p < plan.problems.size(); ++p) {
    if (plan.problems[p].has_status()) {
      j.key(plan.problems[p].outputs.back().name).begin_object();
      for (int k = 0; k < cell_status_count; ++k) {
        j.field(to_string(static_cast<cell_status>(k)), s.statuses[p][static_cast<std::size_t>(k)]);
      }
      j.end_object();
    }
  }
  j.end_object().end_object();
  return j.str();
}

} // namespace

void print_plan_line(const run_session& session, const communicator& comm, std::FILE* info) {
  std::fprintf(
      info, "%sbackend: %s",
      describe_plan(session.plan(), session.path(), session.setup().memory(), session.shard())
          .c_str(),
      session.backend().description().c_str());
  if (comm.parallel()) {
    std::fprintf(info, " on each of %d MPI ranks", comm.size());
  }
  std::fprintf(info, "\n");
  std::fflush(info);
}

void print_run_summary(const run_session& session, const run_summary& s, const summary_facts& f,
                       const communicator& comm, std::FILE* info, bool quiet, bool json) {
  const double rate = s.seconds > 0 ? static_cast<double>(s.cells) / s.seconds : 0.0;
  const double bytes_per_s = s.seconds > 0 ? static_cast<double>(s.bytes_written) / s.seconds : 0.0;
  if (!quiet) {
    std::string written = "no output written (--no-output)";
    if (session.writes_output()) {
      char speed[32];
      std::snprintf(speed, sizeof speed, "%.3g", bytes_per_s / 1e9);
      written = "wrote " + format_bytes(static_cast<double>(s.bytes_written)) + " (" + speed +
                " GB/s) to " + escape_for_terminal(session.path());
    }
    std::fprintf(info, "done: %s cells in %.3f s (%.3g cells/s); %s; peak memory %s%s\n",
                 format_count(s.cells).c_str(), s.seconds, rate, written.c_str(),
                 format_bytes(static_cast<double>(f.peak_rss_bytes)).c_str(),
                 comm.parallel() ? " (largest rank)" : "");
  }
  report_statuses(session.plan(), s, info, quiet, session.resume());
  if (json) {
    std::fputs(summary_json(session, s, f, comm, rate, bytes_per_s).c_str(), stdout);
  }
}

std::string resume_command(const std::string& program, const std::string& config, bool optima_only,
                           const run_session& session, const communicator& comm) {
  std::vector<std::string> words;
  if (comm.parallel()) {
    words = {"mpirun", "-np", std::to_string(comm.size())};
  }
  for (const std::string& w : {program, std::string("run"), config, std::string("--resume"),
                               std::string("-o"), session.path()}) {
    words.push_back(w);
  }
  if (!session.shard().whole()) {
    words.emplace_back("--shard");
    words.push_back(session.shard().text());
  }
  if (optima_only) {
    words.emplace_back("--optima-only");
  }
  // Each word quoted: a config named `a;touch X;.toml` is pasted as a name, not as commands.
  return shell_command(words);
}

void note_previous_result(const std::string& path) {
  if (std::filesystem::exists(path)) {
    std::fprintf(stderr,
                 "note: %s still holds an earlier run's result: --overwrite replaces it only when "
                 "this run finishes\n",
                 escape_for_terminal(path).c_str());
  }
}

} // namespace scalesweep::app
