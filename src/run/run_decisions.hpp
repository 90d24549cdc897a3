// The decisions every rank takes together after each round of a problem: whether to checkpoint
// (the interval has passed, a rank was interrupted, the last round) and whether to stop (a
// SIGINT or SIGTERM reached any rank, interrupt.hpp). Every rank then stops after the same round.
#pragma once

#include "run/parallel/communicator.hpp"

#include <chrono>
#include <cstdint>

namespace scalesweep {

struct round_decision {
  bool checkpoint = false; // record the chunks written since the last checkpoint and flush
  int stop_signal = 0;     // 0: go on; else stop after this round, for this signal
};

class run_decisions {
public:
  // For a problem of `rounds` rounds; the checkpoint clock starts now.
  run_decisions(const communicator& comm, double checkpoint_seconds, std::int64_t rounds);

  // Collective: every rank calls it once per round, after writing round `round`.
  round_decision after_round(std::int64_t round) const;
  // Restarts the checkpoint clock, once a checkpoint is written.
  void checkpoint_written();

private:
  using steady = std::chrono::steady_clock;

  const communicator& m_comm;
  double m_checkpoint_seconds;
  std::int64_t m_rounds;
  steady::time_point m_last_checkpoint;
};

} // namespace scalesweep
