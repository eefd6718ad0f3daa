// Summaries computed from hand-made requests, whose every figure is known exactly: counts,
// success rate, moments, nearest-rank percentiles, throughput over the measurement window, rows
// per label; stored per configuration. How repetitions combine: tests/common/summary_test.cpp.
#include "experiment/summaries.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>

namespace faaslab::experiment {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kT0 = 1'700'000'000'000'000;  // wall-clock µs of the run's start

// A request intended at kT0 + at_ms that took latency_ms (ended then, whatever its outcome).
RequestRow req(double at_ms, double latency_ms, const std::string& outcome = "ok",
               const std::string& label = "frame-0000") {
  RequestRow r;
  r.label = label;
  r.intended_us = static_cast<std::int64_t>(at_ms * 1000);
  r.intended_wall_us = kT0 + r.intended_us;
  r.start_wall_us = r.intended_wall_us;
  r.latency_us = static_cast<std::int64_t>(latency_ms * 1000);
  r.end_us = r.intended_us + *r.latency_us;
  r.end_wall_us = kT0 + r.end_us;
  r.service_us = *r.latency_us;
  r.outcome = outcome;
  r.status = outcome == "ok" ? 200 : 0;
  return r;
}

RequestRow http_error(double at_ms, double latency_ms, int status) {
  RequestRow r = req(at_ms, latency_ms, "http_error");
  r.status = status;
  return r;
}

// Dropped: never sent, so no latency and no end.
RequestRow dropped(double at_ms, const std::string& label = "frame-0000") {
  RequestRow r = req(at_ms, 0, "dropped", label);
  r.latency_us = std::nullopt;
  r.end_us = r.start_wall_us = r.end_wall_us = 0;
  return r;
}

RequestRow warmup(RequestRow r) {
  r.warmup = true;
  return r;
}

TEST(Summaries, CountAndSuccessRate) {
  std::vector<RequestRow> rows;
  for (int i = 0; i < 6; ++i) rows.push_back(req(i * 100, 50));
  rows.push_back(http_error(600, 50, 500));
  rows.push_back(http_error(700, 50, 404));
  rows.push_back(req(800, 25000, "timeout"));
  rows.push_back(dropped(900));
  rows.push_back(warmup(req(0, 5000)));              // left out
  rows.push_back(warmup(http_error(0, 5000, 503)));  // left out
  rows.push_back(warmup(req(0, 5000, "connect")));   // left out
  const auto s = summarise_run(rows);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].label, "*");
  EXPECT_EQ(s[0].count, 10u);  // issued, failures and dropped included
  EXPECT_DOUBLE_EQ(s[0].success_rate, 0.6);
  EXPECT_EQ(s[1].label, "frame-0000");
  EXPECT_EQ(s[1].count, 10u);
  EXPECT_DOUBLE_EQ(s[1].success_rate, 0.6);
}

TEST(Summaries, MomentsAreExactOverSentRequestsFailuresIncluded) {
  std::vector<RequestRow> rows = {
      req(0, 300), req(10, 100),         req(20, 400), req(30, 200), req(40, 1000, "timeout"),
      dropped(50), warmup(req(0, 50000))};
  const auto s = summarise_run(rows).front();
  EXPECT_EQ(s.count, 6u);
  EXPECT_DOUBLE_EQ(s.success_rate, 4.0 / 6.0);
  EXPECT_DOUBLE_EQ(s.mean_s, 0.4);
  // Population standard deviation: sqrt((300² + 200² + 100² + 0² + 600²) / 5) ms.
  EXPECT_NEAR(s.stddev_s, 0.31622776601683794, 1e-12);
  EXPECT_DOUBLE_EQ(s.min_s, 0.1);
  EXPECT_DOUBLE_EQ(s.max_s, 1.0);
}

TEST(Summaries, PercentilesOfOneToAThousandMilliseconds) {
  std::vector<RequestRow> rows;
  for (int ms = 1; ms <= 1000; ++ms) rows.push_back(req(ms, ms));
  std::shuffle(rows.begin(), rows.end(), std::mt19937_64(7));
  const auto s = summarise_run(rows).front();
  EXPECT_EQ(s.count, 1000u);
  EXPECT_DOUBLE_EQ(s.min_s, 0.001);
  EXPECT_DOUBLE_EQ(s.max_s, 1.0);
  EXPECT_NEAR(s.mean_s, 0.5005, 1e-12);
  EXPECT_NEAR(s.stddev_s, std::sqrt((1000.0 * 1000.0 - 1) / 12) / 1000, 1e-12);
  EXPECT_NEAR(s.p50_s, 0.500, 0.01 * 0.500);
  EXPECT_NEAR(s.p90_s, 0.900, 0.01 * 0.900);
  EXPECT_NEAR(s.p95_s, 0.950, 0.01 * 0.950);
  EXPECT_NEAR(s.p99_s, 0.990, 0.01 * 0.990);
  EXPECT_NEAR(s.p999_s, 0.999, 0.01 * 0.999);
}

