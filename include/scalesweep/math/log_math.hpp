// Small log-space helpers shared by the solvers: the solvers work in logs and exp only at the end.
#pragma once

#include "scalesweep/math/host_device.hpp"
#include "scalesweep/math/real_ops.hpp"

namespace scalesweep {

inline constexpr double ln_2 = 0.693147180559945309417232121458176568;
inline constexpr double ln_3 = 1.098612288668109691395245236922525704;
inline constexpr double ln_6 = 1.791759469228055000812477358380702272;

// ln(DBL_MAX) = 709.78..., ln(DBL_MIN) = -708.39...: exp(x) is a normal finite double inside.
SCALESWEEP_HD bool in_double_range(double ln_x) {
  return ln_x > -708.0 && ln_x < 709.0;
}

// ln(e^x1 + e^x2) and the weight e^x2 / (e^x1 + e^x2), from one exp and one log.
// log(1 + e) instead of log1p(e): the result adds max(x1, x2), so its absolute error stays below
// one ulp of the sum either way, and log is the cheaper call.
template <class Real>
struct log_sum_exp_result {
  Real value;
  Real weight_of_second;
};

template <class Real>
SCALESWEEP_HD log_sum_exp_result<Real> log_sum_exp(Real x1, Real x2) {
  const Real d = x2 - x1;
  const Real e = exp_of(-abs_of(d));
  const Real one_plus_e = 1.0 + e;
  const Real weight = select(d >= 0.0, Real(1.0), e) / one_plus_e;
  return {max_of(x1, x2) + log_of(one_plus_e), weight};
}

// softplus(z) = ln(1 + e^z) and the logistic sigma(z) = e^z / (1 + e^z): log_sum_exp(0, z).
template <class Real>
SCALESWEEP_HD log_sum_exp_result<Real> softplus_and_sigmoid(Real z) {
  return log_sum_exp(Real(0.0), z);
}

} // namespace scalesweep
