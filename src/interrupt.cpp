// Signal handlers that only record the signal (async-signal-safe), then step aside.
#include "interrupt.hpp"

#include <csignal>

namespace scalesweep {

namespace {
volatile std::sig_atomic_t received = 0;

extern "C" void on_signal(int signal) {
  received = signal;
  std::signal(signal, SIG_DFL); // a second Ctrl-C or SIGTERM ends the process at once
}
} // namespace

void install_interrupt_handlers() {
  received = 0;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}

int interrupt_signal() {
  return received;
}

} // namespace scalesweep
