// The engine API: a config given as text runs into a result file on the CPU, with a summary that
// covers every cell, and the output checks of `scalesweep run` hold.
#include "scalesweep/engine.hpp"
#include "scalesweep/error.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <numeric>

namespace {

using namespace scalesweep;

const char* config = R"(
title = "engine test"
[law]
preset = "sardana2024"
[objective]
kind = "flops"
[axes]
N = { log10 = [8, 12], points = 9 }
D = { log10 = [10, 14], points = 7 }
T = { values = [0, 1e12] }
loss_target = { linear = [1.0, 2.6], points = 5 }
)";

std::string temp_output(const char* name) {
  const std::filesystem::path p = std::filesystem::temp_directory_path() /
                                  ("scalesweep_engine_" + std::to_string(::getpid()) + name);
  std::filesystem::remove(p);
  return p.string();
}

TEST(Engine, RunsAConfigGivenAsTextIntoAFile) {
  const sweep s = sweep::from_text(config, "engine.toml");
  EXPECT_EQ(s.title(), "engine test");
  ASSERT_FALSE(s.problems().empty());
  sweep_run_options options;
  options.backend = "cpu";
  options.threads = 1;
  options.output = temp_output("a.h5");
  const sweep_result r = s.run(options);
  EXPECT_EQ(r.output, options.output);
  EXPECT_TRUE(std::filesystem::exists(r.output));
  EXPECT_EQ(r.cells, s.cells());
  ASSERT_EQ(r.problems.size(), s.problems().size());
  bool some_status = false;
  for (const problem_statuses& p : r.problems) {
    if (p.variable.empty()) {
      continue;
    }
    some_status = true;
    ASSERT_EQ(p.per_status.size(), cell_status_names().size());
    // Loss targets from 1.0 lie below the law's E (1.69 in sardana2024): some are infeasible.
    EXPECT_GT(p.per_status[1], 0) << p.problem;
    EXPECT_GT(p.per_status[0], 0) << p.problem;
  }
  EXPECT_TRUE(some_status);

  // As `run`: an existing result is replaced only on request.
  EXPECT_THROW(s.run(options), input_error);
  options.overwrite = true;
  EXPECT_EQ(s.run(options).cells, s.cells());
  std::filesystem::remove(r.output);
}

TEST(Engine, RejectsAnUnknownBackendAndABadConfig) {
  sweep_run_options options;
  options.backend = "tpu";
  options.output = temp_output("b.h5");
  EXPECT_THROW(sweep::from_text(config).run(options), input_error);
  EXPECT_THROW(sweep::from_text("[law]\npreset = \"nope\"\n"), input_error);
}

} // namespace
