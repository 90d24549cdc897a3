// Number, list and time formatting for messages, tables and attributes (host only).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace scalesweep {

// Shortest text that reads back as the same double ("1e+12", "0.336", "nan").
std::string format_number(double v);

// The shortest text that reads back as exactly `v` and always as a floating-point number: a
// '.' or an exponent ("2.0", "1e+21", "0.336"), never an integer literal; "NaN", "inf", "-inf"
// for the non-finite. The one printer of doubles for machines: --json and export --csv.
std::string float_literal(double v);

// "12.3 MiB", "4.0 GiB".
std::string format_bytes(double bytes);

// "1,234,567".
std::string format_count(std::int64_t n);

// The time now, UTC, ISO 8601: "2026-12-03T09:51:27Z" (files' `created` attribute).
std::string utc_now_iso8601();

// Closest candidate by edit distance, or empty when nothing is close ("did you mean" hints).
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

} // namespace scalesweep
