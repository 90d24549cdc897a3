// SIGINT/SIGTERM/SIGHUP during a run or merge: the pipeline finishes the tiles in flight,
// checkpoints the file and stops (a Slurm time limit sends SIGTERM); a second signal ends the
// process at once.
#pragma once

#include "scalesweep/error.hpp"

namespace scalesweep {

void install_interrupt_handlers();
// The signal received since install_interrupt_handlers, or 0.
int interrupt_signal();

// Test hook: SCALESWEEP_DEBUG_ROUND_DELAY_MS sleeps that long at each writer round of a run and
// each chunk a merge copies, so that tests can interrupt small jobs at many different moments.
// Not for production runs.
void debug_interrupt_delay();

// Thrown by the pipeline after a clean stop; the run command turns it into exit 128 + signal.
class run_interrupted : public error {
public:
  run_interrupted(int signal, const std::string& message) : error(message), m_signal(signal) {}
  int signal() const { return m_signal; }

private:
  int m_signal;
};

} // namespace scalesweep
