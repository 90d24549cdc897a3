// Named sweep axes (N, D, T, hardware, loss_target, budget, spread, T_plan): values, units and
// spacing.
#pragma once

#include "scalesweep/cells/axis_id.hpp"

#include "plan/objective.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scalesweep {

// The axes a config declares (and hardware, from its [[hardware]] tables).
inline constexpr axis_id all_axes[] = {axis_id::hardware, axis_id::T,           axis_id::N,
                                       axis_id::D,        axis_id::loss_target, axis_id::budget,
                                       axis_id::spread};
// The axes of a sweep under law uncertainty (SPEC §5.5): samples from [law] samples, quantile
// levels from [uncertainty] quantiles.
inline constexpr axis_id uncertainty_axes[] = {axis_id::sample, axis_id::quantile};
// The axes the plan derives from others: T_plan holds the T axis' values, for the regret grid
// (SPEC §5.4).
inline constexpr axis_id derived_axes[] = {axis_id::T_plan};

struct axis {
  axis_id id;
  std::string name;           // dimension name in files and configs
  std::string units;          // CF units attribute (UDUNITS-2; "USD" for dollars); empty: hardware
  std::string text_units;     // the unit in text reports: "parameters", "tokens", "nats", "USD"
  std::string long_name;      // CF long_name attribute (without the unit)
  std::string spacing;        // "log10", "linear", "values" or "names" (hardware)
  std::vector<double> values; // hardware: the index of each scenario (the file stores names)
  std::string where; // "file:line:col" of its definition in a config, for errors ("" if none)

  std::int64_t size() const { return static_cast<std::int64_t>(values.size()); }
};

std::string_view axis_name(axis_id id);
std::optional<axis_id> axis_from_name(std::string_view name);

// An axis with the name, units and long name of `id` (budget units follow the objective).
axis make_axis(axis_id id, objective_kind objective, std::string spacing,
               std::vector<double> values);

// n points from lo to hi inclusive; the end points are exact. n >= 2.
std::vector<double> linear_points(double lo, double hi, std::int64_t n);
// 10^x for x in linear_points(lo_exponent, hi_exponent, n).
std::vector<double> log10_points(double lo_exponent, double hi_exponent, std::int64_t n);

} // namespace scalesweep
