// How a failed command reports: "error: ..." and "hint: ..." on stderr, and its exit code.
#include "scalesweep/error.hpp"

#include "cli/commands.hpp"

#include <cstdio>
#include <exception>

namespace scalesweep::cli {

int report_failure(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    if (!e.hint().empty()) {
      std::fprintf(stderr, "hint: %s\n", e.hint().c_str());
    }
    std::fflush(stderr);
    return dynamic_cast<const input_error*>(&e) != nullptr ? exit_bad_input : exit_failure;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: internal: %s\n", e.what());
    std::fflush(stderr);
    return exit_failure;
  }
}

} // namespace scalesweep::cli
