// Runs a piece of work in a forked child process and hands back what it printed, so that a
// library that crashes, spins or exhausts memory on a damaged input ends the child, not the
// command. libhdf5 1.10 does all three on some bit-flipped files (its global heap and version-1
// B-trees carry no checksums), sometimes long after the read that went wrong, so no check inside
// the process can catch it (docs/reliability.md).
#pragma once

#include "scalesweep/error.hpp"

#include <cstdint>
#include <functional>
#include <string>

namespace scalesweep {

// What a SIGINT, SIGTERM or SIGHUP to the command does while the child works. The child itself
// ignores them (a terminal's Ctrl-C and a batch system's signal reach every process): the parent
// alone decides.
enum class isolated_interrupts {
  end_the_command, // kill the child, then end the command with the signal (a read)
  tell_the_child,  // the child's interrupt_signal() returns it, and it stops cleanly (a merge);
                   // a second signal kills the child and ends the command at once
};

struct isolation_options {
  // CPU seconds the child may spend without reporting progress (isolation_progress) before it
  // counts as spinning. CPU time, not wall time: a slow or stalled file system uses none. Far
  // above what the reads between two progress reports take (one chunk, one attribute).
  double spin_cpu_seconds = 2;
  // Wall-clock seconds the child may go without progress, whatever CPU it uses: the backstop for
  // a child that sleeps for ever (a deadlock: seen under the fuzz harness, whose inherited crash
  // handler took a lock the crash held). Long enough for a stalled network file system to recover.
  double stall_wall_seconds = 300;
  // Address space the child may add to what the process held when it forked.
  std::int64_t extra_address_space = std::int64_t{2} << 30;
  // Bytes of standard output and error the child may print (each).
  std::int64_t max_output = std::int64_t{1} << 30;
  isolated_interrupts interrupts = isolated_interrupts::end_the_command;
};

// The options above, with spin_cpu_seconds from SCALESWEEP_SPIN_SECONDS where it is set (a
// machine so slow that one chunk takes seconds of CPU) and stall_wall_seconds from
// SCALESWEEP_STALL_SECONDS.
isolation_options default_isolation_options();

// How an isolated call ended when the work neither returned nor threw.
enum class isolation_end {
  crashed,       // killed by a signal (SIGSEGV, SIGABRT ...), or exited without a verdict
  spun,          // used spin_cpu_seconds of CPU, or stall_wall_seconds of wall time, without
                 // progress; killed
  out_of_memory, // its address space ran out (std::bad_alloc), or it printed more than allowed
};

// Thrown by run_isolated when the child ended abnormally; callers word it for their input.
class isolation_failure : public error {
public:
  isolation_failure(isolation_end end, int signal, const std::string& message, std::string note)
      : error(message), m_end(end), m_signal(signal), m_note(std::move(note)) {}
  isolation_end end() const { return m_end; }
  int signal() const { return m_signal; } // the signal that ended the child, or 0
  // What the child was reading then (isolation_note), or "".
  const std::string& note() const { return m_note; }

private:
  isolation_end m_end;
  int m_signal;
  std::string m_note;
};

struct isolated_output {
  std::string out; // what the work printed to standard output
  std::string err; // ... and to standard error
};

// Forks; the child runs `work` with its standard output and error captured, under `options`,
// and exits without running any exit handler. Returns what the work printed when it returned.
// When it threw run_interrupted, input_error, io_error or another scalesweep::error, the same type
// is thrown here with the same message and hint (what it printed to standard error is written
// out first); any other exception becomes error("internal: ..."). Throws isolation_failure when
// the child crashed, spun or ran out of memory, after removing the file it owned
// (isolation_own_file). Call it before starting threads, MPI or CUDA: the child holds only the
// calling thread. Inside a child, runs `work` in place.
isolated_output run_isolated(const std::function<void()>& work,
                             const isolation_options& options = default_isolation_options());

// The work's sign of progress (one chunk read, one attribute...): resets the child's spin clock.
// Free to call anywhere; the functions below do nothing outside an isolated call.
void isolation_progress() noexcept;

// What the child reads now ("'part2.h5'"), for the parent's message if it dies.
void isolation_note(const std::string& what) noexcept;

// A file the child has created and writes: removed by the parent if the child dies before
// isolation_disown_file (and if the path still names that file).
void isolation_own_file(const std::string& path) noexcept;
void isolation_disown_file() noexcept;

// In the child of a call with isolated_interrupts::tell_the_child: the signal the parent
// received, or 0.
int isolation_stop_signal() noexcept;

// Whether the calling process is the child of run_isolated.
bool in_isolated_call() noexcept;

} // namespace scalesweep
