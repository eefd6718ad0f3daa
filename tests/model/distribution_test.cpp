// Distributions: moments of the two-moment fits and of empirical ones, sampling, quantiles.
#include <gtest/gtest.h>

#include <cmath>

#include "model/distribution.h"

namespace faaslab::model {
namespace {

struct Moments {
  double mean = 0, scv = 0;
};
Moments sample_moments(const Distribution& d, int n, std::uint64_t seed) {
  Rng rng(seed);
  double sum = 0, sq = 0;
  for (int i = 0; i < n; ++i) {
    const double x = d.sample(rng);
    sum += x;
    sq += x * x;
  }
  const double mean = sum / n;
  return {mean, (sq / n - mean * mean) / (mean * mean)};
}

TEST(Distribution, TwoMomentFitsHaveTheirMoments) {
  for (double scv : {0.0, 0.2, 0.5, 0.7, 1.0, 2.0, 5.0}) {
    const auto d = Distribution::two_moment(2.0, scv);
    const auto m = sample_moments(d, 400000, 7);
    EXPECT_NEAR(m.mean, 2.0, 0.02 * 2.0) << "scv " << scv;
    EXPECT_NEAR(m.scv, scv, 0.03 + 0.05 * scv) << "scv " << scv;
    // The distribution function agrees with the sampler at the median.
    if (scv > 0) {
      EXPECT_NEAR(d.cdf(d.quantile(0.5)), 0.5, 1e-6);
    }
  }
}

TEST(Distribution, ExponentialQuantiles) {
  const auto d = Distribution::exponential(2.0);
  EXPECT_TRUE(d.is_exponential());
  EXPECT_NEAR(d.quantile(0.5), 2.0 * std::log(2.0), 1e-12);
  EXPECT_NEAR(d.cdf(2.0), 1 - std::exp(-1.0), 1e-12);
}

TEST(Distribution, EmpiricalKeepsTheSample) {
  std::vector<double> xs;
  for (int i = 1; i <= 1000; ++i) xs.push_back(0.001 * i);
  const auto d = Distribution::empirical(xs, 101);
  EXPECT_TRUE(d.empirical());
  EXPECT_NEAR(d.mean(), 0.5005, 1e-12);
  EXPECT_NEAR(d.quantile(0.0), 0.001, 1e-12);
  EXPECT_NEAR(d.quantile(1.0), 1.0, 1e-12);
  EXPECT_NEAR(d.quantile(0.5), 0.5005, 1e-9);
  EXPECT_NEAR(d.cdf(d.quantile(0.3)), 0.3, 1e-9);
  const auto m = sample_moments(d, 200000, 3);
  EXPECT_NEAR(m.mean, 0.5005, 0.005);
  // Round trip through stored quantiles: the piecewise-linear mean is close to the sample's.
  auto again = Distribution::from_quantiles(d.quantiles());
  ASSERT_TRUE(again) << again.error();
  EXPECT_NEAR(again->mean(), d.mean(), 1e-3);
  EXPECT_NEAR(again->scv(), d.scv(), 0.01);
  const auto scaled = d.scaled(2.0);
  EXPECT_NEAR(scaled.quantile(0.5), 2 * d.quantile(0.5), 1e-12);
}

TEST(Distribution, JsonRoundTripAndErrors) {
  const auto d = Distribution::two_moment(0.04, 0.1);
  auto back = Distribution::from_json(d.to_json(), "service");
  ASSERT_TRUE(back);
  EXPECT_DOUBLE_EQ(back->mean(), 0.04);
  EXPECT_DOUBLE_EQ(back->scv(), 0.1);
  auto missing = Distribution::from_json(nlohmann::json{{"scv", 1}}, "service");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("service: missing field mean_s"), std::string::npos);
  EXPECT_FALSE(Distribution::from_json(nlohmann::json{{"mean_s", -1}}, "x"));
  EXPECT_FALSE(Distribution::from_json(nlohmann::json{{"quantiles", {0.2, 0.1}}}, "x"));
  EXPECT_FALSE(Distribution::from_json(nlohmann::json{{"quantiles", {0.2}}}, "x"));
  EXPECT_FALSE(Distribution::from_json(nlohmann::json("text"), "x"));
}

TEST(Rng, ReproducibleAndUniform) {
  Rng a(42), b(42);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.next(), b.next());
  Rng c(1);
  double sum = 0;
  for (int i = 0; i < 100000; ++i) sum += c.uniform();
  EXPECT_NEAR(sum / 100000, 0.5, 0.005);
  EXPECT_NE(Rng::derive(1, 0), Rng::derive(1, 1));
}

}  // namespace
}  // namespace faaslab::model
