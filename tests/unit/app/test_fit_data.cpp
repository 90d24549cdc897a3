// Reading fit data: columns by name, D from FLOP, the highest losses left out, and every bad
// input refused with a message that names the column, its flag and the allowed range.
#include "scalesweep/error.hpp"

#include "app/fit/fit_data.hpp"
#include "common/sha256.hpp"
#include "fit_test_data.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace scalesweep;
using namespace scalesweep::app;

fit_data_options columns() {
  fit_data_options o;
  o.N_column = "params";
  o.D_column = "tokens";
  o.loss_column = "loss";
  return o;
}

const std::string good = "params,tokens,loss,note\n"
                         "1e8,2e9,3.1,a\n"
                         "2e8,4e9,2.9,\"b, quoted\"\n"
                         "4e8,8e9,2.7,c\n"
                         "8e8,1.6e10,2.5,d\n"
                         "1.6e9,3.2e10,2.3,e\n"
                         "3.2e9,6.4e10,2.6,f\n";

// The message of the input_error that parsing `text` throws ("" if none).
std::string error_of(const std::string& text, fit_data_options o = columns()) {
  try {
    parse_fit_data(text, "runs.csv", o);
  } catch (const input_error& e) {
    return std::string(e.what()) + " | " + e.hint();
  }
  return "";
}

TEST(FitData, ReadsColumnsByName) {
  const fit_data d = parse_fit_data(good, "runs.csv", columns());
  ASSERT_EQ(d.size(), 6u);
  EXPECT_EQ(d.N[1], 2e8);
  EXPECT_EQ(d.D[1], 4e9);
  EXPECT_EQ(d.loss[1], 2.9);
  EXPECT_DOUBLE_EQ(d.log_loss[1], std::log(2.9));
  EXPECT_TRUE(d.excluded_rows.empty());
}

TEST(FitData, TokensFromFlops) {
  fit_data_options o = columns();
  o.D_column.clear();
  o.flops_column = "tokens"; // read as C: D = C / (6 N)
  const fit_data d = parse_fit_data(good, "runs.csv", o);
  EXPECT_DOUBLE_EQ(d.D[0], 2e9 / (6 * 1e8));
}

TEST(FitData, ExcludesHighestLosses) {
  fit_data_options o = columns();
  o.exclude_highest_loss = 1;
  o.parameters = 5;
  const fit_data d = parse_fit_data(good, "runs.csv", o);
  ASSERT_EQ(d.excluded_rows, std::vector<std::int64_t>{1}); // loss 3.1
  EXPECT_EQ(d.size(), 5u);
  EXPECT_EQ(d.rows.front(), 2);
}

// The shipped file: its highest five losses are its first five rows (5.006, 4.665, 3.766, 3.794,
// 3.447 nats), and its digest is what coreutils' sha256sum prints for it.
TEST(FitData, ShippedData) {
  const fit_data d = fit_testing::shipped_data();
  EXPECT_EQ(d.rows_read, 245);
  EXPECT_EQ(d.size(), 240u);
  EXPECT_EQ(d.excluded_rows, (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(d.sha256, "193478df4e90f040016431996c45682659306840ecdadf83cfb9cd5ca0aa1b30");
}

// FIPS 180-2 appendix B test vectors.
TEST(FitData, Sha256KnownAnswers) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(FitData, RefusesBadInput) {
  fit_data_options o = columns();
  o.N_column = "parameters";
  EXPECT_NE(error_of(good, o).find("--N-column: runs.csv has no column 'parameters'"),
            std::string::npos);
  EXPECT_NE(error_of(good, o).find("'params', 'tokens', 'loss', 'note'"), std::string::npos);

  const std::string text = "params,tokens,loss\n1e8,abc,3\n";
  EXPECT_NE(error_of(text).find("line 2, column 'tokens' (--D-column): 'abc' is not a number"),
            std::string::npos);
  EXPECT_NE(error_of("params,tokens,loss\n1e8,2e9,-3\n")
                .find("(--loss-column): must be finite and > 0, got -3"),
            std::string::npos);
  EXPECT_NE(error_of("params,tokens,loss\n0,2e9,3\n").find("(--N-column): must be finite and > 0"),
            std::string::npos);
  EXPECT_NE(error_of("params,tokens,loss\n1e8,inf,3\n").find("must be finite and > 0"),
            std::string::npos);
  EXPECT_NE(
      error_of("params,tokens,loss\n1e8,2e9\n").find("line 2: 2 fields, but the header has 3"),
      std::string::npos);
  EXPECT_NE(error_of("").find("empty file"), std::string::npos);
  // Fewer rows than parameters.
  EXPECT_NE(error_of("params,tokens,loss\n1e8,2e9,3\n1e9,2e10,2.5\n")
                .find("2 points to fit, fewer than the 5 parameters"),
            std::string::npos);
  fit_data_options both = columns();
  both.flops_column = "loss";
  EXPECT_NE(error_of(good, both).find("not both"), std::string::npos);
  fit_data_options all_out = columns();
  all_out.exclude_highest_loss = 6;
  EXPECT_NE(error_of(good, all_out).find("allowed: 0 to 5"), std::string::npos);
}

} // namespace
