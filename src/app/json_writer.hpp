// A minimal streaming JSON writer for --json output (one object per command on stdout).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace scalesweep {

class json_writer {
public:
  json_writer& begin_object();
  json_writer& end_object();
  json_writer& begin_array();
  json_writer& end_array();
  json_writer& key(std::string_view k);
  // The shortest text that reads back as v, always a float literal ('.' or an exponent: "2.0",
  // "1e+21"); non-finite values become null (JSON has no NaN).
  json_writer& value(double v);
  json_writer& value(std::int64_t v);
  json_writer& value(int v) { return value(static_cast<std::int64_t>(v)); }
  json_writer& value(bool v);
  json_writer& value(std::string_view v);
  json_writer& value(const char* v) { return value(std::string_view(v)); }
  json_writer& value(const std::string& v) { return value(std::string_view(v)); }
  json_writer& null();

  template <class T>
  json_writer& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }

  const std::string& str() const { return m_out; }

private:
  void before_value();
  void indent();
  void write_string(std::string_view v);

  std::string m_out;
  std::vector<bool> m_first; // per open container: no element written yet
  bool m_after_key = false;
};

} // namespace scalesweep
