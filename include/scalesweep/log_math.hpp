// Small log-space helpers shared by the solvers: the solvers work in logs and exp only at the end.
#pragma once

#include "scalesweep/host_device.hpp"

#include <cmath>

namespace scalesweep {

inline constexpr double ln_2 = 0.693147180559945309417232121458176568;

// ln(DBL_MAX) = 709.78..., ln(DBL_MIN) = -708.39...: exp(x) is a normal finite double inside.
SCALESWEEP_HD bool in_double_range(double ln_x) {
  return ln_x > -708.0 && ln_x < 709.0;
}

// ln(e^x1 + e^x2) and the weight e^x2 / (e^x1 + e^x2), from one exp and one log1p.
struct log_sum_exp_result {
  double value;
  double weight_of_second;
};

SCALESWEEP_HD log_sum_exp_result log_sum_exp(double x1, double x2) {
  const double d = x2 - x1;
  const double e = std::exp(-std::fabs(d));
  return {std::fmax(x1, x2) + std::log1p(e), d >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e)};
}

// softplus(z) = ln(1 + e^z) and the logistic sigma(z) = e^z / (1 + e^z): log_sum_exp(0, z).
SCALESWEEP_HD log_sum_exp_result softplus_and_sigmoid(double z) {
  return log_sum_exp(0.0, z);
}

} // namespace scalesweep
