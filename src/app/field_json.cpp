// JSON of the law constants and hardware sides, iterating their field tables.
#include "app/field_json.hpp"

namespace scalesweep {

namespace {

// A resolved value as it is, a given one (a preset's) only when set: the writer is told whether
// a value exists and what it is.
template <class T>
const T* value_of(const T& v) {
  return &v;
}
template <class T>
const T* value_of(const std::optional<T>& v) {
  return v ? &*v : nullptr;
}

// Every field of both sides of `whole` (a scenario or a preset), with the table of its type.
template <class Whole, class Fields>
void write_sides(json_writer& j, const Whole& whole, Fields fields_of) {
  for_each_hardware_side([&](auto side) {
    j.key(side.name).begin_object();
    const auto& values = side.of(whole);
    for (const auto& f : fields_of(side)) {
      if (f.text != nullptr) {
        if (const auto* v = value_of(values.*f.text)) {
          j.field(f.key, *v);
        }
      } else if (const auto* v = value_of(values.*f.number)) {
        j.field(f.key, *v);
      }
    }
    j.end_object();
  });
}

} // namespace

void write_law_constants(json_writer& j, const scaling_law& law) {
  for (const law_constant& c : law_constants) {
    j.field(c.name, law.*c.member);
  }
}

void write_hardware_sides(json_writer& j, const hardware_scenario& h) {
  write_sides(
      j, h, [](auto side) -> const auto& { return side.resolved_fields(); });
}

void write_hardware_sides(json_writer& j, const hardware_preset& h) {
  write_sides(
      j, h, [](auto side) -> const auto& { return side.given_fields(); });
}

} // namespace scalesweep
