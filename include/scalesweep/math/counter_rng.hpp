// Counter-based random numbers (Philox4x32-10) and the bootstrap resample they draw: a resample is
// a pure function of (seed, sample index), so CPU and CUDA, and any number of threads, draw the
// same.
#pragma once

#include "scalesweep/math/host_device.hpp"

#include <cstdint>

namespace scalesweep {

// Philox4x32-10 of Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy as 1, 2, 3"
// (SC 2011), as in Random123 (its kat_vectors are the unit test's known answers). Ten rounds of a
// 32x32->64-bit multiply bijection keyed by a Weyl sequence; passes BigCrush with margin.
struct philox4x32_block {
  std::uint32_t v[4];
};

SCALESWEEP_HD philox4x32_block philox4x32_10(philox4x32_block counter, std::uint32_t key0,
                                             std::uint32_t key1) {
  constexpr std::uint32_t multiplier0 = 0xD2511F53u;
  constexpr std::uint32_t multiplier1 = 0xCD9E8D57u;
  constexpr std::uint32_t weyl0 = 0x9E3779B9u; // golden ratio
  constexpr std::uint32_t weyl1 = 0xBB67AE85u; // sqrt(3) - 1
  std::uint32_t* c = counter.v;
  for (int round = 0; round < 10; ++round) {
    if (round > 0) { // the key is bumped before every round but the first
      key0 += weyl0;
      key1 += weyl1;
    }
    const std::uint64_t p0 = static_cast<std::uint64_t>(multiplier0) * c[0];
    const std::uint64_t p1 = static_cast<std::uint64_t>(multiplier1) * c[2];
    const std::uint32_t hi0 = static_cast<std::uint32_t>(p0 >> 32),
                        lo0 = static_cast<std::uint32_t>(p0);
    const std::uint32_t hi1 = static_cast<std::uint32_t>(p1 >> 32),
                        lo1 = static_cast<std::uint32_t>(p1);
    const std::uint32_t c1 = c[1], c3 = c[3];
    c[0] = hi1 ^ c1 ^ key0;
    c[1] = lo1;
    c[2] = hi0 ^ c3 ^ key1;
    c[3] = lo0;
  }
  return counter;
}

// A stream of 32-bit words: block k of stream (seed, stream_index) is Philox of the counter
// (k, stream_lo, stream_hi, purpose) under the key (seed_lo, seed_hi). `purpose` separates uses
// of the same seed (bootstrap resamples are purpose 0).
class counter_stream {
public:
  SCALESWEEP_HD counter_stream(std::uint64_t seed, std::uint64_t stream_index,
                               std::uint32_t purpose = 0)
      : m_key0(static_cast<std::uint32_t>(seed)), m_key1(static_cast<std::uint32_t>(seed >> 32)),
        m_stream0(static_cast<std::uint32_t>(stream_index)),
        m_stream1(static_cast<std::uint32_t>(stream_index >> 32)), m_purpose(purpose) {}

  SCALESWEEP_HD std::uint32_t next() {
    if (m_used == 4) {
      m_block = philox4x32_10({{m_counter, m_stream0, m_stream1, m_purpose}}, m_key0, m_key1);
      ++m_counter;
      m_used = 0;
    }
    return m_block.v[m_used++];
  }

  // Uniform integer in [0, n), n >= 1, exactly unbiased: Lemire, "Fast random integer generation
  // in an interval" (ACM TOMACS 2019). The 64-bit product x*n splits [0, 2^32) into n classes;
  // words whose low half falls below 2^32 mod n are rejected (probability < n / 2^32).
  SCALESWEEP_HD std::uint32_t below(std::uint32_t n) {
    std::uint64_t m = static_cast<std::uint64_t>(next()) * n;
    std::uint32_t low = static_cast<std::uint32_t>(m);
    if (low < n) {
      const std::uint32_t threshold = (0u - n) % n; // 2^32 mod n
      while (low < threshold) {
        m = static_cast<std::uint64_t>(next()) * n;
        low = static_cast<std::uint32_t>(m);
      }
    }
    return static_cast<std::uint32_t>(m >> 32);
  }

private:
  std::uint32_t m_key0, m_key1, m_stream0, m_stream1, m_purpose;
  std::uint32_t m_counter = 0;
  std::uint32_t m_used = 4; // no block drawn yet
  philox4x32_block m_block{{0, 0, 0, 0}};
};

// Bootstrap resample `sample` of n points under `seed`, as multiplicities: n draws with
// replacement of a point index in [0, n), counts[i * stride] += 1 for each draw of point i.
// The fit only needs how often each point was drawn (its weight), not the order.
SCALESWEEP_HD void bootstrap_counts(std::uint64_t seed, std::uint64_t sample, std::uint32_t n,
                                    std::uint32_t* counts, std::uint32_t stride) {
  for (std::uint32_t i = 0; i < n; ++i) {
    counts[static_cast<std::uint64_t>(i) * stride] = 0;
  }
  counter_stream rng(seed, sample, 0);
  for (std::uint32_t draw = 0; draw < n; ++draw) {
    counts[static_cast<std::uint64_t>(rng.below(n)) * stride] += 1;
  }
}

} // namespace scalesweep
