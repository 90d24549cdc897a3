// Config parsing: what a valid config resolves to, and errors that name file, line, key and range.
#include "scalesweep/config.hpp"
#include "scalesweep/error.hpp"
#include "scalesweep/sweep_plan.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <regex>

namespace {

using namespace scalesweep;

const char* valid = R"(
title = "t"
[law]
preset = "sardana2024"
alpha = 0.3
[objective]
kind = "usd"
[[hardware]]
name = "a"
preset = "sardana2024-default"
[[hardware]]
name = "b"
preset = "sardana2024-default"
train = { mfu = 0.25 }
[axes]
N = { log10 = [8, 12], points = 5 }
D = { linear = [1e10, 5e10], points = 5 }
T = { values = [0, 1e9, 1e12] }
loss_target = { linear = [1.9, 2.6], points = 8 }
[output]
path = "x.h5"
dense = ["cost"]
compression = "deflate"
chunk_cells = 7
)";

TEST(Config, ValidConfigResolvesPresetsOverridesAndAxes) {
  const sweep_config c = parse_config(valid, "v.toml");
  EXPECT_EQ(c.title, "t");
  EXPECT_EQ(c.law.preset, "sardana2024");
  EXPECT_EQ(c.law.law.alpha, 0.3); // override of the preset's 0.336
  EXPECT_EQ(c.law.law.beta, 0.283);
  EXPECT_EQ(c.law.overrides, std::vector<std::string>{"alpha"});
  EXPECT_EQ(c.law.label(), "sardana2024 with alpha overridden");
  EXPECT_EQ(c.objective, objective_kind::usd);
  ASSERT_EQ(c.hardware.size(), 2u);
  EXPECT_EQ(c.hardware[1].train.mfu, 0.25);
  EXPECT_EQ(c.hardware[1].serve.decode_mfu, 0.01);
  const axis* N = c.find_axis(axis_id::N);
  ASSERT_NE(N, nullptr);
  // 10^8, 10^9, ... exactly: pow(10, integer) is exact for these powers.
  EXPECT_EQ(N->values, (std::vector<double>{1e8, 1e9, 1e10, 1e11, 1e12}));
  EXPECT_EQ(c.find_axis(axis_id::D)->values.back(), 5e10); // end point exact
  EXPECT_EQ(c.find_axis(axis_id::T)->values, (std::vector<double>{0, 1e9, 1e12}));
  EXPECT_EQ(c.find_axis(axis_id::budget), nullptr);
  EXPECT_EQ(c.output.path, "x.h5");
  EXPECT_EQ(c.output.compression, compression_kind::deflate);
  EXPECT_EQ(c.output.chunk_cells, 7);
}

TEST(Config, PlanHasTheRequestedProblemsWithUsdUnits) {
  const sweep_plan p = make_plan(parse_config(valid, "v.toml"));
  ASSERT_EQ(p.problems.size(), 2u);
  EXPECT_EQ(p.problems[0].kind, problem_kind::dense_cost);
  EXPECT_EQ(p.problems[0].shape, (std::vector<std::int64_t>{2, 3, 5, 5}));
  EXPECT_EQ(p.problems[0].outputs[0].units, "USD");
  EXPECT_EQ(p.problems[1].kind, problem_kind::loss_target);
  EXPECT_EQ(p.problems[1].outputs.back().name, "opt_status");
  EXPECT_EQ(p.hardware_names, (std::vector<std::string>{"a", "b"}));
}

// An integer a double cannot hold exactly is read at the nearest double (as 2^53 + 1 written as a
// float would be), not dropped.
TEST(Config, IntegersBeyondTwoToThe53AreReadAtTheNearestDouble) {
  const sweep_config c =
      parse_config("[law]\npreset = \"sardana2024\"\nA = 9007199254740993\n[axes]\n"
                   "T = { values = [0, 9223372036854775807] }\nloss_target = { values = [2.0] }\n",
                   "big.toml");
  EXPECT_EQ(c.law.law.A, 9007199254740992.0);
  const axis* T = nullptr;
  for (const axis& a : c.axes) {
    T = a.id == axis_id::T ? &a : T;
  }
  ASSERT_NE(T, nullptr);
  EXPECT_EQ(T->values.back(), 9223372036854775808.0);
}

