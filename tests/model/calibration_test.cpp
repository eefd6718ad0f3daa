// Calibration from a results database, its JSON, validation and planning, end to end on a
// synthetic campaign whose true parameters are known.
#include <gtest/gtest.h>

#include <unistd.h>
#include <fstream>

#include "model/calibration.h"
#include "model/plan.h"
#include "model/validate.h"
#include "synthetic_campaign.h"

namespace faaslab::model {
namespace {

namespace fs = std::filesystem;

fs::path temp(const std::string& name) {
  return fs::temp_directory_path() /
         ("faaslab-model-test-" + std::to_string(::getpid()) + "-" + name);
}

class CalibrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    campaign_ = new testing::SyntheticCampaign(testing::make_campaign(temp("campaign.db")));
  }
  static void TearDownTestSuite() {
    fs::remove(campaign_->path);
    delete campaign_;
  }
  std::unique_ptr<experiment::ResultsDb> open() {
    auto db = experiment::ResultsDb::open(campaign_->path.string());
    EXPECT_TRUE(db) << db.error();
    return std::move(*db);
  }
  static testing::SyntheticCampaign* campaign_;
};
testing::SyntheticCampaign* CalibrationTest::campaign_ = nullptr;

TEST_F(CalibrationTest, DefaultFitUsesTheLightestLoad) {
  auto db = open();
  auto cal = fit(*db, campaign_->path.string(), {});
  ASSERT_TRUE(cal) << cal.error();
  ASSERT_EQ(cal->groups.size(), 1u);
  const auto& g = cal->groups[0];
  EXPECT_EQ(g.key(), "classic/jpeg/640x480");
  EXPECT_EQ(cal->cores, 2);
  EXPECT_EQ(cal->fitted_runs, (std::vector<std::int64_t>{campaign_->runs[0], campaign_->runs[1]}));
  EXPECT_NEAR(g.handler.mean(), 0.08, 0.006);
  EXPECT_NEAR(g.handler.scv(), 0.2, 0.07);
  EXPECT_NEAR(g.overhead.mean(), 0.03, 1e-5);
  EXPECT_FALSE(g.overhead_cpu_fitted);
  EXPECT_NEAR(g.client_s, 0, 1e-5);
}

TEST_F(CalibrationTest, LoadedRunsFitTheOverheadsCpuShare) {
  auto db = open();
  FitOptions o;
  o.runs.push_back(*RunSelector::parse("users=1|8"));
  auto cal = fit(*db, campaign_->path.string(), o);
  ASSERT_TRUE(cal) << cal.error();
  const auto& g = cal->groups[0];
  EXPECT_TRUE(g.overhead_cpu_fitted);
  EXPECT_NEAR(g.overhead_cpu, 1.0, 0.5);  // the truth, within the noise of two short runs
  EXPECT_EQ(cal->fitted_runs.size(), 4u);
  EXPECT_TRUE(g.provenance.contains("overhead_cpu_fits"));
}

TEST_F(CalibrationTest, JsonRoundTripAndMissingFields) {
  auto db = open();
  auto cal = fit(*db, campaign_->path.string(), {});
  ASSERT_TRUE(cal);
  const fs::path file = temp("model.json");
  ASSERT_TRUE(cal->save(file.string()));
  auto back = Calibration::load(file.string());
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->fitted_runs, cal->fitted_runs);
  EXPECT_NEAR(back->groups[0].handler.mean(), cal->groups[0].handler.mean(), 1e-3);
  EXPECT_NE(back->find("classic"), nullptr);
  EXPECT_EQ(back->find("http"), nullptr);
  fs::remove(file);

  auto j = cal->to_json();
  j["groups"][0].erase("handler");
  auto missing = Calibration::from_json(j);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("groups[0]: missing field handler"), std::string::npos);
  j = cal->to_json();
  j["groups"][0]["handler"].erase("quantiles");
  j["groups"][0]["handler"].erase("mean_s");
  EXPECT_NE(Calibration::from_json(j).error().find("mean_s"), std::string::npos);
  j = cal->to_json();
  j.erase("cores");
  EXPECT_NE(Calibration::from_json(j).error().find("cores"), std::string::npos);
  j = cal->to_json();
  j["format"] = "something else";
  EXPECT_FALSE(Calibration::from_json(j));
  EXPECT_FALSE(Calibration::load("/nonexistent/model.json"));
}

