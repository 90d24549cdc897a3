// The five constants of the loss law, listed once: config keys, `optimum` flags, result
// attributes, reports and JSON iterate this table.
#pragma once

#include "scalesweep/math/law.hpp"

#include <string>
#include <string_view>

namespace scalesweep {

struct law_constant {
  std::string_view name; // key in [law] and in JSON, flag --<name>, attribute law_<name>
  double scaling_law::*member;
  bool zero_allowed;          // E >= 0; A, B, alpha, beta > 0 (all finite)
  std::string_view flag_help; // of the `optimum` flag
  std::string_view long_name; // what it is, with its unit (law-samples files' long_name)
};

// In the order of the law's formula, L = E + A/N^alpha + B/D^beta (and of every listing).
inline constexpr law_constant law_constants[] = {
    {"E", &scaling_law::E, true, "Irreducible loss (overrides the preset)",
     "irreducible loss E (nats/token)"},
    {"A", &scaling_law::A, false, "Parameter-term coefficient", "parameter-term coefficient A"},
    {"B", &scaling_law::B, false, "Data-term coefficient", "data-term coefficient B"},
    {"alpha", &scaling_law::alpha, false, "Parameter exponent", "parameter exponent alpha"},
    {"beta", &scaling_law::beta, false, "Data exponent", "data exponent beta"},
};

// The names joined: "E, A, B, alpha, beta" with separator ", " and no prefix; "--E --A ..." with
// " " and "--".
inline std::string law_constant_names(std::string_view separator, std::string_view prefix = {}) {
  std::string out;
  for (const law_constant& c : law_constants) {
    out.append(out.empty() ? "" : separator).append(prefix).append(c.name);
  }
  return out;
}

} // namespace scalesweep