// toml++ recurses once per part of a dotted key or table header; ~35,000 overflowed its stack.
TEST(Config, DeeplyNestedKeysAreRefusedBeforeParsing) {
  std::string header = "[a";
  for (int i = 0; i < 40000; ++i) {
    header += ".a";
  }
  for (const std::string& text : {header + "]\n", "title = 'x'\n" + header.substr(1) + " = 1\n"}) {
    try {
      parse_config(text, "deep.toml");
      FAIL() << "accepted";
    } catch (const input_error& e) {
      EXPECT_NE(std::string(e.what()).find(": a key path of 40001 parts"), std::string::npos)
          << e.what();
    }
  }
  // Dots in values and quoted keys do not count.
  const std::string dots(5000, '.');
  EXPECT_NO_THROW(
      parse_config("title = \"" + dots +
                       "\"\n[law]\npreset = \"sardana2024\"\n"
                       "[axes]\nT = { values = [0] }\nloss_target = { values = [2.0] }\n",
                   "dots.toml"));
}

TEST(Config, DefaultOutputPathIsTheConfigStem) {
  const sweep_config c =
      parse_config("[law]\npreset = \"chinchilla\"\n[axes]\nT = { values = [0] }\n"
                   "budget = { values = [1e20] }\n",
                   "dir/my-sweep.toml");
  EXPECT_EQ(c.output.path, "my-sweep.h5");
  EXPECT_EQ(c.objective, objective_kind::flops);
}

// Without an [output] table (or without output.dense) every dense grid whose axes are declared
// is written: here N and D give loss(N, D); cost and budget curves lack T and budget.
TEST(Config, DenseGridsDefaultToThoseTheAxesAllowWithoutAnOutputTable) {
  const sweep_plan p = make_plan(
      parse_config("[law]\npreset = \"chinchilla\"\n[axes]\nN = { log10 = [8, 12], points = 5 }\n"
                   "D = { log10 = [9, 13], points = 4 }\n",
                   "dense.toml"));
  ASSERT_EQ(p.problems.size(), 1u);
  EXPECT_EQ(p.problems[0].kind, problem_kind::dense_loss);
  EXPECT_EQ(p.problems[0].shape, (std::vector<std::int64_t>{5, 4}));
}

// SPEC §3's example config, verbatim: objective flops with a [[hardware]] table. The contract's
// own example must validate; the table is checked, then set aside with a warning that names it.
TEST(Config, SpecExampleWithHardwareUnderFlopsIsAcceptedWithAWarning) {
  const char* spec_example = R"(
title = "free text"

[law]
preset = "sardana2024"            # or: E = .. A = .. B = .. alpha = .. beta = ..

[objective]
kind = "flops"                    # flops | usd

[axes]                            # each axis: {log10 = [lo, hi], points = n} | {linear = [lo, hi], points = n} | {values = [...]}
N = { log10 = [8, 12], points = 401 }          # parameters
D = { log10 = [10, 14], points = 401 }         # training tokens
T = { values = [0, 1e9, 1e10, 1e11, 1e12, 1e13] }   # lifetime inference tokens
loss_target = { linear = [1.9, 2.6], points = 71 }
budget = { log10 = [20, 26], points = 61 }     # in the objective's unit

[[hardware]]                      # optional; objective usd needs at least one
name = "h100"
train = { gpu = "H100-SXM", dtype = "bf16", mfu = 0.5, usd_per_hour = 2.0 }
serve = { gpu = "H100-SXM", dtype = "fp8", prefill_mfu = 0.5, decode_mfu = 0.01, usd_per_hour = 2.0, input_tokens = 70, output_tokens = 215 }

[output]
path = "out.h5"
dense = ["loss", "cost"]          # which dense grids to write (both may be large)
)";
  const sweep_config c = parse_config(spec_example, "spec.toml");
  EXPECT_EQ(c.objective, objective_kind::flops);
  EXPECT_TRUE(c.hardware.empty());
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_NE(c.warnings[0].find("spec.toml:17:1: hardware: the [[hardware]] tables are checked but "
                               "not used: objective 'flops'"),
            std::string::npos)
      << c.warnings[0];
  const sweep_plan p = make_plan(c);
  EXPECT_EQ(p.hardware_names, std::vector<std::string>{"flops"});
  EXPECT_TRUE(parse_config(valid, "valid.toml").warnings.empty());
}

struct bad_config {
  const char* name;
  std::string text;
  std::string expected; // a fragment of the message
};

