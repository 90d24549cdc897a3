// How a failed command reports: "error: ..." and "hint: ..." on stderr, and its exit code.
#include "app/failure_report.hpp"

#include "scalesweep/error.hpp"

#include "app/exit_codes.hpp"
#include "common/untrusted_text.hpp"

#include <cstdio>
#include <exception>
#include <string>

namespace scalesweep::app {

namespace {

// The backend's errors name no flags; here they get the hint that says which flag helps.
std::string hint_for(const error& e) {
  const auto* cuda = dynamic_cast<const cuda_error*>(&e);
  if (cuda == nullptr) {
    return e.hint();
  }
  switch (cuda->why()) {
  case cuda_error::cause::device_unusable:
    return "nvidia-smi shows its compute mode and the processes holding it; choose another with "
           "--device, or run on the CPU with --backend cpu";
  case cuda_error::cause::device_memory:
    return "lower --gpu-memory-limit (scalesweep validate shows what a run plans to hold)";
  case cuda_error::cause::pinned_memory:
    return "lower --memory-limit (scalesweep validate shows what a run plans to hold)";
  case cuda_error::cause::runtime:
    break;
  }
  return e.hint();
}

} // namespace

int report_failure(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const error& e) {
    std::fprintf(stderr, "error: %s\n", shown_message(e.what()).c_str());
    if (const std::string hint = hint_for(e); !hint.empty()) {
      std::fprintf(stderr, "hint: %s\n", shown_message(hint).c_str());
    }
    std::fflush(stderr);
    return dynamic_cast<const input_error*>(&e) != nullptr ? exit_bad_input : exit_failure;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: internal: %s\n", shown_message(e.what()).c_str());
    std::fflush(stderr);
    return exit_failure;
  }
}

} // namespace scalesweep::app
