#include "load/schedule.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

namespace faaslab::load {
namespace {

using namespace std::chrono_literals;

std::vector<ArrivalStream::Arrival> drain(ArrivalStream s, std::size_t limit = 1'000'000) {
  std::vector<ArrivalStream::Arrival> out;
  while (auto a = s.next()) {
    out.push_back(*a);
    if (out.size() >= limit) break;
  }
  return out;
}

TEST(Arrivals, ConstantRateIsEvenlySpaced) {
  auto a = drain(ArrivalStream(RateProfile{100, {}}, ArrivalProcess::kConstant, 2s, 1));
  ASSERT_EQ(a.size(), 200u);
  for (std::size_t i = 0; i < a.size(); ++i)
    EXPECT_EQ(a[i].at, Micros(10'000 * static_cast<std::int64_t>(i)));
}

TEST(Arrivals, PoissonHasTheRateAndExponentialGaps) {
  auto a = drain(ArrivalStream(RateProfile{1000, {}}, ArrivalProcess::kPoisson, 20s, 3));
  EXPECT_NEAR(static_cast<double>(a.size()), 20000, 20000 * 0.03);
  // Coefficient of variation of the gaps is 1 for exponential gaps.
  double sum = 0, sq = 0;
  for (std::size_t i = 1; i < a.size(); ++i) {
    const double g = static_cast<double>((a[i].at - a[i - 1].at).count());
    sum += g;
    sq += g * g;
  }
  const double n = static_cast<double>(a.size() - 1), mean = sum / n;
  EXPECT_NEAR(std::sqrt(sq / n - mean * mean) / mean, 1.0, 0.05);
}

TEST(Arrivals, RampedProfileSendsTheAreaUnderTheRate) {
  auto stages = parse_ramp_stages("10s:100,10s:100,10s:0");
  ASSERT_TRUE(stages.ok());
  RateProfile p{0, *stages};
  auto a = drain(ArrivalStream(p, ArrivalProcess::kConstant, p.total_duration(), 1));
  // 0→100 over 10 s (500) + 100 for 10 s (1000) + 100→0 over 10 s (500).
  EXPECT_NEAR(static_cast<double>(a.size()), 2000, 2);
  std::size_t first = 0;
  for (const auto& x : a) first += x.at < 10s;
  EXPECT_NEAR(static_cast<double>(first), 500, 2);
  // The rate rises: gaps shrink during the ramp.
  EXPECT_GT((a[11].at - a[10].at).count(), (a[400].at - a[399].at).count());
}

TEST(Arrivals, SteppedProfileHoldsEachRate) {
  auto stages = parse_step_stages("1s:10,1s:50");
  ASSERT_TRUE(stages.ok());
  RateProfile p{0, *stages};
  auto a = drain(ArrivalStream(p, ArrivalProcess::kConstant, p.total_duration(), 1));
  std::size_t first = 0;
  for (const auto& x : a) first += x.at < 1s;
  EXPECT_EQ(first, 10u);
  EXPECT_EQ(a.size(), 60u);
}

TEST(Arrivals, SharesPartitionTheStreamExactly) {
  const RateProfile p{500, {}};
  auto whole = drain(ArrivalStream(p, ArrivalProcess::kPoisson, 3s, 9));
  std::set<std::uint64_t> seen;
  std::size_t total = 0;
  for (std::uint64_t shard = 0; shard < 3; ++shard) {
    for (std::uint64_t worker = 0; worker < 2; ++worker) {
      ArrivalStream s(p, ArrivalProcess::kPoisson, 3s, 9);
      s.take_share(3, shard);
      s.take_share(2, worker);
      for (const auto& a : drain(s)) {
        EXPECT_EQ(a.at, whole[a.index].at);
        EXPECT_TRUE(seen.insert(a.index).second);
        ++total;
      }
    }
  }
  EXPECT_EQ(total, whole.size());
}

TEST(Arrivals, StageSyntaxErrors) {
  EXPECT_FALSE(parse_ramp_stages("").ok());
  EXPECT_FALSE(parse_ramp_stages("10s").ok());
  EXPECT_FALSE(parse_ramp_stages("10s:fast").ok());
  EXPECT_FALSE(parse_ramp_stages("ten:5").ok());
  EXPECT_FALSE(parse_ramp_stages("10s:-5").ok());
  EXPECT_FALSE(parse_ramp_stages("10s:5x").ok());     // trailing text
  EXPECT_FALSE(parse_ramp_stages("10s:inf").ok());    // a number, but not a rate
  EXPECT_FALSE(parse_ramp_stages("10s:1e999").ok());  // out of range
  auto spaced = parse_ramp_stages("10s: 5");          // leading white space, as std::stod reads
  ASSERT_TRUE(spaced.ok()) << spaced.error();
  EXPECT_EQ(spaced->front().target_rps, 5.0);
}

TEST(Trace, ReadsSecondsAndRejectsBadFiles) {
  const auto path = std::filesystem::temp_directory_path() / "faaslab-trace-test.txt";
  {
    std::ofstream f(path);
    f << "# send times\n0\n0.5\n\n1.25,extra\n";
  }
  auto t = load_trace(path.string());
  ASSERT_TRUE(t.ok()) << t.error();
  EXPECT_EQ(*t, (std::vector<Micros>{0us, 500'000us, 1'250'000us}));
  auto s = drain(ArrivalStream(&*t, Micros{0}));
  EXPECT_EQ(s.size(), 3u);
  {
    std::ofstream f(path);
    f << "1\n0.5\n";
  }
  EXPECT_FALSE(load_trace(path.string()).ok());  // decreasing
  {
    std::ofstream f(path);
    f << "0\nsoon\n";
  }
  EXPECT_FALSE(load_trace(path.string()).ok());
  {
    std::ofstream f(path);
    f << "time\n0\n1.5s\n";  // a header line is skipped; "1.5s" is not a number of seconds
  }
  auto bad = load_trace(path.string());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find(":3: '1.5s' is not a time in seconds"), std::string::npos)
      << bad.error();
  {
    std::ofstream f(path);
    f << "0\n1e300\n";  // past Micros' range: refused, not cast
  }
  bad = load_trace(path.string());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find(":2: duration of 1e+300 s is too large"), std::string::npos)
      << bad.error();
  EXPECT_FALSE(load_trace("/nonexistent/trace").ok());
  std::filesystem::remove(path);
}

TEST(Think, DistributionsHaveTheMean) {
  for (auto d : {ThinkDistribution::kConstant, ThinkDistribution::kExponential,
                 ThinkDistribution::kUniform}) {
    ThinkTime t(100ms, d, 5);
    double sum = 0;
    for (int i = 0; i < 20000; ++i) sum += static_cast<double>(t.next().count());
    EXPECT_NEAR(sum / 20000, 100000, 100000 * 0.02);
  }
  ThinkTime zero(0ms, ThinkDistribution::kExponential, 1);
  EXPECT_EQ(zero.next(), 0us);
}

}  // namespace
}  // namespace faaslab::load
