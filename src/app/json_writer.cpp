// JSON text with two-space indentation and round-trip doubles.
#include "app/json_writer.hpp"

#include "common/text_format.hpp"
#include "common/untrusted_text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace scalesweep {

void json_writer::indent() {
  m_out += '\n';
  m_out.append(2 * m_first.size(), ' ');
}

void json_writer::before_value() {
  if (m_after_key) {
    m_after_key = false;
    return;
  }
  if (!m_first.empty()) {
    if (!m_first.back()) {
      m_out += ',';
    }
    m_first.back() = false;
    indent();
  }
}

json_writer& json_writer::begin_object() {
  before_value();
  m_out += '{';
  m_first.push_back(true);
  return *this;
}

json_writer& json_writer::end_object() {
  const bool empty = m_first.back();
  m_first.pop_back();
  if (!empty) {
    indent();
  }
  m_out += '}';
  if (m_first.empty()) {
    m_out += '\n';
  }
  return *this;
}

json_writer& json_writer::begin_array() {
  before_value();
  m_out += '[';
  m_first.push_back(true);
  return *this;
}

json_writer& json_writer::end_array() {
  const bool empty = m_first.back();
  m_first.pop_back();
  if (!empty) {
    indent();
  }
  m_out += ']';
  return *this;
}

json_writer& json_writer::key(std::string_view k) {
  before_value();
  write_string(k);
  m_out += ": ";
  m_after_key = true;
  return *this;
}

json_writer& json_writer::value(double v) {
  if (!std::isfinite(v)) {
    return null();
  }
  before_value();
  m_out += float_literal(v);
  return *this;
}

json_writer& json_writer::value(std::int64_t v) {
  before_value();
  m_out += std::to_string(v);
  return *this;
}

json_writer& json_writer::value(bool v) {
  before_value();
  m_out += v ? "true" : "false";
  return *this;
}

json_writer& json_writer::null() {
  before_value();
  m_out += "null";
  return *this;
}

json_writer& json_writer::value(std::string_view v) {
  before_value();
  write_string(v);
  return *this;
}

// Keys and values may come from a config or a result file: any bytes give valid JSON.
void json_writer::write_string(std::string_view v) {
  m_out += '"';
  m_out += escape_for_json(v);
  m_out += '"';
}

} // namespace scalesweep
