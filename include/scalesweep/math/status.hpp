// Status code carried by every optimum cell (stored as uint8 with CF flag attributes): the codes,
// their names and meanings in one table, from which the enum, to_string and flag_meanings come.
#pragma once

#include "scalesweep/math/host_device.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>

namespace scalesweep {

// One line per status: name (also its CF flag meaning), code, meaning. The codes are part of the
// file format (SPEC §1.4, flag_values): append a line, never renumber. The compiler checks below
// that the lines list each code once, in order from 0.
//
// not_computed is never computed by a backend: it is the HDF5 fill value of status variables,
// which cells read as in chunks that have no storage (the other parts' cells in a serial run's
// shard part, unwritten chunks of a compressed file), where the numbers read NaN. Chunks allocated
// at creation but not written (an uncompressed whole run's .partial, a part MPI ranks wrote) read
// 0, ok.
#define SCALESWEEP_CELL_STATUSES(X)                                                                \
  X(ok, 0, "converged to full double precision")                                                   \
  X(infeasible, 1,                                                                                 \
    "no admissible (N, D): loss target <= E, or budget below one 1-parameter model")               \
  X(not_converged, 2, "root-finder hit its iteration cap (never expected; reported, not hidden)")  \
  X(invalid_input, 3, "NaN, negative demand, non-positive budget, bad law constants")              \
  X(out_of_range, 4, "the optimum exists but N or D overflows double precision")                   \
  X(not_computed, 5, "fill value of cells no run has written (never computed by a backend)")       \
  X(constrained, 6, "a serving constraint binds: the optimum sits on N = N_max, exact like ok's")  \
  X(undertrained, 7,                                                                               \
    "implied demand: fewer tokens per parameter than the T = 0 optimum of its own loss, no T")

enum class cell_status : std::uint8_t {
#define SCALESWEEP_STATUS_ENUMERATOR(name, code, meaning) name = (code),
  SCALESWEEP_CELL_STATUSES(SCALESWEEP_STATUS_ENUMERATOR)
#undef SCALESWEEP_STATUS_ENUMERATOR
};

struct cell_status_info {
  cell_status code;
  const char* name;    // CF flag meaning: one word
  const char* meaning; // for people (the README's table of status codes)
};

inline constexpr cell_status_info cell_statuses[] = {
#define SCALESWEEP_STATUS_ROW(name, code, meaning) {cell_status::name, #name, meaning},
    SCALESWEEP_CELL_STATUSES(SCALESWEEP_STATUS_ROW)
#undef SCALESWEEP_STATUS_ROW
};

inline constexpr int cell_status_count = static_cast<int>(std::size(cell_statuses));

// Whether a cell of this status holds an optimum: ok, and constrained (the optimum on a serving
// bound). The one rule: the sample reductions count these samples, result_schema.json marks them
// ("has_optimum") for the Python readers and plots.
SCALESWEEP_HD constexpr bool status_has_optimum(cell_status s) {
  return s == cell_status::ok || s == cell_status::constrained;
}

namespace detail {
constexpr bool statuses_listed_in_order() {
  for (int i = 0; i < cell_status_count; ++i) {
    if (static_cast<int>(cell_statuses[i].code) != i) {
      return false;
    }
  }
  return true;
}

constexpr std::size_t text_length(const char* s) {
  std::size_t n = 0;
  while (s[n] != '\0') {
    ++n;
  }
  return n;
}

constexpr std::size_t flag_meanings_length() {
  std::size_t n = 0;
  for (const cell_status_info& s : cell_statuses) {
    n += text_length(s.name) + 1; // a space after each name, the last one's becomes the '\0'
  }
  return n;
}

constexpr std::array<char, flag_meanings_length()> joined_flag_meanings() {
  std::array<char, flag_meanings_length()> out{};
  std::size_t at = 0;
  for (const cell_status_info& s : cell_statuses) {
    for (std::size_t i = 0; s.name[i] != '\0'; ++i) {
      out[at++] = s.name[i];
    }
    out[at++] = ' ';
  }
  out[at - 1] = '\0';
  return out;
}

inline constexpr std::array<char, flag_meanings_length()> flag_meanings_text =
    joined_flag_meanings();
} // namespace detail

static_assert(detail::statuses_listed_in_order(),
              "cell_statuses must list each status code once, in order from 0");

// Space-separated CF flag_meanings, in flag_values order.
inline constexpr const char* cell_status_flag_meanings = detail::flag_meanings_text.data();

// The status's name ("ok", "infeasible", ...), or "unknown" for a code past the table. Host only:
// device code reads no host table.
constexpr const char* to_string(cell_status s) {
  const auto code = static_cast<int>(s);
  return code < cell_status_count ? cell_statuses[code].name : "unknown";
}

} // namespace scalesweep