TEST_F(CalibrationTest, ValidationJudgesOnlyWhatWasNotFitted) {
  auto db = open();
  FitOptions o;
  o.runs.push_back(*RunSelector::parse("users=1|8"));
  auto cal = fit(*db, campaign_->path.string(), o);
  ASSERT_TRUE(cal) << cal.error();
  ValidateOptions vo;
  vo.replications = 4;
  auto report = validate_campaign(*db, *cal, vo);
  ASSERT_TRUE(report) << report.error();
  ASSERT_EQ(report->rows.size(), 4u);
  EXPECT_EQ(report->judged(), 2);  // users 4 and 16
  for (const auto& r : report->rows) {
    EXPECT_TRUE(r.error.empty()) << r.error;
    EXPECT_EQ(r.repetitions, 2);
    if (!r.judged) continue;
    // The model family is the truth's: only noise separates them.
    EXPECT_LT(std::abs(r.mean_error), 0.10) << r.config_key;
    EXPECT_LT(std::abs(r.throughput_error), 0.05) << r.config_key;
    EXPECT_LT(std::abs(r.p95_error), 0.20) << r.config_key;
    EXPECT_TRUE(r.success_ok) << r.config_key;
    // "Inside the spread": the prediction within the measured 95% half-width.
    ASSERT_TRUE(r.measured.mean_s_ci95.has_value());
    EXPECT_EQ(r.mean_in_spread,
              std::abs(r.predicted.mean_s - r.measured.mean_s) <= *r.measured.mean_s_ci95);
  }
  const auto j = report->to_json();
  EXPECT_EQ(j["rows"].size(), 4u);
  for (const char* k : {"config_key", "config", "measured", "predicted", "errors", "pass", "fitted",
                        "judged", "knee", "at_or_above_knee", "in_measured_ci95"})
    EXPECT_TRUE(j["rows"][0].contains(k)) << k;
  EXPECT_EQ(j["missed_metrics"], report->missed_metrics());
  const std::string table = report->table();
  EXPECT_NE(table.find("fitted"), std::string::npos);
  // Rows are named by what varies between them (users here), not by the settings all share.
  EXPECT_NE(table.find("\nusers=16 "), std::string::npos) << table;
  EXPECT_EQ(table.find("replicas=1"), std::string::npos) << table;
}

