#include "common/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

namespace faaslab {
namespace {

std::int64_t exact_percentile(std::vector<std::int64_t> v, double q) {
  std::sort(v.begin(), v.end());
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
  rank = std::clamp<std::size_t>(rank, 1, v.size());
  return v[rank - 1];
}

TEST(Histogram, BucketsAreContiguousAndNarrow) {
  std::size_t last = 0;
  for (std::uint64_t v = 0; v < 1'000'000; v += (v < 5000 ? 1 : 97)) {
    const auto i = Histogram::bucket_index(v);
    EXPECT_GE(i, last);
    EXPECT_LE(Histogram::bucket_low(i), v);
    EXPECT_LT(v, Histogram::bucket_low(i) + Histogram::bucket_width(i));
    if (v >= 256) {
      EXPECT_LE(static_cast<double>(Histogram::bucket_width(i)) / static_cast<double>(v),
                1.0 / 128);
    }
    last = i;
  }
  // Huge values fit.
  const auto top = Histogram::bucket_index(~std::uint64_t{0});
  EXPECT_LE(Histogram::bucket_low(top), ~std::uint64_t{0});
}

TEST(Histogram, PercentilesWithinOnePercentOfExact) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> dist(std::log(20000.0), 1.0);  // ~20 ms, long tail
  std::vector<std::int64_t> values;
  Histogram h;
  for (int i = 0; i < 100000; ++i) {
    const auto v = static_cast<std::int64_t>(dist(rng));
    values.push_back(v);
    h.record(v);
  }
  for (double q : {0.0, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0}) {
    const double exact = static_cast<double>(exact_percentile(values, q));
    EXPECT_NEAR(static_cast<double>(h.percentile(q)), exact, exact * 0.01) << "q=" << q;
  }
  EXPECT_EQ(h.min(), *std::min_element(values.begin(), values.end()));
  EXPECT_EQ(h.max(), *std::max_element(values.begin(), values.end()));
  double sum = 0, sq = 0;
  for (auto v : values) sum += static_cast<double>(v);
  const double mean = sum / static_cast<double>(values.size());
  for (auto v : values) sq += (static_cast<double>(v) - mean) * (static_cast<double>(v) - mean);
  EXPECT_NEAR(h.mean(), mean, mean * 1e-9);
  EXPECT_NEAR(h.stddev(), std::sqrt(sq / static_cast<double>(values.size())), 1e-6 * mean);
}

TEST(Histogram, SmallValuesAreExact) {
  Histogram h;
  for (int v = 0; v < 256; ++v) h.record(v);
  EXPECT_EQ(h.percentile(0.5), 127);
  EXPECT_EQ(h.percentile(0.01), 2);
  h.record(-5);  // clamps to 0
  EXPECT_EQ(h.min(), 0);
}

TEST(Histogram, MergeEqualsOneHistogramOfEverything) {
  std::mt19937_64 rng(7);
  Histogram all, a, b, c;
  for (int i = 0; i < 30000; ++i) {
    const auto v = static_cast<std::int64_t>(rng() % 5'000'000);
    all.record(v);
    (i % 3 == 0 ? a : i % 3 == 1 ? b : c).record(v);
  }
  Histogram merged;
  merged.merge(c);
  merged.merge(a);
  merged.merge(b);
  EXPECT_TRUE(merged == all);
  EXPECT_EQ(merged.percentile(0.99), all.percentile(0.99));
  EXPECT_EQ(merged.stddev(), all.stddev());
}

TEST(Histogram, JsonRoundTripIsExact) {
  Histogram h;
  for (std::int64_t v : std::vector<std::int64_t>{1, 5, 300, 70000, 25000000, 3600000000LL})
    h.record(v);
  auto back = Histogram::from_json(nlohmann::json::parse(h.to_json().dump()));
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_TRUE(*back == h);
}

TEST(Histogram, BadJsonIsAnError) {
  EXPECT_FALSE(Histogram::from_json(nlohmann::json::parse("{}")).ok());
  auto j = Histogram().to_json();
  j["count"] = 3;  // buckets say 0
  EXPECT_FALSE(Histogram::from_json(j).ok());
  j = Histogram().to_json();
  j["sum_sq"] = "12x";
  EXPECT_FALSE(Histogram::from_json(j).ok());
}

TEST(Histogram, EmptyHistogramReportsZeros) {
  Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(0.5), 0);
  EXPECT_EQ(h.mean(), 0);
  EXPECT_EQ(h.stddev(), 0);
}

}  // namespace
}  // namespace faaslab
