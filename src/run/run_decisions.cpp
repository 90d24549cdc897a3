// One collective max per round carries both decisions: bit 1 "a rank was interrupted", bit 0 "a
// rank's checkpoint interval has passed".
#include "run/run_decisions.hpp"

#include "run/interrupt.hpp"

#include <csignal>

namespace scalesweep {

run_decisions::run_decisions(const communicator& comm, double checkpoint_seconds,
                             std::int64_t rounds)
    : m_comm(comm), m_checkpoint_seconds(checkpoint_seconds), m_rounds(rounds),
      m_last_checkpoint(steady::now()) {}

round_decision run_decisions::after_round(std::int64_t round) const {
  const double since = std::chrono::duration<double>(steady::now() - m_last_checkpoint).count();
  const int signal = interrupt_signal();
  const std::int64_t flags =
      m_comm.max((signal != 0 ? 2 : 0) | (since >= m_checkpoint_seconds ? 1 : 0));
  const bool stop = (flags & 2) != 0;
  round_decision d;
  d.checkpoint = stop || (flags & 1) != 0 || round == m_rounds - 1;
  if (stop) {
    d.stop_signal =
        signal != 0 ? signal : SIGTERM; // a rank not signalled itself follows the others
  }
  return d;
}

void run_decisions::checkpoint_written() {
  m_last_checkpoint = steady::now();
}

} // namespace scalesweep