// Two light runs of one user, 20 requests each: back to back (100 ms, handler 90 ms) and after
// a 0.5 s think (120 ms, handler 110 ms). Fitted together, the after-idle requests give the idle
// penalty, 20 ms, and stay out of the handler's samples; fitted alone, either run gives none.
TEST(CalibrationFit, RequestsAfterAnIdleGapGiveTheIdlePenalty) {
  const fs::path path = temp("idle.db");
  fs::remove(path);
  {
    auto db = experiment::ResultsDb::open(path.string());
    ASSERT_TRUE(db) << db.error();
    auto campaign = (*db)->create_campaign("idle", "", {}, {{"cores", 2}}, {});
    ASSERT_TRUE(campaign);
    for (const double think : {0.0, 0.5}) {
      experiment::RunColumns c = testing::closed_run_columns(1, think, "http");
      c.ordinal = think > 0 ? 1 : 0;
      auto run = (*db)->begin_run(*campaign, c);
      ASSERT_TRUE(run);
      const double latency = think > 0 ? 0.120 : 0.100;
      double t = 0;
      for (std::uint64_t k = 0; k < 20; ++k) {
        t += think;
        experiment::RequestRow q;
        q.sequence = k;
        q.label = "frame";
        q.intended_us = q.start_us = static_cast<std::int64_t>(t * 1e6);
        t += latency;
        q.end_us = static_cast<std::int64_t>(t * 1e6);
        q.intended_wall_us = q.start_wall_us = q.intended_us + 1'700'000'000'000'000;
        q.end_wall_us = q.end_us + 1'700'000'000'000'000;
        q.latency_us = q.service_us = q.end_us - q.intended_us;
        q.outcome = "ok";
        q.status = 200;
        q.handler_s = latency - 0.010;
        ASSERT_TRUE((*db)->add_request(*run, q));
      }
      ASSERT_TRUE((*db)->finish_run(*run, experiment::RunStatus::kComplete, "", false));
    }
  }
  auto db = experiment::ResultsDb::open(path.string());
  ASSERT_TRUE(db);
  FitOptions both;
  both.runs.push_back(*RunSelector::parse("users=1"));
  auto cal = fit(**db, path.string(), both);
  ASSERT_TRUE(cal) << cal.error();
  ASSERT_EQ(cal->groups.size(), 1u);
  const auto& g = cal->groups.front();
  EXPECT_NEAR(g.idle_penalty_s, 0.020, 1e-6);
  // The handler from the back-to-back requests and the two runs' first ones (neither kind).
  EXPECT_NEAR(g.handler.mean(), (20 * 0.090 + 0.110) / 21, 1e-6);
  EXPECT_EQ(g.provenance["idle_penalty"]["after_idle_requests"], 19);
  EXPECT_EQ(g.provenance["idle_penalty"]["back_to_back_requests"], 19);
  EXPECT_NEAR(system_for(experiment::RunColumns{}, g, 2).idle_penalty_s, 0.020, 1e-6);
  // Kept in the file; an older file without it reads as 0; a negative one is an error.
  auto j = cal->to_json();
  EXPECT_NEAR(Calibration::from_json(j)->groups.front().idle_penalty_s, 0.020, 1e-6);
  j["groups"][0].erase("idle_penalty_s");
  EXPECT_EQ(Calibration::from_json(j)->groups.front().idle_penalty_s, 0);
  j["groups"][0]["idle_penalty_s"] = -1;
  EXPECT_NE(Calibration::from_json(j).error().find("idle_penalty_s"), std::string::npos);
  // One kind only: no penalty, every request a sample.
  for (const char* only : {"think=0", "think=0.5"}) {
    FitOptions one;
    one.runs.push_back(*RunSelector::parse(only));
    auto c = fit(**db, path.string(), one);
    ASSERT_TRUE(c) << c.error();
    EXPECT_EQ(c->groups.front().idle_penalty_s, 0) << only;
    EXPECT_FALSE(c->groups.front().provenance.contains("idle_penalty")) << only;
  }
  fs::remove(path);
}

// One repetition per configuration: the measured intervals come from batch means of the run.
TEST(ValidationTest, OneRepetitionGetsBatchMeansIntervals) {
  const auto single = testing::make_campaign(temp("single.db"), {1, 4, 8}, 1);
  auto db = experiment::ResultsDb::open(single.path.string());
  ASSERT_TRUE(db) << db.error();
  FitOptions o;
  o.runs.push_back(*RunSelector::parse("users=1|8"));
  auto cal = fit(**db, single.path.string(), o);
  ASSERT_TRUE(cal) << cal.error();
  auto report = validate_campaign(**db, *cal, {});
  ASSERT_TRUE(report) << report.error();
  ASSERT_EQ(report->judged(), 1);  // users 4
  for (const auto& r : report->rows) {
    EXPECT_EQ(r.repetitions, 1);
    EXPECT_EQ(r.interval, "batch means") << r.config_key;
    ASSERT_TRUE(r.measured.mean_s_ci95) << r.config_key;
    EXPECT_GT(*r.measured.mean_s_ci95, 0) << r.config_key;
    EXPECT_TRUE(r.measured.throughput_rps_ci95) << r.config_key;
  }
  EXPECT_EQ(report->to_json()["rows"][1]["interval"], "batch means");
  EXPECT_EQ(report->passed() + report->cannot_tell() + report->missed(), 1);
  fs::remove(single.path);
}