void PrintTo(const bad_config& b, std::ostream* os) {
  *os << b.name;
}

std::string with_law(const std::string& rest) {
  return "[law]\npreset = \"sardana2024\"\n" + rest;
}
const std::string axes_ok =
    "[axes]\nT = { values = [0, 1e12] }\nloss_target = { values = [2.0] }\n";

class BadConfig : public ::testing::TestWithParam<bad_config> {};

TEST_P(BadConfig, IsRejectedWithLineKeyAndRange) {
  const bad_config& b = GetParam();
  try {
    make_plan(parse_config(b.text, "bad.toml"));
    FAIL() << "accepted: " << b.text;
  } catch (const input_error& e) {
    EXPECT_NE(std::string(e.what()).find(b.expected), std::string::npos)
        << "message: " << e.what() << "\nexpected fragment: " << b.expected;
    // FILE:LINE:COL first (docs/config.md), where the fault has a place in the file.
    EXPECT_TRUE(std::regex_search(e.what(), std::regex("^bad\\.toml:[0-9]+:[0-9]+: ")))
        << "message without a line and column: " << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Messages, BadConfig,
    ::testing::Values(
        bad_config{"syntax", "[law\n", "bad.toml:1:"},
        bad_config{"unknown_top", "otput = 1\n" + with_law(axes_ok),
                   "unknown key 'otput'; did you mean 'output'?"},
        bad_config{"unknown_law_key", "[law]\npreset = \"sardana2024\"\nalpah = 0.3\n" + axes_ok,
                   "bad.toml:3:1: law.alpah: unknown key 'alpah'; did you mean 'alpha'?"},
        bad_config{"unknown_preset", "[law]\npreset = \"chinchila\"\n" + axes_ok,
                   "bad.toml:2:10: law.preset: unknown law preset 'chinchila'"},
        bad_config{"negative_alpha", "[law]\npreset = \"sardana2024\"\nalpha = -0.3\n" + axes_ok,
                   "bad.toml:3:9: law.alpha = -0.3 must be finite and > 0"},
        bad_config{"missing_constant", "[law]\nE = 1.7\nA = 400\nB = 400\nalpha = 0.3\n" + axes_ok,
                   "law: 'beta' is required without a preset"},
        bad_config{"missing_law", axes_ok, "missing [law] table"},
        bad_config{"wrong_type",
                   with_law("[axes]\nT = { values = [0] }\nloss_target = { values = [\"2\"] }\n"),
                   "axes.loss_target.values[0]: must be a number, got a string"},
        bad_config{"nan_axis",
                   with_law("[axes]\nT = { values = [nan] }\nloss_target = { values = [2.0] }\n"),
                   "axes.T.values[0]: must be finite, got nan"},
        bad_config{"negative_T",
                   with_law("[axes]\nT = { values = [-1] }\nloss_target = { values = [2.0] }\n"),
                   "axes.T.values[0]: value -1 is out of range: must be finite and >= 0"},
        // An integer beyond 2^53 once read as a denormal and passed every range check.
        bad_config{"huge_negative_integer_T",
                   with_law("[axes]\nT = { values = [-9223372036854775808, 1e12] }\n"
                            "loss_target = { values = [2.0] }\n"),
                   "axes.T.values[0]: value -9.223372036854776e+18 is out of range: must be "
                   "finite and >= 0"},
        bad_config{"huge_integer_mfu",
                   with_law(axes_ok + "[objective]\nkind = \"usd\"\n[[hardware]]\nname = \"h\"\n"
                                      "preset = \"sardana2024-default\"\n"
                                      "train = { mfu = 9223372036854775807 }\n"),
                   "mfu"},
        bad_config{"repeated_axis_value",
                   with_law("[axes]\nT = { values = [0, 1e9, 1e9] }\n"
                            "loss_target = { values = [2.0] }\n"),
                   "axes.T.values[2]: values must be strictly increasing (1e+09 is followed by "
                   "1e+09)"},
        bad_config{"zero_N",
                   with_law(axes_ok + "N = { values = [0, 1e9] }\nD = { values = [1e9] }\n"),
                   "axes.N.values[0]: value 0 is out of range: must be finite and > 0"},
        bad_config{"empty_axis",
                   with_law("[axes]\nT = { values = [] }\nloss_target = { values = [2.0] }\n"),
                   "axes.T.values: must be a non-empty array of numbers"},
        bad_config{
            "one_point",
            with_law(
                "[axes]\nT = { log10 = [9, 12], points = 1 }\nloss_target = { values = [2.0] }\n"),
            "axes.T.points: 1 is outside [2, 100,000,000]"},
        bad_config{
            "reversed",
            with_law(
                "[axes]\nT = { log10 = [12, 9], points = 4 }\nloss_target = { values = [2.0] }\n"),
            "axes.T.log10: needs lo < hi, got [12, 9]"},
        bad_config{"two_forms",
                   with_law("[axes]\nT = { log10 = [9, 12], values = [1], points = 4 "
                            "}\nloss_target = { values = [2.0] }\n"),
                   "give exactly one of log10"},
        bad_config{
            "unsorted",
            with_law("[axes]\nT = { values = [1e12, 1e9] }\nloss_target = { values = [2.0] }\n"),
            "values must be strictly increasing (1e+12 is followed by 1e+09)"},
        bad_config{"float_points",
                   with_law("[axes]\nT = { log10 = [9, 12], points = 4.5 }\nloss_target = { values "
                            "= [2.0] }\n"),
                   "axes.T.points: must be an integer, got a float"},
        bad_config{"unknown_axis",
                   with_law("[axes]\nT = { values = [0] }\nloss_targte = { values = [2.0] }\n"),
                   "unknown key 'loss_targte'; did you mean 'loss_target'?"},
        bad_config{"no_T", with_law("[axes]\nloss_target = { values = [2.0] }\n"),
                   "axes.loss_target needs axes.T"},
        bad_config{"nothing", with_law("[axes]\nT = { values = [0] }\n"), "nothing to compute"},
        bad_config{"usd_without_hardware", with_law("[objective]\nkind = \"usd\"\n" + axes_ok),
                   "objective 'usd' needs at least one [[hardware]] table"},
        // Under objective flops hardware tables are set aside, but only once they are valid.
        bad_config{"hardware_with_flops_still_checked",
                   with_law(axes_ok + "[[hardware]]\nname = \"a\"\npreset = "
                                      "\"sardana2024-default\"\ntrain = { mfu = 0 }\n"),
                   "hardware[0].train.mfu = 0 is outside (0, 1]"},
        bad_config{"mfu_range",
                   with_law("[objective]\nkind = \"usd\"\n" + axes_ok +
                            "[[hardware]]\nname = \"a\"\npreset = \"sardana2024-default\"\ntrain = "
                            "{ mfu = 1.5 }\n"),
                   "bad.toml:11:17: hardware[0].train.mfu = 1.5 is outside (0, 1]"},
        bad_config{"unknown_gpu",
                   with_law("[objective]\nkind = \"usd\"\n" + axes_ok +
                            "[[hardware]]\nname = \"a\"\npreset = \"sardana2024-default\"\nserve = "
                            "{ gpu = \"H300\" }\n"),
                   "hardware[0].serve.gpu: unknown GPU 'H300'; allowed: A100-40GB"},
        bad_config{"duplicate_hardware",
                   with_law("[objective]\nkind = \"usd\"\n" + axes_ok +
                            "[[hardware]]\nname = \"a\"\npreset = \"h200-fp8\"\n[[hardware]]\nname "
                            "= \"a\"\npreset = \"h200-fp8\"\n"),
                   "duplicate scenario name 'a'"},
        bad_config{"objective_kind", with_law("[objective]\nkind = \"dollars\"\n" + axes_ok),
                   "objective.kind: unknown objective 'dollars'"},
        bad_config{"dense_name", with_law(axes_ok + "[output]\ndense = [\"loss\", \"costs\"]\n"),
                   "output.dense: entries must be \"loss\", \"cost\" or \"budget_curve\""},
        bad_config{"dense_needs_axes", with_law(axes_ok + "[output]\ndense = [\"loss\"]\n"),
                   "output.dense 'loss' needs axes.N"},
        bad_config{"deflate_level", with_law(axes_ok + "[output]\ndeflate_level = 12\n"),
                   "output.deflate_level: 12 is outside [1, 9]"},
        bad_config{"compression", with_law(axes_ok + "[output]\ncompression = \"zstd\"\n"),
                   "unknown compression 'zstd'"}),
    [](const ::testing::TestParamInfo<bad_config>& info) { return std::string(info.param.name); });

} // namespace
