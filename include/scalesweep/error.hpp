// Exception types: thrown with context by library code, caught once in main (exit codes there).
#pragma once

#include <stdexcept>
#include <string>

namespace scalesweep {

// Base: a message for the user and an optional one-line hint on how to fix it.
class error : public std::runtime_error {
public:
  explicit error(const std::string& message, std::string hint = {})
      : std::runtime_error(message), m_hint(std::move(hint)) {}
  const std::string& hint() const noexcept { return m_hint; }

private:
  std::string m_hint;
};

// Bad config, flags or input file: the user must change what they asked for (exit code 2).
class input_error : public error {
public:
  using error::error;
};

// Files and HDF5: the request was fine, the system failed (exit code 1).
class io_error : public error {
public:
  using error::error;
};

// CUDA runtime failures, with the failing call's text, file and line (exit code 1). The cause
// lets the front end (the CLI) add a hint in its own terms, flags say: the backend names none.
class cuda_error : public error {
public:
  enum class cause {
    runtime,         // a CUDA call failed
    device_unusable, // a listed device cannot be used (exclusive mode, a missing MIG instance)
    device_memory,   // a device allocation failed
    pinned_memory,   // a page-locked host allocation failed
  };
  explicit cuda_error(const std::string& message, cause why = cause::runtime)
      : error(message), m_cause(why) {}
  cause why() const noexcept { return m_cause; }

private:
  cause m_cause;
};

// A run or merge that stopped cleanly after SIGINT, SIGTERM or SIGHUP (run/interrupt.hpp); the
// commands turn it into exit 128 + signal.
class run_interrupted : public error {
public:
  run_interrupted(int signal, const std::string& message) : error(message), m_signal(signal) {}
  int signal() const { return m_signal; }

private:
  int m_signal;
};

} // namespace scalesweep
