// How a minimisation (L-BFGS, Nelder-Mead) ended: the codes, their names and meanings in one
// table, from which the enum, converged(), the CLI's words and the samples file's CF flags come.
#pragma once

#include "scalesweep/math/host_device.hpp"

#include <cstdint>
#include <iterator>

namespace scalesweep {

// One line per status: name (also its CF flag meaning), code, whether it counts as converged,
// what the CLI prints. The codes are stored in law-samples files (`status`): append, never
// renumber. gradient: ||g||_inf <= the gradient tolerance; objective: the relative decrease of
// f fell below its tolerance (or, Nelder-Mead, the simplex's spread did); stalled: no decrease
// along the search direction down to rounding, nor along the steepest descent; max_iterations:
// the limit came before any test held; not_finite: f or its gradient was not finite at the start.
// docs/fitting.md says why `stalled` counts as converged: at the optimum the line search finds no
// lower value because the objective is flat to rounding.
#define SCALESWEEP_MINIMIZE_STATUSES(X)                                                            \
  X(gradient, 0, true, "converged (gradient)")                                                     \
  X(objective, 1, true, "converged (objective change)")                                            \
  X(stalled, 2, true, "converged (no further decrease)")                                           \
  X(max_iterations, 3, false, "iteration limit")                                                   \
  X(not_finite, 4, false, "not finite")

enum class minimize_status : std::uint8_t {
#define SCALESWEEP_MINIMIZE_ENUMERATOR(name, code, converged, text) name = (code),
  SCALESWEEP_MINIMIZE_STATUSES(SCALESWEEP_MINIMIZE_ENUMERATOR)
#undef SCALESWEEP_MINIMIZE_ENUMERATOR
};

struct minimize_status_info {
  minimize_status code;
  bool converged;
  const char* name; // CF flag meaning: one word
  const char* text; // for people
};

inline constexpr minimize_status_info minimize_statuses[] = {
#define SCALESWEEP_MINIMIZE_ROW(name, code, converged, text)                                       \
  {minimize_status::name, converged, #name, text},
    SCALESWEEP_MINIMIZE_STATUSES(SCALESWEEP_MINIMIZE_ROW)
#undef SCALESWEEP_MINIMIZE_ROW
};

inline constexpr int minimize_status_count = static_cast<int>(std::size(minimize_statuses));

namespace detail {
constexpr bool minimize_statuses_in_order() {
  for (int i = 0; i < minimize_status_count; ++i) {
    if (static_cast<int>(minimize_statuses[i].code) != i) {
      return false;
    }
  }
  return true;
}
} // namespace detail
static_assert(detail::minimize_statuses_in_order(),
              "minimize_statuses must list each code once, in order from 0");

// The table's converged column, as device code can read it (a switch, no host table).
SCALESWEEP_HD constexpr bool converged(minimize_status s) {
  switch (s) { // NOLINT(bugprone-branch-clone): one case per table line, by design
#define SCALESWEEP_MINIMIZE_CASE(name, code, converged, text)                                      \
  case minimize_status::name:                                                                      \
    return converged;
    SCALESWEEP_MINIMIZE_STATUSES(SCALESWEEP_MINIMIZE_CASE)
#undef SCALESWEEP_MINIMIZE_CASE
  }
  return false;
}

// What the CLI prints for a status ("converged (gradient)"); host only.
constexpr const char* to_text(minimize_status s) {
  const auto code = static_cast<int>(s);
  return code < minimize_status_count ? minimize_statuses[code].text : "unknown";
}

} // namespace scalesweep
