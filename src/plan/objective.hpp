// The cost objectives (SPEC §1.2) and their units.
#pragma once

#include <string_view>

namespace scalesweep {

enum class objective_kind { flops, usd };

inline std::string_view to_string(objective_kind k) {
  return k == objective_kind::flops ? "flops" : "usd";
}

// Unit of costs and budgets in results ("FLOP" is a count of floating-point operations).
inline std::string_view cost_units(objective_kind k) {
  return k == objective_kind::flops ? "FLOP" : "USD";
}

} // namespace scalesweep
