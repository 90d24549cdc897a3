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

// CUDA runtime failures, with the failing call's text, file and line (exit code 1).
class cuda_error : public error {
public:
  using error::error;
};

} // namespace scalesweep
