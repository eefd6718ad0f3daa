// A log-linear (HDR-style) histogram of non-negative integer values, e.g. latencies in µs.
//
// Values below 256 are counted exactly; above, each power of two is split into 128 equal
// buckets, so a bucket is at most 1/128 of its lowest value wide and a reported percentile (the
// bucket's midpoint, clamped to the exact min and max) is within 0.4% of the exact
// sorted-sample value. This is HdrHistogram's layout at two significant digits. Count, min, max,
// sum and sum of squares are kept exactly (integers), so merging histograms (per worker, per
// shard) gives bit-for-bit the histogram of all the values, in any order.
//
// Written here rather than taken from a package: Debian 12 packages no HdrHistogram for C/C++.
//
// Memory: 8 bytes per bucket between the lowest and highest value seen (≈ 1 KiB per octave).
// Not thread-safe: one histogram per thread, merged afterwards.
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/result.h"

namespace faaslab {

class Histogram {
 public:
  static constexpr int kSubBucketBits = 8;  // 256 sub-buckets: ≤ 1/128 relative bucket width

  void record(std::int64_t value);  // negative values count as 0
  void merge(const Histogram& other);
  void clear() { *this = Histogram{}; }

  std::uint64_t count() const { return count_; }
  std::int64_t min() const { return count_ ? min_ : 0; }
  std::int64_t max() const { return count_ ? max_ : 0; }
  double mean() const;
  double stddev() const;  // population standard deviation, as JMeter reports it
  // Nearest-rank percentile, q in [0, 1]: the value of rank ceil(q * count) (rank 1 for q = 0).
  std::int64_t percentile(double q) const;

  // {"count", "min", "max", "sum", "sum_sq" (decimal string), "buckets": [[index, count], ...]}
  nlohmann::json to_json() const;
  static Result<Histogram> from_json(const nlohmann::json& j);

  bool operator==(const Histogram& other) const;

  // Bucket layout, exposed for tests.
  static std::size_t bucket_index(std::uint64_t value);
  static std::uint64_t bucket_low(std::size_t index);
  static std::uint64_t bucket_width(std::size_t index);

 private:
  __extension__ using U128 = unsigned __int128;  // sum of squares of µs: exceeds 64 bits
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::int64_t min_ = 0;
  std::int64_t max_ = 0;
  std::uint64_t sum_ = 0;
  U128 sum_sq_ = 0;
};

}  // namespace faaslab
