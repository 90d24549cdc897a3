// What `scalesweep run` prints about a run: the plan line before it, the summary after it (text,
// and JSON with --json), the statuses of its optima, and what an interrupted or failed run leaves
// behind. Each report is written here once.
#pragma once

#include "app/run_session.hpp"
#include "run/parallel/communicator.hpp"
#include "run/tile_pipeline.hpp"

#include <cstdint>
#include <cstdio>
#include <string>

namespace scalesweep::app {

// The plan, its output and the backend ("... backend: cpu (4 OpenMP threads)"), on `info`.
void print_plan_line(const run_session& session, const communicator& comm, std::FILE* info);

// The summary of a finished run, as the lead rank prints it: "done: ..." on `info` unless
// `quiet`, the statuses of its optima, and the JSON object on stdout with `json`.
struct summary_facts {
  std::int64_t cells_done_before = 0;
  std::int64_t peak_rss_bytes = 0; // of the largest rank
};
void print_run_summary(const run_session& session, const run_summary& s, const summary_facts& f,
                       const communicator& comm, std::FILE* info, bool quiet, bool json);

// The command that continues this run, with the program as it was invoked (build/scalesweep,
// say) so that it can be pasted as it stands, and the flags that decide what the file holds.
std::string resume_command(const std::string& program, const std::string& config, bool optima_only,
                           const run_session& session, const communicator& comm);

// An --overwrite run that stops leaves the file it was to replace in place: says so, or it could
// pass for this run's result.
void note_previous_result(const std::string& path);

} // namespace scalesweep::app
