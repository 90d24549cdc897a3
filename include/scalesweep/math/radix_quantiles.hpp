// Quantiles by radix (histogram) selection over the values' bit patterns: the CPU's per-cell
// reduction of a sweep under law samples (docs/uncertainty.md). Host only; the CUDA path keeps
// quantiles_by_selection (math/quantile.hpp). Both return order statistics, which are values of
// the input, and the same quantile_lerp, so the two agree bit for bit.
//
// Why not quickselect on the CPU: its partition loops branch on every comparison and mispredict
// on about half of them (~18 ns per value for three levels of 4,000 values). Here each value
// costs three passes with well-predicted branches: its key range, a histogram of its key's
// bucket, and a scatter of the values of the few buckets holding a wanted order statistic; those
// buckets (a handful of values each) are then sorted.
#pragma once

#include "scalesweep/math/quantile.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

namespace scalesweep {

// A double's bit pattern mapped to an unsigned integer in the same order (the IEEE total order):
// the sign bit flipped for non-negative values, every bit flipped for negative ones. -0.0 maps
// just below +0.0, so equal values of opposite sign are ordered and a selection returns a
// definite one of them.
inline std::uint64_t order_key(double x) {
  std::uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  const auto negative = static_cast<std::uint64_t>(static_cast<std::int64_t>(bits) >> 63);
  return bits ^ (negative | (std::uint64_t{1} << 63));
}

inline double from_order_key(std::uint64_t key) {
  const std::uint64_t non_negative = key >> 63;
  const std::uint64_t bits = key ^ ((non_negative - 1) | (std::uint64_t{1} << 63));
  double x;
  std::memcpy(&x, &bits, sizeof x);
  return x;
}

// numpy's linear quantiles (quantile_position_of, quantile_lerp) by radix selection. One per
// thread: it keeps its scratch between calls so that a cell's reduction allocates nothing.
class radix_quantiles {
public:
  // Same contract as quantiles_by_selection: quantiles at the ascending levels q[0, count) of the
  // n >= 1 finite values v (used as scratch), to out[c * stride].
  void operator()(double* v, std::int64_t n, const double* q, int count, double* out,
                  std::int64_t stride) {
    ranks_.clear();
    for (int c = 0; c < count; ++c) {
      const quantile_position p = quantile_position_of(n, q[c]);
      ranks_.push_back(p.lower);
      ranks_.push_back(p.upper);
    }
    // Sorted and distinct: equal or neighbouring levels share order statistics.
    std::sort(ranks_.begin(), ranks_.end());
    ranks_.erase(std::unique(ranks_.begin(), ranks_.end()), ranks_.end());
    local_ranks_ = ranks_;
    keys_.resize(ranks_.size());
    if (spare_.size() < static_cast<std::size_t>(n)) {
      spare_.resize(static_cast<std::size_t>(n));
    }
    segments_.assign(1, {v, spare_.data(), n, 0, ranks_.size()});
    while (!segments_.empty()) {
      const segment s = segments_.back();
      segments_.pop_back();
      select(s);
    }
    for (int c = 0; c < count; ++c) {
      const quantile_position p = quantile_position_of(n, q[c]);
      out[c * stride] = quantile_lerp(statistic(p.lower), statistic(p.upper), p.gamma);
    }
  }

private:
  // Values values[0, size) holding order statistics local_ranks_[rank_begin, rank_end) (ranks
  // among these values, ascending, distinct) of the whole; `spare` is as many doubles of scratch.
  struct segment {
    double* values;
    double* spare;
    std::int64_t size;
    std::size_t rank_begin;
    std::size_t rank_end;
  };

  // Below this many values a segment is sorted: an insertion sort of a few dozen keys is cheaper
  // than another three passes and a histogram.
  static constexpr std::int64_t sort_below = 48;

