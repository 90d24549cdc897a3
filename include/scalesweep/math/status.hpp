// Status code carried by every optimum cell (stored as uint8 with CF flag attributes).
#pragma once

#include <cstdint>

namespace scalesweep {

// The numeric values are part of the file format (SPEC §1.4, flag_values); append, never renumber.
enum class cell_status : std::uint8_t {
  ok = 0,         // converged to full double precision
  infeasible = 1, // no admissible (N, D): loss target <= E, or budget below one 1-parameter model
  not_converged = 2, // root-finder hit its iteration cap (never expected; reported, not hidden)
  invalid_input = 3, // NaN, negative demand, non-positive budget, bad law constants
  out_of_range = 4,  // the optimum exists but N or D overflows double precision
  // Never computed by a backend: the HDF5 fill value of status variables, which cells read as in
  // chunks that have no storage (the other parts' cells in a serial run's shard part, unwritten
  // chunks of a compressed file), where the numbers read NaN. Chunks allocated at creation but
  // not written (an uncompressed whole run's .partial, a part MPI ranks wrote) read 0, ok.
  not_computed = 5,
};

inline constexpr int cell_status_count = 6;

// Space-separated CF flag_meanings, in flag_values order.
inline constexpr const char* cell_status_flag_meanings =
    "ok infeasible not_converged invalid_input out_of_range not_computed";

inline const char* to_string(cell_status s) {
  switch (s) {
  case cell_status::ok:
    return "ok";
  case cell_status::infeasible:
    return "infeasible";
  case cell_status::not_converged:
    return "not_converged";
  case cell_status::invalid_input:
    return "invalid_input";
  case cell_status::out_of_range:
    return "out_of_range";
  case cell_status::not_computed:
    return "not_computed";
  }
  return "unknown";
}

} // namespace scalesweep
