// Number validators for flags, with readable messages (CLI11's print the full double range).
#include "cli/commands.hpp"
#include "common/untrusted_text.hpp"

#include <cmath>
#include <cstdlib>

namespace scalesweep::cli {

namespace {
CLI::Validator number_validator(const char* description, bool allow_zero) {
  return CLI::Validator(
      [allow_zero](std::string& text) -> std::string {
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        if (end == text.c_str() || *end != '\0') {
          return "'" + shown_token(text) + "' is not a number";
        }
        if (!std::isfinite(v) || (allow_zero ? v < 0 : v <= 0)) {
          return std::string("must be finite and ") + (allow_zero ? ">= 0" : "> 0") + ", got " +
                 shown_token(text);
        }
        return {};
      },
      description);
}
} // namespace

CLI::Validator non_negative_number() {
  return number_validator("NUMBER >= 0", true);
}
CLI::Validator positive_number() {
  return number_validator("NUMBER > 0", false);
}
CLI::Validator non_empty_text() {
  return CLI::Validator(
      [](std::string& text) -> std::string { return text.empty() ? "must not be empty" : ""; },
      "TEXT");
}

} // namespace scalesweep::cli