TEST(Summaries, PercentilesAreNearestRank) {
  // Four values: nearest rank gives p50 = the 2nd, not the interpolated 2.5 s.
  const auto s = summarise_run({req(0, 4000), req(1, 1000), req(2, 3000), req(3, 2000)}).front();
  EXPECT_NEAR(s.p50_s, 2.0, 0.02);
  EXPECT_NEAR(s.p90_s, 4.0, 0.04);
  EXPECT_NEAR(s.p999_s, 4.0, 0.04);
  const auto one = summarise_run({req(0, 70)}).front();
  EXPECT_DOUBLE_EQ(one.p50_s, 0.07);
  EXPECT_DOUBLE_EQ(one.p999_s, 0.07);
  EXPECT_DOUBLE_EQ(one.stddev_s, 0.0);
}

TEST(Summaries, ThroughputIsEndedRequestsOverTheWindow) {
  // Window: from the first intended start (the dropped request, at 0) to the last end (2.5 s
  // + 0.5 s); the dropped request counts for the window's start but not as ended.
  std::vector<RequestRow> rows = {dropped(0),     req(1000, 200), req(1500, 300, "timeout"),
                                  req(2000, 100), req(2500, 500), warmup(req(-5000, 20000))};
  rows[0].end_wall_us = kT0 + 60'000'000;  // a dropped request's end never counts
  const auto s = summarise_run(rows).front();
  EXPECT_EQ(s.count, 5u);
  EXPECT_DOUBLE_EQ(s.throughput_rps, 4.0 / 3.0);
  // No window, no throughput.
  EXPECT_EQ(summarise_run({dropped(0), dropped(10)}).front().throughput_rps, 0.0);
}

TEST(Summaries, RowsPerLabelInOrderOfFirstAppearance) {
  std::vector<RequestRow> rows = {req(0, 100, "ok", "b"),   req(100, 300, "ok", "a"),
                                  req(200, 200, "ok", "b"), req(300, 400, "timeout", "c"),
                                  req(400, 600, "ok", "a"), warmup(req(0, 10, "ok", "z")),
                                  dropped(500, "c")};
  const auto s = summarise_run(rows);
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0].label, "*");
  EXPECT_EQ(s[0].count, 6u);  // the warm-up request left out
  EXPECT_DOUBLE_EQ(s[0].mean_s, 0.32);
  EXPECT_EQ(s[1].label, "b");
  EXPECT_EQ(s[1].count, 2u);
  EXPECT_DOUBLE_EQ(s[1].mean_s, 0.15);
  EXPECT_DOUBLE_EQ(s[1].success_rate, 1.0);
  EXPECT_EQ(s[2].label, "a");
  EXPECT_EQ(s[2].count, 2u);
  EXPECT_DOUBLE_EQ(s[2].mean_s, 0.45);
  EXPECT_DOUBLE_EQ(s[2].min_s, 0.3);
  EXPECT_DOUBLE_EQ(s[2].max_s, 0.6);
  EXPECT_EQ(s[3].label, "c");
  EXPECT_EQ(s[3].count, 2u);
  EXPECT_DOUBLE_EQ(s[3].success_rate, 0.0);
  EXPECT_DOUBLE_EQ(s[3].mean_s, 0.4);
  // Overall: 5 ended from 0 s (first intended start) to 1 s (label a's last end).
  EXPECT_DOUBLE_EQ(s[0].throughput_rps, 5.0 / 1.0);
}

TEST(Summaries, LabelThroughputsAddUpToTheOverallOne) {
  const auto s = summarise_run({req(0, 100, "ok", "a"), req(200, 100, "ok", "b"),
                                req(250, 50, "ok", "b"), req(300, 100, "ok", "a")});
  ASSERT_EQ(s.size(), 3u);
  EXPECT_DOUBLE_EQ(s[0].throughput_rps, 4 / 0.4);
  EXPECT_DOUBLE_EQ(s[1].throughput_rps, 2 / 0.4);
  EXPECT_DOUBLE_EQ(s[2].throughput_rps, 2 / 0.4);
}

