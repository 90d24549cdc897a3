// The counter-based RNG and the bootstrap resamples it draws: Random123's known answers, exact
// bounds and uniformity of the bounded integers, and draws that do not depend on threads.
#include "scalesweep/math/counter_rng.hpp"

#include "app/fit/fit_session.hpp"
#include "backends/fit/fit_runner.hpp"
#include "fit_test_data.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace {

using namespace scalesweep;
using namespace scalesweep::app;

// Random123 (D. E. Shaw Research) kat_vectors, "philox4x32 10": counter, key, expected output.
TEST(CounterRng, PhiloxKnownAnswers) {
  struct kat {
    philox4x32_block counter;
    std::uint32_t key0, key1;
    philox4x32_block expected;
  };
  const kat cases[] = {
      {{{0, 0, 0, 0}}, 0, 0, {{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}}},
      {{{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}},
       0xffffffff,
       0xffffffff,
       {{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}}},
      {{{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}},
       0xa4093822,
       0x299f31d0,
       {{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}}},
  };
  for (const kat& c : cases) {
    const philox4x32_block out = philox4x32_10(c.counter, c.key0, c.key1);
    for (int i = 0; i < 4; ++i) {
      EXPECT_EQ(out.v[i], c.expected.v[i]) << "word " << i;
    }
  }
}

// Every value of [0, n) and none outside, for small n; and a chi-square test of uniformity for
// n = 240 with 2.4e6 draws (239 degrees of freedom: the 1e-6 upper quantile is about 370, so a
// correct generator fails with probability 1e-6 — and being seeded, never flakes).
TEST(CounterRng, BoundedIntegersAreUniform) {
  for (std::uint32_t n : {1u, 2u, 3u, 7u}) {
    counter_stream rng(42, 0);
    std::vector<int> seen(n, 0);
    for (int i = 0; i < 1000; ++i) {
      const std::uint32_t v = rng.below(n);
      ASSERT_LT(v, n);
      ++seen[v];
    }
    for (int s : seen) {
      EXPECT_GT(s, 0);
    }
  }
  const std::uint32_t n = 240;
  const int draws = 2400000;
  counter_stream rng(7, 3);
  std::vector<double> count(n, 0);
  for (int i = 0; i < draws; ++i) {
    count[rng.below(n)] += 1;
  }
  const double expected = static_cast<double>(draws) / n;
  double chi2 = 0;
  for (double c : count) {
    chi2 += (c - expected) * (c - expected) / expected;
  }
  EXPECT_LT(chi2, 370.0);
  EXPECT_GT(chi2, 140.0); // the 1e-6 lower quantile: a generator far too regular fails too
}

// A multiply-shift without rejection is biased for n that do not divide 2^32: with
// n = 3 * 2^30, values below 2^31 would come out twice as often as the others (each of them is hit
// by two 32-bit words, each of the rest by one). Lemire's rejection removes that.
TEST(CounterRng, RejectionRemovesBiasOfLargeBounds) {
  const std::uint32_t n = 3u << 30;
  counter_stream rng(11, 0);
  int low = 0;
  const int draws = 300000;
  for (int i = 0; i < draws; ++i) {
    low += rng.below(n) < (1u << 31) ? 1 : 0;
  }
  // Unbiased: P(low) = 2/3, sd of the count ~258; biased it would be 4/5 (off by 40000).
  EXPECT_NEAR(low, draws * 2.0 / 3.0, 2000.0);
}

// A resample is n draws: the counts add up to n, and (seed, sample) alone decide them.
TEST(CounterRng, ResampleDependsOnSeedAndSampleOnly) {
  const std::uint32_t n = 240;
  std::vector<std::uint32_t> a(n), b(n), strided(3 * n), other(n);
  bootstrap_counts(5, 17, n, a.data(), 1);
  bootstrap_counts(5, 17, n, b.data(), 1);
  bootstrap_counts(5, 17, n, strided.data() + 1, 3); // as the CUDA kernel lays them out
  bootstrap_counts(5, 18, n, other.data(), 1);
  std::uint32_t total = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    total += a[i];
    EXPECT_EQ(a[i], b[i]);
    EXPECT_EQ(a[i], strided[1 + 3 * i]);
  }
  EXPECT_EQ(total, n);
  EXPECT_NE(a, other);
  // About a third of the points are left out of a resample ((1 - 1/n)^n ~ e^-1).
  const auto zeros = std::count(a.begin(), a.end(), 0u);
  EXPECT_GT(zeros, 60);
  EXPECT_LT(zeros, 115);
}

bool same_bits(const fit_result& a, const fit_result& b) {
  return std::memcmp(a.x, b.x, sizeof a.x) == 0 &&
         std::memcmp(&a.objective, &b.objective, sizeof a.objective) == 0 &&
         a.iterations == b.iterations && a.status == b.status;
}

// The bootstrap fits are the same bits whether 1, 2 or 3 threads ran them, and a chunk that
// starts at sample 5 gives sample 5 what a batch from 0 gave it.
TEST(CounterRng, BootstrapFitsIndependentOfThreads) {
  const fit_data data = fit_testing::shipped_data();
  const double start[law_parameters] = {6.0073404, 6.0179186, 0.5267228, 0.33917084, 0.2849083};
  fit_batch batch;
  batch.log_N = data.log_N.data();
  batch.log_D = data.log_D.data();
  batch.log_loss = data.log_loss.data();
  batch.n = data.size();
  batch.starts = start;
  batch.start_count = 1;
  batch.resample = true;
  batch.seed = 2024;
  batch.samples = 12;
  const std::vector<fit_result> one = run_fit_batch_cpu(batch, 1);
  const std::vector<fit_result> two = run_fit_batch_cpu(batch, 2);
  const std::vector<fit_result> three = run_fit_batch_cpu(batch, 3);
  batch.first_sample = 5;
  batch.samples = 2;
  const std::vector<fit_result> chunk = run_fit_batch_cpu(batch, 2);
  for (std::size_t s = 0; s < one.size(); ++s) {
    EXPECT_TRUE(same_bits(one[s], two[s])) << "sample " << s;
    EXPECT_TRUE(same_bits(one[s], three[s])) << "sample " << s;
  }
  EXPECT_TRUE(same_bits(one[5], chunk[0]));
  EXPECT_TRUE(same_bits(one[6], chunk[1]));
  EXPECT_FALSE(same_bits(one[0], one[1])); // different resamples, different fits
}

} // namespace
