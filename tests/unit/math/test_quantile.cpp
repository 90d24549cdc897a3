// math/quantile.hpp: quantiles_by_selection (the CPU's reference reduction) and sorted_quantiles
// (the CUDA sweeps', after a sort) against a full sort and quantile_of_sorted (numpy's linear
// quantile, written after numpy's _quantile and _lerp), and quantile_of_sorted against values
// numpy 2.4.6 printed for the same inputs.
#include "scalesweep/math/quantile.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace scalesweep {
namespace {

// Reference: sort, then numpy's formula. Selection returns order statistics, which are values
// of the input, and the same lerp: equal to the last bit, so EXPECT_EQ, not a tolerance.
std::vector<double> by_sorting(std::vector<double> v, const std::vector<double>& q) {
  std::sort(v.begin(), v.end());
  std::vector<double> out;
  for (double level : q) {
    out.push_back(quantile_of_sorted(v.data(), static_cast<std::int64_t>(v.size()), level));
  }
  return out;
}

std::vector<double> by_selection(std::vector<double> v, const std::vector<double>& q) {
  std::vector<double> out(q.size() * 2, -1.0);
  quantiles_by_selection(v.data(), static_cast<std::int64_t>(v.size()), q.data(),
                         static_cast<int>(q.size()), out.data(), 2); // strided output
  std::vector<double> levels;
  for (std::size_t c = 0; c < q.size(); ++c) {
    levels.push_back(out[2 * c]);
    EXPECT_EQ(out[2 * c + 1], -1.0); // nothing written between the strided outputs
  }
  return levels;
}

TEST(Quantile, SelectionEqualsSortingOnRandomInputs) {
  std::mt19937_64 rng(16);
  std::uniform_real_distribution<double> u(0, 1);
  const std::vector<std::vector<double>> level_sets = {{0.05, 0.5, 0.95},
                                                       {0.0, 1.0},
                                                       {0.5},
                                                       {0.025, 0.05, 0.5, 0.95, 0.975},
                                                       {0.1, 0.1000001, 0.2},
                                                       {0.0, 0.0001, 0.9999, 1.0}};
  for (int trial = 0; trial < 400; ++trial) {
    const auto n = static_cast<std::size_t>(trial < 200 ? 1 + trial % 37 : 1000 + trial * 7);
    std::vector<double> v(n);
    for (double& x : v) {
      // Every fourth trial draws from few distinct values: ties, the partition's hard case.
      x = trial % 4 == 0 ? std::floor(u(rng) * 5) : std::exp(10 * u(rng));
    }
    if (trial % 9 == 0) {
      std::sort(v.begin(), v.end()); // sorted and reversed inputs: the pivot's worst cases
      if (trial % 2 == 0) {
        std::reverse(v.begin(), v.end());
      }
    }
    for (const std::vector<double>& q : level_sets) {
      EXPECT_EQ(by_selection(v, q), by_sorting(v, q)) << "n " << n << " trial " << trial;
    }
  }
}

// sorted_quantiles (the CUDA sweeps' reduction, on values CUB's segmented sort ordered) writes
// the same strided quantiles as the selection, bit for bit.
TEST(Quantile, SortedQuantilesEqualSelection) {
  std::mt19937_64 rng(17);
  std::uniform_real_distribution<double> u(0, 1);
  const std::vector<double> q = {0.025, 0.05, 0.5, 0.95, 0.975};
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<double> v(static_cast<std::size_t>(1 + trial * 13));
    for (double& x : v) {
      x = trial % 3 == 0 ? std::floor(u(rng) * 4) : std::exp(10 * u(rng));
    }
    std::vector<double> sorted = v;
    std::sort(sorted.begin(), sorted.end());
    std::vector<double> out(q.size() * 2, -1.0);
    sorted_quantiles{}(sorted.data(), static_cast<std::int64_t>(sorted.size()), q.data(),
                       static_cast<int>(q.size()), out.data(), 2);
    const std::vector<double> want = by_selection(v, q);
    for (std::size_t c = 0; c < q.size(); ++c) {
      EXPECT_EQ(out[2 * c], want[c]) << "n " << v.size() << " level " << q[c];
      EXPECT_EQ(out[2 * c + 1], -1.0);
    }
  }
}

TEST(Quantile, SortedLevelsGiveOrderedQuantiles) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> g(0, 1);
  std::vector<double> v(4000);
  for (double& x : v) {
    x = g(rng);
  }
  std::vector<double> q;
  for (int i = 0; i <= 100; ++i) {
    q.push_back(i / 100.0);
  }
  const std::vector<double> out = by_selection(v, q);
  EXPECT_TRUE(std::is_sorted(out.begin(), out.end()));
  EXPECT_EQ(out.front(), *std::min_element(v.begin(), v.end()));
  EXPECT_EQ(out.back(), *std::max_element(v.begin(), v.end()));
}

TEST(Quantile, NumpyValues) {
  // numpy 2.4.6: np.quantile([3, 1, 4, 1, 5, 9, 2, 6], [0, 0.05, 0.25, 0.5, 0.9, 1]) =
  // [1, 1, 1.75, 3.5, 6.8999999999999995, 9] (printed with repr).
  const std::vector<double> v = {3, 1, 4, 1, 5, 9, 2, 6};
  const std::vector<double> q = {0, 0.05, 0.25, 0.5, 0.9, 1};
  const std::vector<double> want = {1, 1, 1.75, 3.5, 6.8999999999999995, 9};
  EXPECT_EQ(by_sorting(v, q), want);
  EXPECT_EQ(by_selection(v, q), want);
}

} // namespace
} // namespace scalesweep