  // Finds the segment's order statistics (to keys_), or splits it into segments of one bucket
  // each (to segments_), each holding some of them. A bucket spans at most 2^(1 - bits)
  // (bits >= 4) of the segment's key range, so a statistic is found within 64 / 3 splits,
  // usually one.
  void select(const segment& s) {
    const double* v = s.values;
    const std::int64_t n = s.size;
    if (n <= sort_below) {
      std::uint64_t sorted[sort_below];
      for (std::int64_t i = 0; i < n; ++i) {
        const std::uint64_t key = order_key(v[i]);
        std::int64_t j = i;
        for (; j > 0 && sorted[j - 1] > key; --j) {
          sorted[j] = sorted[j - 1];
        }
        sorted[j] = key;
      }
      for (std::size_t r = s.rank_begin; r < s.rank_end; ++r) {
        keys_[r] = sorted[local_ranks_[r]];
      }
      return;
    }
    // The key range, from the doubles' (four independent chains: no loop-carried latency).
    double lo[4] = {v[0], v[0], v[0], v[0]};
    double hi[4] = {v[0], v[0], v[0], v[0]};
    std::int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
      for (int k = 0; k < 4; ++k) {
        lo[k] = v[i + k] < lo[k] ? v[i + k] : lo[k];
        hi[k] = v[i + k] > hi[k] ? v[i + k] : hi[k];
      }
    }
    for (; i < n; ++i) {
      lo[0] = v[i] < lo[0] ? v[i] : lo[0];
      hi[0] = v[i] > hi[0] ? v[i] : hi[0];
    }
    const double low = std::min(std::min(lo[0], lo[1]), std::min(lo[2], lo[3]));
    const double high = std::max(std::max(hi[0], hi[1]), std::max(hi[2], hi[3]));
    if (low == high) { // every value equal: so is every order statistic, but for a zero's sign
      equal_values(s, low);
      return;
    }
    // The comparisons above do not tell -0.0 from +0.0: take the wider key at a zero end.
    const std::uint64_t first = order_key(low == 0 ? -0.0 : low);
    const std::uint64_t last = order_key(high == 0 ? 0.0 : high);
    // About eight values per bucket, so that a wanted bucket is cheap to sort; the shift maps
    // the key range onto at most 2^bits buckets.
    int bits = 4;
    while (bits < 11 && (std::int64_t{8} << bits) < n) {
      ++bits;
    }
    int shift = 0;
    while (((last - first) >> shift) >> bits != 0) {
      ++shift;
    }
    const auto buckets = static_cast<std::size_t>(((last - first) >> shift) + 1);
    histogram_.assign(buckets, 0);
    for (i = 0; i < n; ++i) {
      ++histogram_[(order_key(v[i]) - first) >> shift];
    }
    // Each wanted bucket's values go to s.spare, contiguous, after the earlier wanted buckets'.
    cursor_.assign(buckets, -1); // -1: not wanted
    std::int64_t below = 0;      // values in the buckets before b
    std::int64_t kept = 0;       // values in the wanted buckets before b
    std::size_t r = s.rank_begin;
    for (std::size_t b = 0; b < buckets && r < s.rank_end; ++b) {
      const std::int64_t in_bucket = histogram_[b];
      if (local_ranks_[r] < below + in_bucket) {
        const std::size_t rank_begin = r;
        for (; r < s.rank_end && local_ranks_[r] < below + in_bucket; ++r) {
          local_ranks_[r] -= below;
        }
        segments_.push_back({s.spare + kept, s.values + kept, in_bucket, rank_begin, r});
        cursor_[b] = kept;
        kept += in_bucket;
      }
      below += in_bucket;
    }
    // A branch, not a branch-free store: a few per cent of the values are wanted, so it is
    // nearly always predicted, and the loop carries no store-to-load dependency on the cursors.
    for (i = 0; i < n; ++i) {
      std::int64_t& at = cursor_[(order_key(v[i]) - first) >> shift];
      if (at >= 0) {
        s.spare[at++] = v[i];
      }
    }
  }

  // The order statistics of a segment whose values compare equal: the value itself, or for
  // zeros, -0.0 below the count of -0.0s (the total order's ties of < broken).
  void equal_values(const segment& s, double value) {
    std::int64_t negative_zeros = 0;
    if (value == 0) {
      for (std::int64_t i = 0; i < s.size; ++i) {
        negative_zeros += std::signbit(s.values[i]) ? 1 : 0;
      }
    }
    for (std::size_t r = s.rank_begin; r < s.rank_end; ++r) {
      keys_[r] = order_key(value == 0 ? (local_ranks_[r] < negative_zeros ? -0.0 : 0.0) : value);
    }
  }

  double statistic(std::int64_t rank) const {
    const auto at = std::lower_bound(ranks_.begin(), ranks_.end(), rank) - ranks_.begin();
    return from_order_key(keys_[static_cast<std::size_t>(at)]);
  }

  std::vector<std::int64_t> ranks_;       // the order statistics wanted, ascending, distinct
  std::vector<std::int64_t> local_ranks_; // each among its segment's values
  std::vector<std::uint64_t> keys_;       // their keys, once found
  std::vector<double> spare_;
  std::vector<segment> segments_; // still to select in
  std::vector<std::uint32_t> histogram_;
  std::vector<std::int64_t> cursor_; // where a wanted bucket's next value goes
};

} // namespace scalesweep
