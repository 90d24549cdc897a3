// The CPU backend's results do not depend on thread count or tile size: bitwise equal, since the
// same code runs on the same inputs in the same order of operations per cell.
#include "backend_harness.hpp"

#include <gtest/gtest.h>

namespace {

using namespace scalesweep;
using namespace scalesweep::harness;

TEST(CpuBackend, ResultsAreIndependentOfThreadsAndTileSize) {
  const sweep_plan big = plan_with_tiles(1 << 20);
  const sweep_plan tiny = plan_with_tiles(7);
  ASSERT_GT(tiny.problems[0].tile_count(), 100);
  const auto one = compute_all(big, *make_cpu_backend(big, 1));
  const auto two = compute_all(big, *make_cpu_backend(big, 2));
  const auto tiled = compute_all(tiny, *make_cpu_backend(tiny, 2));
  ASSERT_EQ(one.size(), tiled.size());
  for (std::size_t v = 0; v < one.size(); ++v) {
    for (std::size_t i = 0; i < one[v].size(); ++i) {
      ASSERT_TRUE(same_bits(one[v][i], two[v][i])) << "variable " << v << " cell " << i;
      ASSERT_TRUE(same_bits(one[v][i], tiled[v][i])) << "variable " << v << " cell " << i;
    }
  }
}

} // namespace
