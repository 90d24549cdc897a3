// The program's documented exit codes (README "Exit codes"), which commands and sessions return.
#pragma once

namespace scalesweep::app {

inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;   // I/O, HDF5, CUDA, internal errors
inline constexpr int exit_bad_input = 2; // bad flags, config or input file

} // namespace scalesweep::app
