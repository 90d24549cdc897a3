// How a failed command or run reports: "error: ..." and "hint: ..." on stderr, and its exit code.
#pragma once

#include <exception>

namespace scalesweep::app {

// Prints the failure ("error: ...", then "hint: ..." if any) to stderr and returns its exit
// code: exit_bad_input for an input_error, else exit_failure. CUDA errors get the hint that
// names the flag that helps (the backend names none).
int report_failure(const std::exception_ptr& failure);

} // namespace scalesweep::app
