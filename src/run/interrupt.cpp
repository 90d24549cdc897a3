// Signal handlers that only record the signal (async-signal-safe), then step aside.
#include "run/interrupt.hpp"

#include "common/isolated_call.hpp"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <thread>

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
  // SIGHUP: the terminal of an ssh session went away. A signal ignored when the process started
  // (nohup, `cmd &` in a script) stays ignored, as the shell intended.
  for (const int signal : {SIGINT, SIGTERM, SIGHUP}) {
    if (std::signal(signal, on_signal) == SIG_IGN) {
      std::signal(signal, SIG_IGN);
    }
  }
}

int interrupt_signal() {
  return received != 0 ? static_cast<int>(received) : isolation_stop_signal();
}

void debug_interrupt_delay() {
  static const int ms = [] {
    const char* v = std::getenv("SCALESWEEP_DEBUG_ROUND_DELAY_MS");
    return v != nullptr ? std::atoi(v) : 0;
  }();
  if (ms > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  }
}

} // namespace scalesweep
