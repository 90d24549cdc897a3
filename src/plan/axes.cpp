// Axis names, units and point generation.
#include "plan/axes.hpp"

#include <cmath>

namespace scalesweep {

namespace {
struct axis_metadata {
  axis_id id;
  std::string_view name;
  std::string_view units;      // CF units; empty: the objective's cost unit
  std::string_view text_units; // empty: the objective's cost unit
  std::string_view long_name;
};

// Counts (parameters, tokens) and the loss (nats per token: a dimensionless log-likelihood) have
// UDUNITS-2 unit "1"; the long names say what is counted. The hardware coordinate holds names.
constexpr axis_metadata metadata[] = {
    {axis_id::hardware, "hardware", "", "", "hardware scenario"},
    {axis_id::T, "T", "1", "tokens", "lifetime inference tokens (input + output)"},
    {axis_id::N, "N", "1", "parameters", "model parameters"},
    {axis_id::D, "D", "1", "tokens", "training tokens"},
    {axis_id::loss_target, "loss_target", "1", "nats",
     "target pre-training loss (cross-entropy per token, natural log)"},
    {axis_id::budget, "budget", "", "", "lifetime cost budget (training + inference)"},
    {axis_id::spread, "spread", "1", "", "factor s of the demand range [T/s, T*s]"},
    {axis_id::sample, "sample", "1", "", "law sample (bootstrap resample of the fit)"},
    {axis_id::quantile, "quantile", "1", "", "quantile level over the law samples"},
    {axis_id::T_plan, "T_plan", "1", "tokens",
     "lifetime inference tokens the model was planned for (input + output)"},
};

constexpr bool metadata_in_axis_order() {
  for (int i = 0; i < static_cast<int>(sizeof(metadata) / sizeof(metadata[0])); ++i) {
    if (static_cast<int>(metadata[i].id) != i) {
      return false;
    }
  }
  return true;
}
static_assert(metadata_in_axis_order(), "axes.cpp's metadata rows must follow axis_id's order");

const axis_metadata& meta(axis_id id) {
  return metadata[static_cast<int>(id)];
}
} // namespace

std::string_view axis_name(axis_id id) {
  return meta(id).name;
}

std::optional<axis_id> axis_from_name(std::string_view name) {
  for (const axis_metadata& m : metadata) {
    if (m.name == name) {
      return m.id;
    }
  }
  return std::nullopt;
}

axis make_axis(axis_id id, objective_kind objective, std::string spacing,
               std::vector<double> values) {
  const axis_metadata& m = meta(id);
  const bool is_cost = id == axis_id::budget;
  return {id,
          std::string(m.name),
          std::string(is_cost ? cost_cf_units(objective) : m.units),
          std::string(is_cost ? cost_units(objective) : m.text_units),
          std::string(m.long_name),
          std::move(spacing),
          std::move(values),
          {}};
}

std::vector<double> linear_points(double lo, double hi, std::int64_t n) {
  std::vector<double> v(static_cast<std::size_t>(n));
  const double step = (hi - lo) / static_cast<double>(n - 1);
  for (std::int64_t i = 0; i < n; ++i) {
    v[static_cast<std::size_t>(i)] = lo + step * static_cast<double>(i);
  }
  v.back() = hi;
  return v;
}

std::vector<double> log10_points(double lo_exponent, double hi_exponent, std::int64_t n) {
  std::vector<double> v = linear_points(lo_exponent, hi_exponent, n);
  for (double& x : v) {
    x = std::pow(10.0, x);
  }
  return v;
}

} // namespace scalesweep
