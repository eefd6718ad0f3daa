#include "common/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "common/json_number.h"

namespace faaslab {
namespace {

constexpr std::uint64_t kSubBuckets = 1u << Histogram::kSubBucketBits;  // 256
constexpr std::uint64_t kHalf = kSubBuckets / 2;                        // 128

__extension__ using U128 = unsigned __int128;

std::string u128_to_string(U128 v) {
  if (v == 0) return "0";
  std::string s;
  while (v > 0) {
    s.push_back(static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  std::reverse(s.begin(), s.end());
  return s;
}

bool u128_from_string(const std::string& s, U128& out) {
  if (s.empty() || s.size() > 39) return false;
  U128 v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  out = v;
  return true;
}

}  // namespace

std::size_t Histogram::bucket_index(std::uint64_t value) {
  if (value < kSubBuckets) return static_cast<std::size_t>(value);
  // b = how far the value's top bit is above the sub-bucket range; the index keeps the top 8 bits.
  const int b = std::bit_width(value) - kSubBucketBits;
  return static_cast<std::size_t>(kHalf * static_cast<std::uint64_t>(b) + (value >> b));
}

std::uint64_t Histogram::bucket_low(std::size_t index) {
  if (index < kSubBuckets) return index;
  const std::uint64_t b = index / kHalf - 1;
  return (index - kHalf * b) << b;
}

std::uint64_t Histogram::bucket_width(std::size_t index) {
  if (index < kSubBuckets) return 1;
  return std::uint64_t{1} << (index / kHalf - 1);
}

void Histogram::record(std::int64_t value) {
  if (value < 0) value = 0;
  const auto v = static_cast<std::uint64_t>(value);
  const std::size_t i = bucket_index(v);
  if (i >= counts_.size()) counts_.resize(i + 1, 0);
  ++counts_[i];
  if (count_ == 0 || value < min_) min_ = value;
  if (count_ == 0 || value > max_) max_ = value;
  ++count_;
  sum_ += v;
  sum_sq_ += static_cast<U128>(v) * v;
}

void Histogram::merge(const Histogram& other) {
  if (other.count_ == 0) return;
  if (other.counts_.size() > counts_.size()) counts_.resize(other.counts_.size(), 0);
  for (std::size_t i = 0; i < other.counts_.size(); ++i) counts_[i] += other.counts_[i];
  min_ = count_ ? std::min(min_, other.min_) : other.min_;
  max_ = count_ ? std::max(max_, other.max_) : other.max_;
  count_ += other.count_;
  sum_ += other.sum_;
  sum_sq_ += other.sum_sq_;
}

double Histogram::mean() const {
  return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0;
}

double Histogram::stddev() const {
  if (count_ < 2) return 0.0;
  const long double n = static_cast<long double>(count_);
  const long double s = static_cast<long double>(sum_);
  const long double var = (static_cast<long double>(sum_sq_) - s * s / n) / n;
  return var > 0 ? static_cast<double>(std::sqrt(var)) : 0.0;
}

std::int64_t Histogram::percentile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  if (rank == count_) return max_;
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const auto mid = static_cast<std::int64_t>(bucket_low(i) + (bucket_width(i) - 1) / 2);
      return std::clamp(mid, min_, max_);
    }
  }
  return max_;
}

nlohmann::json Histogram::to_json() const {
  nlohmann::json buckets = nlohmann::json::array();
  for (std::size_t i = 0; i < counts_.size(); ++i)
    if (counts_[i]) buckets.push_back({i, counts_[i]});
  return {{"count", count_},
          {"min", min()},
          {"max", max()},
          {"sum", sum_},
          {"sum_sq", u128_to_string(sum_sq_)},
          {"buckets", std::move(buckets)}};
}

Result<Histogram> Histogram::from_json(const nlohmann::json& j) {
  try {
    Histogram h;
    auto count = json_integer<std::uint64_t>(j.at("count"), "histogram: count");
    auto min = json_integer<std::int64_t>(j.at("min"), "histogram: min");
    auto max = json_integer<std::int64_t>(j.at("max"), "histogram: max");
    auto sum = json_integer<std::uint64_t>(j.at("sum"), "histogram: sum");
    if (!count) return count.error_value();
    if (!min) return min.error_value();
    if (!max) return max.error_value();
    if (!sum) return sum.error_value();
    h.count_ = *count;
    h.min_ = *min;
    h.max_ = *max;
    h.sum_ = *sum;
    if (!u128_from_string(j.at("sum_sq").get<std::string>(), h.sum_sq_))
      return make_error("histogram: bad sum_sq");
    std::uint64_t total = 0;
    for (const auto& b : j.at("buckets")) {
      const auto i = json_integer<std::size_t>(b.at(0), "histogram: bucket index");
      if (!i) return i.error_value();
      const auto c = json_integer<std::uint64_t>(b.at(1), "histogram: bucket count");
      if (!c) return c.error_value();
      if (*i > bucket_index(~std::uint64_t{0})) return make_error("histogram: bucket out of range");
      if (*i >= h.counts_.size()) h.counts_.resize(*i + 1, 0);
      if (*c > h.count_ - total)  // checked before the sums, which could wrap
        return make_error("histogram: bucket counts do not add up to count");
      h.counts_[*i] += *c;
      total += *c;
    }
    if (total != h.count_) return make_error("histogram: bucket counts do not add up to count");
    if (h.count_ && (h.min_ < 0 || h.min_ > h.max_)) return make_error("histogram: bad min/max");
    return h;
  } catch (const nlohmann::json::exception& e) {
    return make_error(std::string("histogram: ") + e.what());
  }
}

bool Histogram::operator==(const Histogram& o) const {
  if (count_ != o.count_ || min() != o.min() || max() != o.max() || sum_ != o.sum_ ||
      sum_sq_ != o.sum_sq_)
    return false;
  const std::size_t n = std::max(counts_.size(), o.counts_.size());
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t a = i < counts_.size() ? counts_[i] : 0;
    const std::uint64_t b = i < o.counts_.size() ? o.counts_[i] : 0;
    if (a != b) return false;
  }
  return true;
}

}  // namespace faaslab
