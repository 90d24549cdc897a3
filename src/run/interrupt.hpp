// SIGINT/SIGTERM/SIGHUP during a run or merge: the pipeline finishes the tiles in flight,
// checkpoints the file and stops (a Slurm time limit sends SIGTERM); a second signal ends the
// process at once.
#pragma once

#include "scalesweep/error.hpp"

namespace scalesweep {

void install_interrupt_handlers();
// The signal received since install_interrupt_handlers, or 0; in an isolated call's child, the
// one its parent received (isolated_call.hpp). The pipeline and merge stop on it, throwing
// run_interrupted (scalesweep/error.hpp).
int interrupt_signal();

// Test hook: SCALESWEEP_DEBUG_ROUND_DELAY_MS sleeps that long at each writer round of a run and
// each chunk a merge copies, so that tests can interrupt small jobs at many different moments.
// Not for production runs.
void debug_interrupt_delay();

} // namespace scalesweep
