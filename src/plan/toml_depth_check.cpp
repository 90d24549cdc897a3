// Pre-parse guard of config files (toml_depth_check.hpp).
#include "plan/toml_depth_check.hpp"

#include "scalesweep/error.hpp"

#include <algorithm>
#include <cctype>

namespace scalesweep {

// toml++ limits the nesting of arrays and inline tables but not of dotted keys and table headers,
// and recurses once per part: [a.a.a...] with ~35,000 parts overflows its stack (3,000 do not).
// No scalesweep key has more than 4 parts, so a dotted run of 1,000 parts is refused before
// parsing. A run is what can form a key: bare-key characters, quoted parts and spaces joined by
// dots; any other character ends it (so the dots of numbers in an array count one at a time),
// and strings and comments are skipped whole.
void check_key_depth(const std::string& text, const std::string& source_name) {
  constexpr int max_parts = 1000;
  const auto bare = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' || c == ' ' ||
           c == '\t';
  };
  int line = 1;
  int dots = 0;
  // Skips a string opening at i (delimiter `quote`, tripled for multi-line); returns the index
  // just past it, counting the lines it spans.
  const auto skip_string = [&](std::size_t i, const std::string& quote) {
    const bool basic = quote[0] == '"';
    for (i += quote.size(); i < text.size(); ++i) {
      if (basic && text[i] == '\\') {
        line += i + 1 < text.size() && text[i + 1] == '\n' ? 1 : 0;
        ++i;
      } else if (text.compare(i, quote.size(), quote) == 0) {
        return i + quote.size();
      } else if (text[i] == '\n') {
        ++line;
      }
    }
    return i;
  };
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '"' || c == '\'') {
      const std::string triple(3, c);
      i = skip_string(i, text.compare(i, 3, triple) == 0 ? triple : std::string(1, c));
      continue; // a quoted key part continues the run
    }
    if (c == '.') {
      if (++dots >= max_parts) {
        throw input_error(source_name + ":" + std::to_string(line) + ":1: a key path of " +
                          std::to_string(dots + 1) + " parts or more; scalesweep configs nest " +
                          std::to_string(max_parts) + " at most");
      }
    } else if (c == '#') {
      i = std::min(text.find('\n', i), text.size());
      continue;
    } else if (!bare(c)) {
      dots = 0;
      line += c == '\n' ? 1 : 0;
    }
    ++i;
  }
}

} // namespace scalesweep