// 20 requests 100 ms apart in 4 batches of 5, batch k taking 10 (k + 1) ms: batch means 10, 20,
// 30, 40 ms, their standard deviation sqrt(500 / 3) = 12.91 ms, so the half-width is
// t(3) 3.182 x 12.91 / sqrt(4) = 20.54 ms; p95s likewise; every request ok (success 0); the
// ends, 10 ... 1940 ms, fall 5 in each quarter of the window (throughput 0). A warm-up request
// is left out, and nine requests make one batch: no interval.
TEST(Summaries, BatchMeansIntervalsOfOneRun) {
  std::vector<RequestRow> rows{warmup(req(-500, 900))};
  for (int i = 0; i < 20; ++i) rows.push_back(req(i * 100, 10.0 * (i / 5 + 1)));
  const SummaryRow run = summarise_run(rows).front();
  const SummaryRow s = with_batch_means_intervals(run, rows, 4);
  const double hw = 3.182 * std::sqrt(500.0 / 3) / 2 / 1000;
  ASSERT_TRUE(s.mean_s_ci95 && s.p95_s_ci95 && s.success_rate_ci95 && s.throughput_rps_ci95);
  EXPECT_NEAR(*s.mean_s_ci95, hw, 1e-6);
  EXPECT_NEAR(*s.p95_s_ci95, hw, 1e-6);
  EXPECT_DOUBLE_EQ(*s.success_rate_ci95, 0);
  EXPECT_NEAR(*s.throughput_rps_ci95, 0, 1e-9);
  EXPECT_DOUBLE_EQ(s.mean_s, run.mean_s) << "only the intervals are set";
  // Ten batches asked, but only 20 / kMinBatchRequests = 4 fit.
  EXPECT_NEAR(*with_batch_means_intervals(run, rows).mean_s_ci95, hw, 1e-6);
  // A failure in the last batch widens success's interval: batch values 1, 1, 1, 0.8.
  rows.back() = http_error(1900, 40, 503);
  const SummaryRow f = with_batch_means_intervals(summarise_run(rows).front(), rows, 4);
  EXPECT_NEAR(*f.success_rate_ci95, 3.182 * 0.1 / 2, 1e-9);
  rows.resize(10);  // the warm-up and nine requests
  EXPECT_FALSE(with_batch_means_intervals(summarise_run(rows).front(), rows).mean_s_ci95);
}

TEST(Summaries, NothingToSummarise) {
  for (const auto& rows : {std::vector<RequestRow>{},
                           std::vector<RequestRow>{warmup(req(0, 10)), warmup(req(1, 10))}}) {
    const auto s = summarise_run(rows);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].label, "*");
    EXPECT_EQ(s[0].count, 0u);
    EXPECT_EQ(s[0].success_rate, 0.0);
    EXPECT_EQ(s[0].throughput_rps, 0.0);
    EXPECT_EQ(s[0].mean_s, 0.0);
    EXPECT_EQ(s[0].max_s, 0.0);
  }
  const auto all_dropped = summarise_run({dropped(0), dropped(10)}).front();
  EXPECT_EQ(all_dropped.count, 2u);
  EXPECT_EQ(all_dropped.success_rate, 0.0);
  EXPECT_EQ(all_dropped.mean_s, 0.0);
  EXPECT_EQ(all_dropped.p99_s, 0.0);
}

// A results database in a scratch directory unique to this process and test, removed after.
class SummariesDb : public testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() / ("faaslab-summaries-test-" + std::to_string(::getpid()) + "-" +
                                     testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto db = ResultsDb::open((dir_ / "results.db").string());
    ASSERT_TRUE(db.ok()) << db.error();
    db_ = std::move(*db);
    auto c = db_->create_campaign("c", "", {}, {}, {});
    ASSERT_TRUE(c.ok()) << c.error();
    campaign_ = *c;
  }
  void TearDown() override {
    db_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  // A run of `key` whose requests are `rows`, summarised and stored as the sweep does.
  std::int64_t run(const std::string& key, int repetition, const std::vector<RequestRow>& rows,
                   RunStatus status, std::uint64_t warmup = 0) {
    RunColumns cols;
    cols.config_key = key;
    cols.repetition = repetition;
    auto id = db_->begin_run(campaign_, cols);
    EXPECT_TRUE(id.ok()) << id.error();
    if (!id.ok()) return -1;
    for (const auto& r : rows) EXPECT_TRUE(db_->add_request(*id, r).ok());
    EXPECT_TRUE(db_->mark_warmup(*id, warmup).ok());
    auto stored = db_->requests(*id);
    EXPECT_TRUE(stored.ok());
    for (const auto& s : summarise_run(*stored)) EXPECT_TRUE(db_->put_run_summary(*id, s).ok());
    EXPECT_TRUE(db_->finish_run(*id, status, "", false).ok());
    return *id;
  }

  fs::path dir_;
  std::unique_ptr<ResultsDb> db_;
  std::int64_t campaign_ = 0;
};

