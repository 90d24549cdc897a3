// The JSON writer: every double reads back bit-identical (strtod, correctly rounded as Python's
// json is) and as a float, never as an integer (a number without '.', 'e' or 'E' is an int to
// Python); non-finite doubles are null; strings are escaped; the layout is stable.
#include "app/json_writer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>

namespace {

using namespace scalesweep;

// The text json_writer prints for one double, as an array element: "[\n  <text>\n]".
std::string printed(double v) {
  json_writer j;
  j.begin_array().value(v).end_array();
  const std::string& s = j.str();
  const std::size_t first = s.find_first_not_of(" \n", 1);
  const std::size_t last = s.find_last_not_of(" \n]");
  return s.substr(first, last - first + 1);
}

std::uint64_t bits(double v) {
  std::uint64_t b = 0;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

// What a JSON reader makes of the text: strtod's correctly rounded value, and whether the
// literal is a float (Python's json: an int unless it has a fraction or an exponent).
void expect_reads_back(double v) {
  const std::string text = printed(v);
  SCOPED_TRACE(text);
  ASSERT_NE(text.find_first_of(".eE"), std::string::npos) << "reads as an integer";
  ASSERT_EQ(text.find_first_not_of("-+.0123456789eE"), std::string::npos) << "not a number";
  char* end = nullptr;
  const double back = std::strtod(text.c_str(), &end);
  ASSERT_EQ(*end, '\0');
  ASSERT_EQ(bits(back), bits(v));
}

TEST(JsonWriter, IntegerValuedDoublesPrintAsFloats) {
  // 1438062249963576360960 is a cost issue 17 found printed as an integer literal; the others
  // are integers whose shortest text has no exponent, or has one.
  for (const double v : {0.0, -0.0, 1.0, 2.0, -3.0, 1e15, 1e16, 9007199254740993.0, 1e21, 1e22,
                         1438062249963576360960.0, 123456789012345678901234.0, 1e300}) {
    expect_reads_back(v);
  }
  EXPECT_EQ(printed(2.0), "2.0");
  EXPECT_EQ(printed(-0.0), "-0.0");
  EXPECT_EQ(printed(1438062249963576360960.0), "1438062249963576360960.0");
}

TEST(JsonWriter, DoublesPrintTheShortestRoundTripText) {
  EXPECT_EQ(printed(1.947), "1.947"); // not %.17g's 1.9470000000000001
  EXPECT_EQ(printed(0.1), "0.1");
  EXPECT_EQ(printed(2e12), "2e+12");
  for (const double v : {0.1, 1.947, 1.0 / 3.0, 5e-324, 2.2250738585072014e-308,
                         std::numeric_limits<double>::max(), -1e-300, 6.02214076e23}) {
    expect_reads_back(v);
  }
}

// Every finite double, sampled by bit pattern (all exponents), and integers of every magnitude.
TEST(JsonWriter, RandomDoublesReadBackBitIdenticalAsFloats) {
  std::mt19937_64 rng(21);
  for (int i = 0; i < 50000; ++i) {
    const std::uint64_t b = rng();
    double v = 0;
    std::memcpy(&v, &b, sizeof v);
    if (std::isfinite(v)) {
      expect_reads_back(v);
    }
    expect_reads_back(std::ldexp(static_cast<double>(rng() >> 11), static_cast<int>(rng() % 80)));
  }
}

TEST(JsonWriter, NonFiniteDoublesAreNull) {
  EXPECT_EQ(printed(std::numeric_limits<double>::quiet_NaN()), "null");
  EXPECT_EQ(printed(std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(printed(-std::numeric_limits<double>::infinity()), "null");
}

TEST(JsonWriter, IntegersStayIntegers) {
  json_writer j;
  j.begin_array().value(std::int64_t{-9'223'372'036'854'775'807} - 1).value(0).end_array();
  EXPECT_EQ(j.str(), "[\n  -9223372036854775808,\n  0\n]");
}

TEST(JsonWriter, StringsAreEscaped) {
  json_writer j;
  j.begin_object().field("k\"ey", std::string("a\\b\n\t\r\x01 \xce\xbc")).end_object();
  EXPECT_EQ(j.str(), "{\n  \"k\\\"ey\": \"a\\\\b\\n\\t\\r\\u0001 \xce\xbc\"\n}\n");
}

// Text from a result file or a config may hold any bytes: the output stays valid JSON (UTF-8,
// invalid bytes as U+FFFD) and terminal controls (ESC, C1 CSI) are escaped (issue 18).
TEST(JsonWriter, AnyBytesGiveValidJson) {
  json_writer j;
  j.begin_object().field("t\xff", std::string("a\xff\xfe\x1b]0;x\x07 \xc2\x9b")).end_object();
  EXPECT_EQ(j.str(), "{\n  \"t\\ufffd\": \"a\\ufffd\\ufffd\\u001b]0;x\\u0007 \\u009b\"\n}\n");
}

TEST(JsonWriter, NestedContainersAreIndentedTwoSpacesPerLevel) {
  json_writer j;
  j.begin_object().field("name", "x").key("list").begin_array().value(true).null().end_array();
  j.key("empty").begin_object().end_object().field("n", 1.5).end_object();
  EXPECT_EQ(j.str(), "{\n  \"name\": \"x\",\n  \"list\": [\n    true,\n    null\n  ],\n"
                     "  \"empty\": {},\n  \"n\": 1.5\n}\n");
}

} // namespace
