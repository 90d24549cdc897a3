// JSON text with two-space indentation and round-trip doubles.
#include "app/json_writer.hpp"

#include "common/text_format.hpp"

#include <cmath>
#include <cstdio>

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

void json_writer::write_string(std::string_view v) {
  m_out += '"';
  for (const char c : v) {
    switch (c) {
    case '"':
      m_out += "\\\"";
      break;
    case '\\':
      m_out += "\\\\";
      break;
    case '\n':
      m_out += "\\n";
      break;
    case '\r':
      m_out += "\\r";
      break;
    case '\t':
      m_out += "\\t";
      break;
    default:
      if (static_cast<unsigned char>(c) < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        m_out += buf;
      } else {
        m_out += c;
      }
    }
  }
  m_out += '"';
}

} // namespace scalesweep