TEST_F(SummariesDb, UpdateConfigSummariesOverCompleteRuns) {
  // Three repetitions of K (one failed, left out) and one of L; per run: label a and b.
  // Means of "*": 0.2 s and 0.4 s; the first request of each is warm-up (10 s, left out).
  const auto reps = [](double a_ms, double b_ms) {
    return std::vector<RequestRow>{req(0, 10000, "ok", "a"), req(100, a_ms, "ok", "a"),
                                   req(200, b_ms, "ok", "b")};
  };
  run("K", 0, reps(100, 300), RunStatus::kComplete, 1);
  run("K", 1, reps(900, 900), RunStatus::kFailed, 1);
  run("K", 2, reps(300, 500), RunStatus::kComplete, 1);
  run("L", 0, reps(100, 100), RunStatus::kComplete, 1);
  ASSERT_TRUE(update_config_summaries(*db_, campaign_, "K").ok());
  ASSERT_TRUE(update_config_summaries(*db_, campaign_, "K").ok());  // replaces, no duplicates

  auto rows = db_->config_summaries(campaign_);
  ASSERT_TRUE(rows.ok()) << rows.error();
  ASSERT_EQ(rows->size(), 3u);
  std::map<std::string, SummaryRow> by_label;
  for (const auto& [key, s] : *rows) {
    EXPECT_EQ(key, "K");
    by_label[s.label] = s;
  }
  ASSERT_EQ(by_label.size(), 3u);
  const SummaryRow& all = by_label.at("*");
  EXPECT_EQ(all.repetitions, 2);
  EXPECT_EQ(all.count, 4u);  // 2 per run once the warm-up request is left out
  EXPECT_NEAR(all.mean_s, 0.3, 1e-12);
  EXPECT_DOUBLE_EQ(all.success_rate, 1.0);
  // Means 0.2 and 0.4: s = √0.02, half-width t(1) · s / √2 = 12.706 · 0.1.
  ASSERT_TRUE(all.mean_s_ci95);
  EXPECT_NEAR(*all.mean_s_ci95, 1.2706, 1e-9);
  ASSERT_TRUE(all.success_rate_ci95);
  EXPECT_NEAR(*all.success_rate_ci95, 0.0, 1e-12);
  const SummaryRow& a = by_label.at("a");
  EXPECT_EQ(a.repetitions, 2);
  EXPECT_NEAR(a.mean_s, 0.2, 1e-12);  // 0.1 and 0.3
  EXPECT_NEAR(*a.mean_s_ci95, 1.2706, 1e-9);
  const SummaryRow& b = by_label.at("b");
  EXPECT_NEAR(b.mean_s, 0.4, 1e-12);  // 0.3 and 0.5
  EXPECT_NEAR(b.max_s, 0.4, 1e-12);

  // L now too; K's rows stay as they were.
  ASSERT_TRUE(update_config_summaries(*db_, campaign_, "L").ok());
  rows = db_->config_summaries(campaign_);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 6u);
  for (const auto& [key, s] : *rows) {
    if (key != "L") continue;
    EXPECT_EQ(s.repetitions, 1);
    EXPECT_EQ(s.mean_s_ci95, std::nullopt);
    if (s.label == "*") {
      EXPECT_NEAR(s.mean_s, 0.1, 1e-12);
    }
  }
  // A configuration without complete runs has nothing to summarise.
  ASSERT_TRUE(update_config_summaries(*db_, campaign_, "M").ok());
  EXPECT_EQ(db_->config_summaries(campaign_)->size(), 6u);
}

}  // namespace
}  // namespace faaslab::experiment
