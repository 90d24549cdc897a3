// What the writer thread does with each round of a problem: writes the tile to the sink, counts
// its statuses and the chunks it completes, advances the progress, and checkpoints or stops as
// run_decisions decides with the other ranks.
#pragma once

#include "plan/sweep_plan.hpp"
#include "run/parallel/communicator.hpp"
#include "run/progress.hpp"
#include "run/result_sink.hpp"
#include "run/round_queue.hpp"
#include "run/run_decisions.hpp"
#include "run/status_tally.hpp"

#include <cstdint>
#include <vector>

namespace scalesweep {

class round_writer {
public:
  // Every reference must outlive the writer.
  round_writer(const problem_grid& problem, std::size_t problem_index, result_sink& sink,
               progress_reporter& progress, const communicator& comm, run_decisions& decisions);

  // Collective (every rank, once per round); returns whether the run stops after this round.
  bool write(const round_item& item, std::int64_t round);

  // The signal that stopped the run, or 0; and this rank's cells per status written so far.
  // Read once the writer thread is done (round_queue::drain).
  int stop_signal() const { return m_stop_signal; }
  const status_tally& statuses() const { return m_statuses; }

private:
  const problem_grid& m_problem;
  std::size_t m_problem_index;
  result_sink& m_sink;
  progress_reporter& m_progress;
  const communicator& m_comm;
  run_decisions& m_decisions;
  std::vector<std::int64_t> m_written; // chunks written since the last checkpoint
  status_tally m_statuses{};
  int m_stop_signal = 0;
};

} // namespace scalesweep