TEST(ValidationReportTest, ThreeVerdictsWithinCannotTellMiss) {
  ValidationReport report;
  ValidationRow within, inside, outside, fitted;
  within.config_key = "users=2";
  within.mean_ok = within.p95_ok = within.throughput_ok = within.success_ok = true;
  inside.config_key = "users=4";
  inside.mean_ok = false, inside.mean_in_spread = true;
  inside.p95_ok = inside.throughput_ok = inside.success_ok = true;
  outside.config_key = "users=8";
  outside.mean_ok = false, outside.mean_in_spread = true;  // one figure inside, one not: a miss
  outside.p95_ok = outside.success_ok = true;
  outside.throughput_ok = false, outside.throughput_in_spread = false;
  within.interval = inside.interval = "batch means";
  outside.interval = "repetitions";
  fitted.config_key = "users=1";
  fitted.fitted = true, fitted.judged = false;  // its misses are not counted
  report.rows = {within, inside, outside, fitted};
  EXPECT_EQ(within.verdict(), Verdict::kWithin);
  EXPECT_EQ(inside.verdict(), Verdict::kCannotTell);
  EXPECT_EQ(outside.verdict(), Verdict::kMiss);
  EXPECT_EQ(report.passed(), 1);
  EXPECT_EQ(report.cannot_tell(), 1);
  EXPECT_EQ(report.missed(), 1);
  EXPECT_EQ(report.judged(), 3);
  EXPECT_EQ(report.missed_metrics(), 3);
  EXPECT_EQ(report.missed_metrics_in_spread(), 2);
  EXPECT_EQ(report.verdict_line(),
            "1 within every target, 1 cannot tell (outside a target, inside the measurement's "
            "95% interval), 1 missed, of 3 configurations");
  const std::string table = report.table();
  EXPECT_NE(table.find("cannot tell: mean*\n"), std::string::npos) << table;
  EXPECT_NE(table.find("MISS: mean* tput\n"), std::string::npos) << table;
  EXPECT_NE(table.find("measured 95% intervals: batch means 2 repetitions 1;"), std::string::npos)
      << table;
  const auto j = report.to_json();
  EXPECT_EQ(j["cannot_tell"], 1);
  EXPECT_EQ(j["missed"], 1);
  EXPECT_EQ(j["rows"][1]["verdict"], "cannot tell");
  EXPECT_EQ(j["rows"][2]["verdict"], "miss");
  EXPECT_FALSE(j["rows"][3].contains("verdict")) << "a fitted row is not judged";
}

TEST_F(CalibrationTest, SelectorsAndErrors) {
  EXPECT_FALSE(RunSelector::parse(""));
  EXPECT_FALSE(RunSelector::parse("users"));
  EXPECT_FALSE(RunSelector::parse("colour=blue"));
  auto s = RunSelector::parse("mode=classic,users=4|16");
  ASSERT_TRUE(s);
  auto db = open();
  auto runs = db->runs(campaign_->campaign);
  int matched = 0;
  for (const auto& r : *runs) matched += s->matches(r);
  EXPECT_EQ(matched, 4);
  FitOptions none;
  none.runs.push_back(*RunSelector::parse("users=99"));
  auto cal = fit(*db, campaign_->path.string(), none);
  ASSERT_FALSE(cal);
  EXPECT_NE(cal.error().find("users=99"), std::string::npos);
  // One selector of two matching nothing is an error too, naming it; think as a duration.
  none.runs.insert(none.runs.begin(), *RunSelector::parse("users=1"));
  cal = fit(*db, campaign_->path.string(), none);
  ASSERT_FALSE(cal);
  EXPECT_NE(cal.error().find("no complete run matches users=99"), std::string::npos) << cal.error();
  FitOptions as_duration;
  as_duration.runs.push_back(*RunSelector::parse("users=1,think=500ms"));
  EXPECT_TRUE(fit(*db, campaign_->path.string(), as_duration));
}

