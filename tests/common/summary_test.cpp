// The summary schema's pieces that measurement and model share: the statistics of response
// times, Student-t quantiles, how the summaries of repetitions combine (means and 95%
// confidence intervals), and the JSON form.
#include "common/summary.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace faaslab {
namespace {

TEST(Summary, ResponseTimesInAnyOrder) {
  SummaryRow s;
  set_response_times(s, {0.4, 0.1, 0.3, 0.2});
  EXPECT_DOUBLE_EQ(s.mean_s, 0.25);
  EXPECT_DOUBLE_EQ(s.stddev_s, std::sqrt(0.0125));  // population
  EXPECT_DOUBLE_EQ(s.min_s, 0.1);
  EXPECT_DOUBLE_EQ(s.max_s, 0.4);
  EXPECT_DOUBLE_EQ(s.p50_s, 0.2);  // rank ceil(0.5 · 4) = 2
  EXPECT_DOUBLE_EQ(s.p90_s, 0.4);  // rank ceil(3.6) = 4
  EXPECT_DOUBLE_EQ(s.p999_s, 0.4);
  EXPECT_EQ(s.count, 0u);  // only the response-time fields are set

  SummaryRow none;
  set_response_times(none, {});
  EXPECT_EQ(none.mean_s, 0.0);
  EXPECT_EQ(none.p99_s, 0.0);
}

TEST(Summary, NearestRank) {
  std::vector<double> v;
  for (int i = 1; i <= 1000; ++i) v.push_back(i);
  EXPECT_EQ(nearest_rank(v, 0.5), 500);
  EXPECT_EQ(nearest_rank(v, 0.999), 999);
  EXPECT_EQ(nearest_rank(v, 1.0), 1000);
  EXPECT_EQ(nearest_rank(v, 0.0), 1);  // rank clamped to the first
  EXPECT_EQ(nearest_rank({}, 0.5), 0);
}

TEST(Summary, StudentT95) {
  EXPECT_DOUBLE_EQ(student_t95(1), 12.706);
  EXPECT_DOUBLE_EQ(student_t95(2), 4.303);
  EXPECT_DOUBLE_EQ(student_t95(3), 3.182);
  EXPECT_DOUBLE_EQ(student_t95(4), 2.776);
  EXPECT_DOUBLE_EQ(student_t95(10), 2.228);
  EXPECT_DOUBLE_EQ(student_t95(20), 2.086);
  EXPECT_DOUBLE_EQ(student_t95(30), 2.042);
  EXPECT_NEAR(student_t95(40), 2.021, 0.01);
  EXPECT_NEAR(student_t95(60), 2.000, 0.001);
  EXPECT_NEAR(student_t95(120), 1.980, 0.001);
  EXPECT_NEAR(student_t95(1000), 1.962, 0.003);
  EXPECT_NEAR(student_t95(1'000'000), 1.960, 0.001);
  EXPECT_EQ(student_t95(0), 0.0);
  for (int dof = 1; dof < 200; ++dof) EXPECT_GE(student_t95(dof), student_t95(dof + 1)) << dof;
}

SummaryRow run_row(double mean_s, double throughput, double success, double p95_s,
                   std::uint64_t count = 100) {
  SummaryRow r;
  r.label = "*";
  r.count = count;
  r.mean_s = mean_s;
  r.throughput_rps = throughput;
  r.success_rate = success;
  r.p95_s = p95_s;
  r.stddev_s = mean_s / 10;
  r.min_s = mean_s / 2;
  r.p50_s = mean_s;
  r.p90_s = p95_s * 0.9;
  r.p99_s = p95_s * 1.1;
  r.p999_s = p95_s * 1.2;
  r.max_s = p95_s * 2;
  return r;
}

TEST(SummaryRepetitions, OverThreeRepetitions) {
  const auto s =
      summarise_repetitions({run_row(1.0, 10, 1.0, 2.0, 100), run_row(1.2, 12, 0.9, 2.2, 90),
                             run_row(1.4, 14, 0.8, 2.4, 80)});
  EXPECT_EQ(s.label, "*");
  EXPECT_EQ(s.repetitions, 3);
  EXPECT_EQ(s.count, 270u);  // requests issued over all repetitions
  EXPECT_NEAR(s.mean_s, 1.2, 1e-12);
  EXPECT_NEAR(s.throughput_rps, 12.0, 1e-12);
  EXPECT_NEAR(s.success_rate, 0.9, 1e-12);
  EXPECT_NEAR(s.p95_s, 2.2, 1e-12);
  EXPECT_NEAR(s.stddev_s, 0.12, 1e-12);
  EXPECT_NEAR(s.min_s, 0.6, 1e-12);
  EXPECT_NEAR(s.p50_s, 1.2, 1e-12);
  EXPECT_NEAR(s.p90_s, 1.98, 1e-12);
  EXPECT_NEAR(s.p99_s, 2.42, 1e-12);
  EXPECT_NEAR(s.p999_s, 2.64, 1e-12);
  EXPECT_NEAR(s.max_s, 4.4, 1e-12);
  // t(0.975, 2) · s / √3 with s = 0.2 (mean), 2 (throughput), 0.1 (success), 0.2 (p95).
  ASSERT_TRUE(s.mean_s_ci95 && s.throughput_rps_ci95 && s.success_rate_ci95 && s.p95_s_ci95);
  EXPECT_NEAR(*s.mean_s_ci95, 0.49686764166459196, 1e-9);
  EXPECT_NEAR(*s.throughput_rps_ci95, 4.9686764166459196, 1e-8);
  EXPECT_NEAR(*s.success_rate_ci95, 0.24843382083229598, 1e-9);
  EXPECT_NEAR(*s.p95_s_ci95, 0.49686764166459196, 1e-9);
}

TEST(SummaryRepetitions, ConfidenceIntervalsForTwoFiveAndElevenRepetitions) {
  // Two: s = √2, so the half-width is t(1) · √2 / √2 = 12.706.
  const auto two = summarise_repetitions({run_row(1, 0, 0, 0), run_row(3, 0, 0, 0)});
  EXPECT_EQ(two.repetitions, 2);
  EXPECT_DOUBLE_EQ(two.mean_s, 2.0);
  EXPECT_NEAR(*two.mean_s_ci95, 12.706, 1e-9);
  EXPECT_NEAR(*two.throughput_rps_ci95, 0.0, 1e-12);  // no spread, no interval
  // Five: 1..5, s = √2.5, t(4) = 2.776.
  std::vector<SummaryRow> five;
  for (int i = 1; i <= 5; ++i) five.push_back(run_row(i, 0, 0, 0));
  EXPECT_NEAR(*summarise_repetitions(five).mean_s_ci95, 1.9629284245738559, 1e-9);
  // Eleven: 0..10, s = √(110 / 10) = √11, so the half-width is t(10) · √11 / √11 = 2.228.
  std::vector<SummaryRow> eleven;
  for (int i = 0; i <= 10; ++i) eleven.push_back(run_row(i, 0, 0, 0));
  const auto e = summarise_repetitions(eleven);
  EXPECT_DOUBLE_EQ(e.mean_s, 5.0);
  EXPECT_NEAR(*e.mean_s_ci95, 2.228, 1e-9);
}

TEST(SummaryRepetitions, OfOneRepetitionHasNoInterval) {
  const auto s = summarise_repetitions({run_row(1.5, 7, 0.5, 3, 42)});
  EXPECT_EQ(s.repetitions, 1);
  EXPECT_EQ(s.count, 42u);
  EXPECT_DOUBLE_EQ(s.mean_s, 1.5);
  EXPECT_DOUBLE_EQ(s.throughput_rps, 7.0);
  EXPECT_DOUBLE_EQ(s.success_rate, 0.5);
  EXPECT_DOUBLE_EQ(s.p95_s, 3.0);
  EXPECT_EQ(s.mean_s_ci95, std::nullopt);
  EXPECT_EQ(s.throughput_rps_ci95, std::nullopt);
  EXPECT_EQ(s.success_rate_ci95, std::nullopt);
  EXPECT_EQ(s.p95_s_ci95, std::nullopt);
  const auto none = summarise_repetitions({});
  EXPECT_EQ(none.repetitions, 0);
  EXPECT_EQ(none.count, 0u);
  EXPECT_EQ(none.mean_s_ci95, std::nullopt);
}

TEST(Summary, JsonHasTheSchemasFieldsAndTheIntervalsOnlyWhenSet) {
  SummaryRow s;
  s.count = 3;
  s.mean_s = 1.5;
  auto j = summary_to_json(s);
  for (const char* field : {"count", "success_rate", "throughput_rps", "mean_s", "stddev_s",
                            "min_s", "p50_s", "p90_s", "p95_s", "p99_s", "p999_s", "max_s"})
    EXPECT_TRUE(j.contains(field)) << field;
  EXPECT_EQ(j.size(), 12u);
  EXPECT_EQ(j["count"], 3);
  EXPECT_EQ(j["mean_s"], 1.5);
  s.repetitions = 2;
  s.mean_s_ci95 = 0.25;
  j = summary_to_json(s);
  EXPECT_EQ(j["repetitions"], 2);
  EXPECT_EQ(j["mean_s_ci95"], 0.25);
  EXPECT_FALSE(j.contains("p95_s_ci95"));
}

}  // namespace
}  // namespace faaslab

namespace faaslab {
namespace {

TEST(Summary, MedianOfAnyValues) {
  EXPECT_EQ(median({}), 0);
  EXPECT_EQ(median({3, 1, 2}), 2);
  EXPECT_EQ(median({4, 1, 3, 2}), 2.5);
}

}  // namespace
}  // namespace faaslab
