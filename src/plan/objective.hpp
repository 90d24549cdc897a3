// The cost objectives (SPEC §1.2, §5.1) and their units.
#pragma once

#include <optional>
#include <string_view>

namespace scalesweep {

// flops counts FLOPs; the others cost a hardware scenario's GPU-seconds: in dollars (usd), in
// kWh of energy (energy) or in kg of CO2-equivalent emissions (co2).
enum class objective_kind { flops, usd, energy, co2 };

struct objective_info {
  objective_kind kind;
  std::string_view name;  // config [objective] kind, --objective
  std::string_view units; // of costs and budgets in text and JSON ("FLOP" counts operations)
};

inline constexpr objective_info objectives[] = {
    {objective_kind::flops, "flops", "FLOP"},
    {objective_kind::usd, "usd", "USD"},
    {objective_kind::energy, "energy", "kWh"},
    {objective_kind::co2, "co2", "kg CO2e"},
};

inline constexpr std::string_view objective_names = "flops, usd, energy, co2";

inline std::string_view to_string(objective_kind k) {
  return objectives[static_cast<int>(k)].name;
}

inline std::optional<objective_kind> objective_from_name(std::string_view name) {
  for (const objective_info& o : objectives) {
    if (o.name == name) {
      return o.kind;
    }
  }
  return std::nullopt;
}

// Unit of costs and budgets as people read it: text reports, JSON, the root attribute
// cost_units ("FLOP" is a count of floating-point operations).
inline std::string_view cost_units(objective_kind k) {
  return objectives[static_cast<int>(k)].units;
}

// Whether the objective costs hardware scenarios (every one but flops): it needs [[hardware]].
inline bool needs_hardware(objective_kind k) {
  return k != objective_kind::flops;
}

// The CF `units` attribute of costs and budgets in result files: a FLOP count is dimensionless
// in UDUNITS-2 ("1"); money has no UDUNITS-2 unit, so dollars keep "USD", the one units string
// of a result file that UDUNITS-2 does not parse (docs/analysis.md, "Units").
inline std::string_view cost_cf_units(objective_kind k) {
  return k == objective_kind::flops ? "1" : "USD";
}

} // namespace scalesweep