TEST_F(CalibrationTest, PlanFindsTheSmallestReplicaCount) {
  Workload w;
  w.rate = 30;  // 2 cores serve ~18/s of 110 ms requests: cores are the limit
  auto make = [](Mode mode, int replicas) -> Result<System> {
    System s;
    s.mode = mode;
    s.replicas = replicas;
    s.concurrency = 1;
    s.service = Distribution::exponential(0.1);
    return s;
  };
  std::vector<Objective> obj = {*Objective::parse("p95<500ms"), *Objective::parse("success>=0.99")};
  PlanOptions o;
  o.predict.method = Method::kErlang;
  auto p = plan(w, make, obj, o);
  ASSERT_TRUE(p) << p.error();
  ASSERT_TRUE(p->chosen);
  ASSERT_TRUE(p->smaller);
  EXPECT_EQ(p->smaller->replicas + 1, p->chosen->replicas);
  EXPECT_FALSE(p->smaller->meets);
  EXPECT_LT(p->chosen->prediction->summary.p95_s, 0.5);
  // 3 replicas at 30/s of 0.1 s is unstable (ρ = 1): reported as such, not as numbers.
  bool saw_unstable = false;
  for (const auto& t : p->tried) saw_unstable = saw_unstable || !t.unstable.empty();
  EXPECT_TRUE(saw_unstable);
  // Unreachable objectives: no choice, not an error.
  o.max_replicas = 3;
  auto none = plan(w, make, obj, o);
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->chosen);
  EXPECT_FALSE(Objective::parse("p95"));
  EXPECT_FALSE(Objective::parse("p97<2s"));
  EXPECT_FALSE(Objective::parse("p95<fast"));
  EXPECT_FALSE(Objective::parse("success>=most"));
  EXPECT_NEAR(Objective::parse("success>=99%")->value, 0.99, 1e-12);
  EXPECT_FALSE(plan(w, make, {}, o));
}

}  // namespace
}  // namespace faaslab::model

namespace faaslab::model {
namespace {

// A fork-mode run is a process per request, as a classic one: unlimited concurrency, killed at
// exec_timeout; an http-mode run serves its workers and keeps working on what it abandoned.
TEST(Calibration, ForkModeRunsAreAProcessPerRequest) {
  ASSERT_TRUE(parse_mode("fork"));
  EXPECT_EQ(*parse_mode("fork"), Mode::kFork);
  EXPECT_EQ(to_string(Mode::kFork), "fork");
  EXPECT_TRUE(process_per_request(Mode::kFork));
  EXPECT_TRUE(process_per_request(Mode::kClassic));
  EXPECT_FALSE(process_per_request(Mode::kHttp));
  GroupCalibration g;
  g.workers = 2;
  for (const char* mode : {"fork", "classic", "http"}) {
    experiment::RunColumns run;
    run.mode = mode;
    run.routing = "random";
    run.timeout_s = 25;
    const System s = system_for(run, g, 2, CoreScheduling::kPerCore);
    EXPECT_EQ(to_string(s.mode), mode);
    const bool per_request = std::string(mode) != "http";
    EXPECT_EQ(s.concurrency, per_request ? 0 : 2) << mode;
    EXPECT_EQ(s.cancel_on_timeout, per_request) << mode;
  }
}

}  // namespace
}  // namespace faaslab::model
