// Runs a piece of work in a forked child process and hands back what it printed, so that a
// library that crashes, spins or exhausts memory on a damaged input ends the child, not the
// command. libhdf5 1.10 does all three on some bit-flipped files (its global heap carries no
// checksum), and no check inside the process can catch that (docs/reliability.md).
#pragma once

#include "scalesweep/error.hpp"

#include <cstdint>
#include <functional>
#include <string>

namespace scalesweep {

struct isolation_limits {
  // CPU seconds the child may spend without reporting progress (isolation_progress) before it
  // counts as spinning. CPU time, not wall time: a slow or stalled file system uses none.
  double spin_cpu_seconds = 5;
  // Address space the child may add to what the process held when it forked.
  std::int64_t extra_address_space = std::int64_t{2} << 30;
  // Bytes of standard output and error the child may print (each).
  std::int64_t max_output = std::int64_t{1} << 30;
};

// The limits above, with spin_cpu_seconds from SCALESWEEP_SPIN_SECONDS where it is set (a
// machine so loaded or slow that one chunk takes seconds of CPU).
isolation_limits default_isolation_limits();

// How an isolated call ended when the work neither returned nor threw.
enum class isolation_end {
  crashed,       // killed by a signal (SIGSEGV, SIGABRT ...), or exited without a verdict
  spun,          // used spin_cpu_seconds of CPU without progress; killed
  out_of_memory, // its address space ran out (std::bad_alloc), or it printed more than allowed
};

// Thrown by run_isolated when the child ended abnormally; callers word it for their input.
class isolation_failure : public error {
public:
  isolation_failure(isolation_end end, int signal, const std::string& message)
      : error(message), m_end(end), m_signal(signal) {}
  isolation_end end() const { return m_end; }
  int signal() const { return m_signal; } // the signal that ended the child, or 0

private:
  isolation_end m_end;
  int m_signal;
};

struct isolated_output {
  std::string out; // what the work printed to standard output
  std::string err; // ... and to standard error
};

// Forks; the child runs `work` with its standard output and error captured, under `limits`, and
// exits without running any exit handler. Returns what the work printed when it returned. When it
// threw input_error, io_error or another scalesweep::error, the same type is thrown here with the
// same message and hint (what it printed to standard error is written out first); any other
// exception becomes error("internal: ..."). Throws isolation_failure when the child crashed, spun
// or ran out of memory. Call it before starting threads, MPI or CUDA: the child holds only the
// calling thread.
isolated_output run_isolated(const std::function<void()>& work,
                             const isolation_limits& limits = default_isolation_limits());

// The work's sign of progress (one chunk read, one attribute...): resets the child's spin clock.
// Free to call anywhere; it does nothing outside an isolated call.
void isolation_progress() noexcept;

// Whether the calling process is the child of run_isolated.
bool in_isolated_call() noexcept;

} // namespace scalesweep
