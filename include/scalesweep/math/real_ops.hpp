// The operations the per-cell math uses on its number type. The math is written once as
// templates over `Real`: double here (CUDA kernels, the scalar CPU path), and a SIMD pack of
// doubles in src/simd/ (the CPU's vector lanes), which supplies the same functions.
#pragma once

#include "scalesweep/math/host_device.hpp"

#include <cmath>

namespace scalesweep {

SCALESWEEP_HD double exp_of(double x) {
  return std::exp(x);
}
SCALESWEEP_HD double log_of(double x) {
  return std::log(x);
}
SCALESWEEP_HD double log1p_of(double x) {
  return std::log1p(x);
}
SCALESWEEP_HD double expm1_of(double x) {
  return std::expm1(x);
}
SCALESWEEP_HD double abs_of(double x) {
  return std::fabs(x);
}
// m ? a : b, lane by lane for packs.
SCALESWEEP_HD double select(bool m, double a, double b) {
  return m ? a : b;
}
SCALESWEEP_HD bool both(bool a, bool b) {
  return a && b;
}
SCALESWEEP_HD bool either(bool a, bool b) {
  return a || b;
}
// Whether the mask holds in every lane (the bool itself for double): where a pack can take a
// cheaper path for all its lanes at once.
SCALESWEEP_HD bool all_lanes(bool m) {
  return m;
}

// A mask with every lane false (a plain false for double).
template <class Real>
SCALESWEEP_HD auto no_lanes() {
  return Real(0.0) != Real(0.0);
}

// The smaller/larger of two numbers that are never NaN here; plain comparisons, because std::fmin
// must honour NaN and compiles to a library call on the CPU.
template <class Real>
SCALESWEEP_HD Real min_of(Real a, Real b) {
  return select(a < b, a, b);
}
template <class Real>
SCALESWEEP_HD Real max_of(Real a, Real b) {
  return select(a < b, b, a);
}

} // namespace scalesweep
