// The cost objectives (SPEC §1.2) and their units.
#pragma once

#include <string_view>

namespace scalesweep {

enum class objective_kind { flops, usd };

inline std::string_view to_string(objective_kind k) {
  return k == objective_kind::flops ? "flops" : "usd";
}

// Unit of costs and budgets as people read it: text reports, JSON, the root attribute
// cost_units ("FLOP" is a count of floating-point operations).
inline std::string_view cost_units(objective_kind k) {
  return k == objective_kind::flops ? "FLOP" : "USD";
}

// The CF `units` attribute of costs and budgets in result files: a FLOP count is dimensionless
// in UDUNITS-2 ("1"); money has no UDUNITS-2 unit, so dollars keep "USD", the one units string
// of a result file that UDUNITS-2 does not parse (docs/analysis.md, "Units").
inline std::string_view cost_cf_units(objective_kind k) {
  return k == objective_kind::flops ? "1" : "USD";
}

} // namespace scalesweep
