// A pack of doubles for the CPU's SIMD lanes, with the operations of real_ops.hpp, so that the
// per-cell math templates instantiate on it. `Isa` supplies the vector types and libmvec's
// exp/log/log1p/expm1 for one instruction set. Include only from the per-ISA lane files, which are
// built with that ISA's flags (see cpu_lanes_impl.hpp).
#pragma once

namespace scalesweep::simd {

template <class Isa>
struct lane_mask {
  typename Isa::mask m;

  friend lane_mask both(lane_mask a, lane_mask b) { return {a.m & b.m}; }
  friend lane_mask either(lane_mask a, lane_mask b) { return {a.m | b.m}; }
  friend bool all_lanes(lane_mask a) { return Isa::all(a.m); }
};

template <class Isa>
struct pack {
  using vec = typename Isa::vec;
  using mask = lane_mask<Isa>;
  vec v;

  pack() = default;
  pack(vec x) : v(x) {}            // NOLINT(google-explicit-constructor): packs mix
  pack(double x) : v(vec{} + x) {} // NOLINT(google-explicit-constructor): with doubles

  friend pack operator+(pack a, pack b) { return a.v + b.v; }
  friend pack operator-(pack a, pack b) { return a.v - b.v; }
  friend pack operator*(pack a, pack b) { return a.v * b.v; }
  friend pack operator/(pack a, pack b) { return a.v / b.v; }
  friend pack operator-(pack a) { return -a.v; }
  friend mask operator<(pack a, pack b) { return {a.v < b.v}; }
  friend mask operator<=(pack a, pack b) { return {a.v <= b.v}; }
  friend mask operator>(pack a, pack b) { return {a.v > b.v}; }
  friend mask operator>=(pack a, pack b) { return {a.v >= b.v}; }
  friend mask operator==(pack a, pack b) { return {a.v == b.v}; }
  friend mask operator!=(pack a, pack b) { return {a.v != b.v}; }

  friend pack exp_of(pack x) { return Isa::exp(x.v); }
  friend pack log_of(pack x) { return Isa::log(x.v); }
  friend pack log1p_of(pack x) { return Isa::log1p(x.v); }
  friend pack expm1_of(pack x) { return Isa::expm1(x.v); }
  friend pack abs_of(pack x) { return x.v < 0.0 ? -x.v : x.v; }
  friend pack select(mask m, pack a, pack b) { return m.m ? a.v : b.v; }
};

} // namespace scalesweep::simd
