// math/radix_quantiles.hpp: radix_quantiles (the CPU's per-cell reduction of a sweep under law
// samples) against a full std::sort and quantile_of_sorted (numpy's linear quantile, itself
// checked against numpy's printed values in test_quantile.cpp), bit for bit.
#include "scalesweep/math/radix_quantiles.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

namespace scalesweep {
namespace {

// Every 0.005 from 0 to 1: many order statistics at once, and fractions both sides of 0.5 (a
// zero's sign shows in numpy's lerp only from the upper end, at fractions >= 0.5).
std::vector<double> dense_levels() {
  std::vector<double> q;
  q.reserve(201);
  for (int i = 0; i <= 200; ++i) {
    q.push_back(i / 200.0);
  }
  return q;
}

// The levels every input is reduced at: the ends, the sweeps' default, and duplicated and
// neighbouring levels (which share order statistics).
const std::vector<std::vector<double>> level_sets = {{0.05, 0.5, 0.95},
                                                     {0.0, 1.0},
                                                     {0.5},
                                                     {0.0, 0.05, 0.5, 0.95, 1.0},
                                                     {0.05, 0.05, 0.5, 0.5, 0.95, 0.95},
                                                     {0.1, 0.1000001, 0.2},
                                                     {0.0, 0.0001, 0.9999, 1.0},
                                                     dense_levels()};

// The reference: a full sort in the IEEE total order (-0.0 before +0.0; on every other pair it is
// the order of <), then numpy's formula. Order statistics are values of the input, so a correct
// selection gives the same doubles: compared bit for bit, so that a zero's sign counts too.
std::vector<double> by_sorting(std::vector<double> v, const std::vector<double>& q) {
  // Written without order_key, so that the reference does not share the code under test.
  std::sort(v.begin(), v.end(), [](double a, double b) {
    return a < b || (a == b && std::signbit(a) && !std::signbit(b));
  });
  std::vector<double> out;
  out.reserve(q.size());
  for (double level : q) {
    out.push_back(quantile_of_sorted(v.data(), static_cast<std::int64_t>(v.size()), level));
  }
  return out;
}

std::vector<std::uint64_t> bits_of(const std::vector<double>& v) {
  std::vector<std::uint64_t> bits(v.size());
  std::memcpy(bits.data(), v.data(), v.size() * sizeof(double));
  return bits;
}

// One selector for every call, as a CPU thread keeps one: scratch reused across sizes.
radix_quantiles& selector() {
  static radix_quantiles select;
  return select;
}

std::vector<double> by_radix(std::vector<double> v, const std::vector<double>& q) {
  std::vector<double> out(q.size() * 2, -1.0);
  selector()(v.data(), static_cast<std::int64_t>(v.size()), q.data(), static_cast<int>(q.size()),
             out.data(), 2); // strided output
  std::vector<double> levels;
  levels.reserve(q.size());
  for (std::size_t c = 0; c < q.size(); ++c) {
    levels.push_back(out[2 * c]);
    EXPECT_EQ(out[2 * c + 1], -1.0); // nothing written between the strided outputs
  }
  return levels;
}

void expect_same_as_sorting(const std::vector<double>& v, const char* what) {
  for (const std::vector<double>& q : level_sets) {
    EXPECT_EQ(bits_of(by_radix(v, q)), bits_of(by_sorting(v, q)))
        << what << ", n " << v.size() << ", " << q.size() << " levels from " << q.front();
  }
}

TEST(RadixQuantiles, OrderKeyKeepsTheOrderOfDoubles) {
  const double inf = std::numeric_limits<double>::infinity();
  const double tiny = std::numeric_limits<double>::denorm_min();
  const double big = std::numeric_limits<double>::max();
  // Ascending in the IEEE total order.
  const std::vector<double> v = {-inf, -big, -1.5, -1.0, -tiny, -0.0,
                                 0.0,  tiny, 1.0,  1.5,  big,   inf};
  for (std::size_t i = 0; i + 1 < v.size(); ++i) {
    EXPECT_LT(order_key(v[i]), order_key(v[i + 1])) << v[i] << " " << v[i + 1];
  }
  for (double x : v) {
    const double back = from_order_key(order_key(x));
    EXPECT_EQ(bits_of({back}), bits_of({x}));
  }
}

TEST(RadixQuantiles, EqualsSortingOnRandomInputs) {
  std::mt19937_64 rng(1616);
  std::uniform_real_distribution<double> u(0, 1);
  std::uniform_int_distribution<int> size(1, 5000);
  for (int trial = 0; trial < 300; ++trial) {
    const int n = trial < 60 ? 1 + trial : size(rng);
    std::vector<double> v(static_cast<std::size_t>(n));
    const int kind = trial % 6;
    for (double& x : v) {
      switch (kind) {
      case 0: // the sweeps' kind of spread: positive, a few decades
        x = std::exp(10 * u(rng));
        break;
      case 1: // ties: few distinct values
        x = std::floor(u(rng) * 5);
        break;
      case 2: // both signs, and zeros of both signs among them
        x = u(rng) < 0.2 ? (u(rng) < 0.5 ? -0.0 : 0.0) : 2 * u(rng) - 1;
        break;
      case 3: // huge and tiny magnitudes together (denormals included), both signs
        x = (u(rng) < 0.5 ? -1 : 1) * std::ldexp(u(rng), static_cast<int>(u(rng) * 2100) - 1070);
        break;
      case 4: // one cluster and rare far outliers: the buckets' hard case (one bucket holds most)
        x = u(rng) < 0.01 ? 1e300 * u(rng) : 1 + 1e-12 * u(rng);
        break;
      default: // savings-like: in (-1, 1), many near 0
        x = 1.0 - std::exp(0.1 * (u(rng) - 0.5));
        break;
      }
    }
    if (trial % 7 == 0) {
      std::sort(v.begin(), v.end()); // sorted and reversed inputs
      if (trial % 2 == 0) {
        std::reverse(v.begin(), v.end());
      }
    }
    expect_same_as_sorting(v, "random");
  }
}

TEST(RadixQuantiles, SignedZerosAndEqualValues) {
  // All equal; all zeros of mixed sign (the selected zero's sign is the total order's); two
  // values only; every value distinct but one repeated thousands of times.
  expect_same_as_sorting(std::vector<double>(4000, 2.5), "all equal");
  std::vector<double> zeros(3001);
  for (std::size_t i = 0; i < zeros.size(); ++i) {
    zeros[i] = i % 3 == 0 ? -0.0 : 0.0;
  }
  expect_same_as_sorting(zeros, "signed zeros");
  // Order statistic 50 the first +0.0 after fifty -0.0s: the boundary in the all-zeros case.
  std::vector<double> half(101, 0.0);
  for (std::size_t i = 0; i < half.size(); i += 2) {
    half[i] = i < 100 ? -0.0 : 0.0;
  }
  expect_same_as_sorting(half, "fifty -0.0s, fifty-one +0.0s");
  expect_same_as_sorting({-0.0, 0.0}, "-0, +0");
  expect_same_as_sorting({0.0, -0.0}, "+0, -0");
  std::vector<double> two(999);
  for (std::size_t i = 0; i < two.size(); ++i) {
    two[i] = i % 2 == 0 ? -1e-300 : 1e300;
  }
  expect_same_as_sorting(two, "two values");
  std::vector<double> mostly(4000, 7.0);
  for (std::size_t i = 0; i < mostly.size(); i += 10) {
    mostly[i] = static_cast<double>(i);
  }
  expect_same_as_sorting(mostly, "one value repeated");
}

TEST(RadixQuantiles, EqualsQuickselect) {
  // The CUDA path's quantiles_by_selection on the same inputs (positive values: no signed zeros,
  // where the two may pick different zeros).
  std::mt19937_64 rng(16);
  std::lognormal_distribution<double> g(0, 2);
  std::vector<double> v(4000);
  for (double& x : v) {
    x = g(rng);
  }
  for (const std::vector<double>& q : level_sets) {
    std::vector<double> w = v;
    std::vector<double> out(q.size());
    quantiles_by_selection(w.data(), static_cast<std::int64_t>(w.size()), q.data(),
                           static_cast<int>(q.size()), out.data(), 1);
    EXPECT_EQ(bits_of(by_radix(v, q)), bits_of(out));
  }
}

} // namespace
} // namespace scalesweep
