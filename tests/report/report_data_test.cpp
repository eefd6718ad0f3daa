// build_report_data on a results database with known contents: a campaign of two
// configurations (one with two repetitions), a failed run, warm-up requests, failures of two
// kinds, a cold start and replica events, written through the results_db API; every figure
// the report shows is compared with values worked out by hand from those rows.
#include "report/report_data.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "experiment/results_db.h"
#include "experiment/summaries.h"
#include "report/report.h"

namespace faaslab::report {
namespace {

namespace fs = std::filesystem;
using experiment::EventRow;
using experiment::RequestRow;
using experiment::ResultsDb;
using experiment::RunColumns;
using experiment::RunStatus;
using nlohmann::json;

constexpr double kEps = 1e-9;
constexpr std::int64_t kSecond = 1'000'000;

// A request of `user`, intended at `at_s` and ended at `end_s` (wall clock, seconds), its
// latency the difference; 1 KiB received, 512 B sent.
RequestRow request(std::uint64_t user, std::uint64_t sequence, double at_s, double end_s,
                   int status = 200, const std::string& outcome = "ok") {
  RequestRow r;
  r.user = user;
  r.sequence = sequence;
  r.label = "frame-0";
  r.intended_wall_us = r.start_wall_us = std::llround(at_s * kSecond);
  r.end_wall_us = std::llround(end_s * kSecond);
  r.intended_us = r.start_us = r.intended_wall_us - 1000 * kSecond;  // monotonic: any origin
  r.end_us = r.end_wall_us - 1000 * kSecond;
  r.latency_us = r.end_wall_us - r.intended_wall_us;
  r.service_us = *r.latency_us;
  r.status = status;
  r.outcome = outcome;
  r.bytes_received = 1024;
  r.bytes_sent = 512;
  if (outcome != "ok") r.error = outcome;
  return r;
}

RunColumns closed_config(const std::string& mode, std::int64_t users, double think_s,
                         int repetition, int ordinal) {
  RunColumns c;
  c.config_key = "users=" + std::to_string(users) + " mode=" + mode;
  c.repetition = repetition;
  c.ordinal = ordinal;
  c.users = users;
  c.think_s = think_s;
  c.think_dist = "constant";
  c.replicas = 1;
  c.mode = mode;
  c.routing = "random";
  c.codec = "jpeg";
  c.timeout_s = 25;
  c.cores = 2;
  c.target = "embedded";
  return c;
}

EventRow event(std::uint64_t seq, double at_s, const std::string& kind,
               std::optional<double> seconds = std::nullopt) {
  EventRow e;
  e.seq = seq;
  e.wall_us = std::llround(at_s * kSecond);
  e.function = "fn";
  e.replica = "fn-1";
  e.kind = kind;
  e.seconds = seconds;
  return e;
}

// The campaign, as the sweep records one: requests, events, warm-up marks, run summaries,
// the run finished, the configuration's summaries.
class ReportData : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = fs::temp_directory_path() /
            ("faaslab-report-data-test-" + std::to_string(::getpid()) + ".db");
    fs::remove(path_);
    auto db = ResultsDb::open(path_.string());
    ASSERT_TRUE(db) << db.error();
    db_ = std::move(*db);
    auto id = db_->create_campaign("hand", "/campaigns/hand.yaml", {{"name", "hand"}},
                                   {{"cores", 2}}, {{"faaslab", "test"}});
    ASSERT_TRUE(id) << id.error();
    campaign_ = *id;

    // Configuration A (http, 2 users, think 0), repetition 1 at t = 10 s. The first request
    // (by intended start) is warm-up. Measured latencies 0.1, 0.3, 0.8 (503), 1.7 s.
    a0_ = add_run(closed_config("http", 2, 0, 0, 0), RunStatus::kComplete, true,
                  {request(0, 0, 10.0, 10.05), request(0, 1, 10.1, 10.2), request(1, 0, 10.1, 10.4),
                   request(0, 2, 10.2, 11.0, 503, "http_error"), request(1, 1, 10.4, 12.1)},
                  {event(1, 9.0, "start"), event(2, 9.5, "ready", 0.5),
                   event(3, 10.1, "cold_start", 0.2), event(4, 12.2, "stop")},
                  1);
    // Configuration B (classic, 1 user, think 0.5 s) at t = 15 s: 0.25 s twice.
    b0_ = add_run(closed_config("classic", 1, 0.5, 0, 1), RunStatus::kComplete, false,
                  {request(0, 0, 15.0, 15.25), request(0, 1, 15.75, 16.0)}, {}, 0);
    // Configuration A, repetition 2 at t = 20 s: 0.2, 0.4, 0.8 s, and a timeout at 0.6 s.
    a1_ = add_run(closed_config("http", 2, 0, 1, 2), RunStatus::kComplete, false,
                  {request(0, 0, 20.0, 20.2), request(1, 0, 20.0, 20.4), request(0, 1, 20.2, 21.0),
                   request(1, 1, 20.4, 21.0, 0, "timeout")},
                  {}, 0);
    // A failed run of B: in the database, nowhere in the report.
    failed_ = add_run(closed_config("classic", 1, 0.5, 1, 3), RunStatus::kFailed, false,
                      {request(0, 0, 30.0, 39.0)}, {}, 0);
    for (const char* key : {"users=2 mode=http", "users=1 mode=classic"})
      ASSERT_TRUE(experiment::update_config_summaries(*db_, campaign_, key));
  }
  void TearDown() override {
    db_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path_.string() + suffix);
  }

  std::int64_t add_run(const RunColumns& c, RunStatus status, bool first_cold,
                       const std::vector<RequestRow>& requests, const std::vector<EventRow>& events,
                       std::uint64_t warmup) {
    auto id = db_->begin_run(campaign_, c);
    EXPECT_TRUE(id) << id.error();
    for (const auto& r : requests) EXPECT_TRUE(db_->add_request(*id, r));
    EXPECT_TRUE(db_->add_events(*id, events));
    if (warmup) {
      EXPECT_TRUE(db_->mark_warmup(*id, warmup));
    }
    if (status == RunStatus::kComplete) {
      auto rows = db_->requests(*id);
      EXPECT_TRUE(rows);
      for (const auto& s : experiment::summarise_run(*rows))
        EXPECT_TRUE(db_->put_run_summary(*id, s));
    }
    EXPECT_TRUE(
        db_->finish_run(*id, status, status == RunStatus::kComplete ? "" : "killed", first_cold));
    return *id;
  }

  json build(const ApdexThresholds& apdex = {}) {
    auto data = build_report_data(*db_, campaign_, apdex);
    EXPECT_TRUE(data) << data.error();
    return data ? *data : json::object();
  }

  fs::path path_;
  std::unique_ptr<ResultsDb> db_;
  std::int64_t campaign_ = 0, a0_ = 0, b0_ = 0, a1_ = 0, failed_ = 0;
};

TEST_F(ReportData, TheCampaignAndItsConfigurationsInRunOrder) {
  const json d = build();
  EXPECT_EQ(d["campaign"]["id"], campaign_);
  EXPECT_EQ(d["campaign"]["name"], "hand");
  EXPECT_EQ(d["campaign"]["machine"]["cores"], 2);
  EXPECT_EQ(d["apdex"], json({{"satisfied_s", 0.5}, {"tolerated_s", 1.5}}));
  EXPECT_EQ(d["validation"], json::array());
  ASSERT_EQ(d["configs"].size(), 2u);
  const json& a = d["configs"][0];
  const json& b = d["configs"][1];
  EXPECT_EQ(a["key"], "users=2 mode=http");
  EXPECT_EQ(a["runs"], json({a0_, a1_})) << "the failed run is left out";
  EXPECT_EQ(b["runs"], json({b0_}));
  // Only the mode varies, so labels name the mode, the users and the think time.
  EXPECT_EQ(a["group"], "http");
  EXPECT_EQ(a["short"], "http, 2 users, think 0s");
  EXPECT_EQ(b["short"], "classic, 1 user, think 500ms");
  EXPECT_EQ(a["users"], 2);
  EXPECT_EQ(b["think_s"], 0.5);
  EXPECT_TRUE(a["rate"].is_null());
  EXPECT_EQ(a["frame"], "0x0");
  EXPECT_EQ(a["codec"], "jpeg");
}

TEST_F(ReportData, ConfigurationSummariesAreMeansOverRepetitions) {
  const json d = build();
  const json& a = d["configs"][0]["summary"];
  // Repetition 1 (warm-up left out): 4 requests, 3 ok, over 10.1 -> 12.1 s = 2 s: 2/s, mean
  // (0.1 + 0.3 + 0.8 + 1.7) / 4 = 0.725 s, p95 1.7 s. Repetition 2: 4 requests, 3 ok, over
  // 20.0 -> 21.0 s: 4/s, mean (0.2 + 0.4 + 0.8 + 0.6) / 4 = 0.5 s, p95 0.8 s.
  EXPECT_EQ(a["count"], 8);
  EXPECT_EQ(a["repetitions"], 2);
  EXPECT_NEAR(a["success_rate"].get<double>(), 0.75, kEps);
  EXPECT_NEAR(a["throughput_rps"].get<double>(), 3.0, kEps);
  EXPECT_NEAR(a["mean_s"].get<double>(), 0.6125, kEps);
  EXPECT_NEAR(a["p95_s"].get<double>(), 1.25, kEps);
  EXPECT_NEAR(a["min_s"].get<double>(), 0.15, kEps);
  EXPECT_NEAR(a["max_s"].get<double>(), 1.25, kEps);
  // 95% CI of a mean of two: t(1) · |x1 − x2| / 2.
  EXPECT_NEAR(a["mean_s_ci95"].get<double>(), 12.706 * 0.225 / 2, 1e-6);
  EXPECT_NEAR(a["throughput_rps_ci95"].get<double>(), 12.706 * 2.0 / 2, 1e-6);
  EXPECT_NEAR(a["success_rate_ci95"].get<double>(), 0.0, kEps);
  const json& b = d["configs"][1]["summary"];
  EXPECT_EQ(b["count"], 2);
  EXPECT_EQ(b["repetitions"], 1);
  EXPECT_NEAR(b["success_rate"].get<double>(), 1.0, kEps);
  EXPECT_NEAR(b["throughput_rps"].get<double>(), 2.0, kEps);  // 2 over 15.0 -> 16.0 s
  EXPECT_NEAR(b["mean_s"].get<double>(), 0.25, kEps);
  EXPECT_FALSE(b.contains("mean_s_ci95")) << "no interval from one repetition";
}

TEST_F(ReportData, StatisticsAndApdexPoolTheRepetitionsRequests) {
  const json d = build();
  const json& a = d["configs"][0]["statistics"];
  // 8 measured requests: 0.1 0.2 0.3 0.4 0.6 0.8 0.8 1.7 s sorted; the 503 and the timeout
  // are errors.
  EXPECT_EQ(a["samples"], 8);
  EXPECT_EQ(a["errors"], 2);
  EXPECT_NEAR(a["error_pct"].get<double>(), 25.0, kEps);
  EXPECT_NEAR(a["mean_s"].get<double>(), 4.9 / 8, kEps);
  EXPECT_NEAR(a["min_s"].get<double>(), 0.1, kEps);
  EXPECT_NEAR(a["max_s"].get<double>(), 1.7, kEps);
  EXPECT_NEAR(a["p50_s"].get<double>(), 0.4, kEps);  // nearest rank 4 of 8
  EXPECT_NEAR(a["p90_s"].get<double>(), 1.7, kEps);  // rank 8
  EXPECT_NEAR(a["p95_s"].get<double>(), 1.7, kEps);
  EXPECT_NEAR(a["p99_s"].get<double>(), 1.7, kEps);
  // Per second of measurement: the two runs' windows, 2 s + 1 s (not the 10.1 -> 21.0 s span,
  // which holds configuration B's run).
  EXPECT_NEAR(a["throughput_rps"].get<double>(), 8.0 / 3.0, kEps);
  EXPECT_NEAR(a["received_kbps"].get<double>(), 8.0 / 3.0, kEps);  // 8 KiB in 3 s
  EXPECT_NEAR(a["sent_kbps"].get<double>(), 4.0 / 3.0, kEps);
  // APDEX (0.5 s, 1.5 s): satisfied 0.1 0.3 0.2 0.4; tolerating 0.8 (ok); frustrated the ok
  // 1.7 s and both errors.
  EXPECT_EQ(a["apdex_satisfied"], 4);
  EXPECT_EQ(a["apdex_tolerating"], 1);
  EXPECT_EQ(a["apdex_frustrated"], 3);
  EXPECT_NEAR(a["apdex"].get<double>(), (4 + 0.5) / 8, kEps);
  const json& b = d["configs"][1]["statistics"];
  EXPECT_EQ(b["samples"], 2);
  EXPECT_EQ(b["errors"], 0);
  EXPECT_NEAR(b["throughput_rps"].get<double>(), 2.0, kEps);
  EXPECT_NEAR(b["apdex"].get<double>(), 1.0, kEps);

  // Other thresholds move requests between the APDEX classes: 0.3 s / 1 s.
  const json strict = build({0.3, 1.0})["configs"][0]["statistics"];
  EXPECT_EQ(strict["apdex_satisfied"], 3);   // 0.1 0.3 0.2
  EXPECT_EQ(strict["apdex_tolerating"], 2);  // 0.4 0.8
  EXPECT_NEAR(strict["apdex"].get<double>(), (3 + 1.0) / 8, kEps);
}

TEST_F(ReportData, RunsCarryTheirFramesColdStartsAndReplicas) {
  const json d = build();
  ASSERT_EQ(d["runs"].size(), 3u);
  const json& r = d["runs"][0];
  EXPECT_EQ(r["id"], a0_);
  EXPECT_EQ(r["config"], 0);
  EXPECT_EQ(r["repetition"], 0);
  EXPECT_EQ(r["label"], "http, 2 users, think 0s");
  EXPECT_EQ(d["runs"][1]["config"], 1);
  EXPECT_EQ(d["runs"][2]["label"], "http, 2 users, think 0s, repetition 2");
  EXPECT_EQ(r["first_request_cold"], true);
  EXPECT_EQ(d["runs"][1]["first_request_cold"], false);
  // Per user, by sequence: [frame number, latency, handler, ML, cold]; the warm-up request
  // (user 0's first) is left out.
  ASSERT_EQ(r["per_frame"].size(), 2u);
  EXPECT_EQ(r["per_frame"][0]["user"], 0);
  const json& u0 = r["per_frame"][0]["points"];
  ASSERT_EQ(u0.size(), 2u);
  EXPECT_EQ(u0[0][0], 2);
  EXPECT_NEAR(u0[0][1].get<double>(), 0.1, kEps);
  EXPECT_EQ(u0[1][0], 3);
  EXPECT_NEAR(u0[1][1].get<double>(), 0.8, kEps);
  EXPECT_TRUE(u0[1][2].is_null()) << "no handler time reported";
  EXPECT_EQ(r["per_frame"][1]["points"].size(), 2u);
  // Replica events, seconds from the run's first intended start (10.0 s): ready at -0.5 s (its
  // start-to-ready 0.5 s), stopped at 2.2 s; a step series from 0 replicas.
  EXPECT_EQ(r["replicas"], json::parse("[[-0.5, 0], [-0.5, 1], [2.2, 0]]"));
  EXPECT_EQ(r["ready_seconds"], json({0.5}));
  EXPECT_EQ(r["cold_start_seconds"], json({0.2}));
  EXPECT_EQ(d["runs"][1]["replicas"], json::parse("[[0, 0]]"));
}

TEST_F(ReportData, TheTimelineBucketsTheRunsRequests) {
  const json t = build()["runs"][0]["timeline"];
  // From 10.0 s (the first intended start, warm-up included) to the last end at 12.1 s: 2.1 s,
  // in 100 ms buckets (the smallest width giving under 60), 22 of them.
  EXPECT_NEAR(t["bucket_s"].get<double>(), 0.1, kEps);
  ASSERT_EQ(t["t"].size(), 22u);
  EXPECT_NEAR(t["t"][21].get<double>(), 2.1, kEps);
  // Completions: 0.1 s at 10.2 (bucket 2), 0.3 s at 10.4 (4), the 503 at 11.0 (10), 1.7 s at
  // 12.1 (21): one each, 10 per second of bucket.
  const std::map<int, double> latency_at = {{2, 0.1}, {4, 0.3}, {10, 0.8}, {21, 1.7}};
  for (int i = 0; i < 22; ++i) {
    const auto it = latency_at.find(i);
    if (it == latency_at.end()) {
      EXPECT_EQ(t["completed"][i], 0) << i;
      EXPECT_TRUE(t["mean_s"][i].is_null()) << i;
      EXPECT_TRUE(t["p90_s"][i].is_null()) << i;
    } else {
      EXPECT_NEAR(t["completed"][i].get<double>(), 10.0, kEps) << i;
      EXPECT_NEAR(t["mean_s"][i].get<double>(), it->second, kEps) << i;
      EXPECT_NEAR(t["p90_s"][i].get<double>(), it->second, kEps) << i;
    }
    // Active users: user 0 from 10.1 to 11.0 s (buckets 1-10), user 1 from 10.1 to 12.1 s
    // (1-21).
    EXPECT_EQ(t["active"][i], i == 0 ? 0 : i <= 10 ? 2 : 1) << i;
    EXPECT_NEAR(t["codes"]["200"][i].get<double>(), i == 2 || i == 4 || i == 21 ? 10.0 : 0.0, kEps)
        << i;
    EXPECT_NEAR(t["codes"]["503"][i].get<double>(), i == 10 ? 10.0 : 0.0, kEps) << i;
  }
  EXPECT_EQ(t["codes"].size(), 2u);
  // The second repetition's timeout has no HTTP status: counted under its outcome.
  const json t2 = build()["runs"][2]["timeline"];
  double timeouts = 0;
  for (const auto& v : t2["codes"]["timeout"]) timeouts += v.get<double>();
  EXPECT_NEAR(timeouts * t2["bucket_s"].get<double>(), 1.0, kEps);
}

TEST_F(ReportData, TheLatestCampaignByDefaultAndClearErrors) {
  auto latest = build_report_data(*db_, std::nullopt, {});
  ASSERT_TRUE(latest) << latest.error();
  EXPECT_EQ((*latest)["campaign"]["id"], campaign_);
  auto missing = build_report_data(*db_, campaign_ + 100, {});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find(std::to_string(campaign_ + 100)), std::string::npos);
  // A campaign whose only run failed has nothing to report.
  auto empty = db_->create_campaign("empty", "", json::object(), json::object(), json::object());
  ASSERT_TRUE(empty);
  auto run = db_->begin_run(*empty, closed_config("http", 1, 0, 0, 0));
  ASSERT_TRUE(run);
  ASSERT_TRUE(db_->finish_run(*run, RunStatus::kFailed, "killed", false));
  auto none = build_report_data(*db_, *empty, {});
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().find("no complete run"), std::string::npos) << none.error();
}

// docs/security.md: text from the database reaches the page as text. The campaign's name and a
// run's mode and routing are markup here; in the page's tables and title they are escaped, and in
// the JSON the page's scripts read, "</" cannot close the script element. The page loads
// nothing from elsewhere.
// The report page of a campaign named `name` with one run of mode `mode` (routing
// `routing`), split at its data element: the page before it, the JSON inside it, the rest.
struct ReportPage {
  std::string before_data, data, after_data;
};

ReportPage report_page(ResultsDb& db, const fs::path& db_path, const std::string& name,
                       const std::string& mode, const std::string& routing) {
  auto id = db.create_campaign(name, "", {{"name", name}}, {{"cores", 2}}, {{"faaslab", "t"}});
  EXPECT_TRUE(id) << id.error();
  auto config = closed_config(mode, 1, 0, 0, 0);
  config.routing = routing;
  auto run = db.begin_run(*id, config);
  EXPECT_TRUE(run) << run.error();
  for (const auto& r : {request(0, 0, 50.0, 50.1), request(0, 1, 50.2, 50.4)})
    EXPECT_TRUE(db.add_request(*run, r));
  auto rows = db.requests(*run);
  EXPECT_TRUE(rows);
  for (const auto& s : experiment::summarise_run(*rows)) EXPECT_TRUE(db.put_run_summary(*run, s));
  EXPECT_TRUE(db.finish_run(*run, RunStatus::kComplete, "", false));
  EXPECT_TRUE(experiment::update_config_summaries(db, *id, config.config_key));

  const fs::path out = db_path.string() + "-report";
  ReportOptions o;
  o.db_path = db_path.string();
  o.campaign_id = *id;
  o.out_dir = out.string();
  o.figures = false;
  auto written = write_report(o);
  EXPECT_TRUE(written) << written.error();
  if (!written) return {};
  std::ifstream in(written->html_path);
  const std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  fs::remove_all(out);
  const std::string open_data = "<script type=\"application/json\" id=\"faaslab-data\">";
  const auto data_at = html.find(open_data);
  EXPECT_NE(data_at, std::string::npos);
  if (data_at == std::string::npos) return {};
  const auto data_end = html.find("</script>", data_at);
  EXPECT_NE(data_end, std::string::npos);
  if (data_end == std::string::npos) return {};
  return {html.substr(0, data_at),
          html.substr(data_at + open_data.size(), data_end - data_at - open_data.size()),
          html.substr(data_end)};
}

TEST_F(ReportData, TextFromTheDatabaseCannotBecomeMarkup) {
  const std::string name = "<img src=x onerror=alert(1)>";
  const std::string mode = "</script><script>alert(2)</script>";
  const auto page = report_page(*db_, path_, name, mode, "<b>bold</b>");
  ASSERT_FALSE(page.before_data.empty());
  // The page outside the data element: the title and the tables escape what they show.
  EXPECT_NE(
      page.before_data.find("<title>faaslab report — &lt;img src=x onerror=alert(1)&gt;</title>"),
      std::string::npos);
  EXPECT_EQ(page.before_data.find("<img"), std::string::npos);
  EXPECT_EQ(page.before_data.find("<script"), std::string::npos);
  EXPECT_EQ(page.before_data.find("<b>"), std::string::npos);
  EXPECT_NE(page.before_data.find("&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;"),
            std::string::npos)
      << "the mode is in the summary table, escaped";
  // The data element: the JSON has every name as it was, and no "</" that could end the
  // element early.
  EXPECT_EQ(page.data.find("</"), std::string::npos);
  const auto data = json::parse(page.data);
  EXPECT_EQ(data["campaign"]["name"], name);
  EXPECT_EQ(data["configs"][0]["mode"], mode);
  // Four script elements (data, ECharts, chart code, page code), none with a source elsewhere.
  const std::string outside_data = page.before_data + page.after_data;
  std::size_t scripts = 1;
  for (std::size_t at = 0; (at = outside_data.find("<script", at)) != std::string::npos; ++at)
    ++scripts;
  EXPECT_EQ(scripts, 4u);
  for (const char* remote : {"src=\"http", "href=\"http", "src=\"//", "href=\"//", "@import"})
    EXPECT_EQ((page.before_data + page.data + page.after_data).find(remote), std::string::npos)
        << remote;
}

// "<!--" then "<script" inside a script element puts the HTML parser into its "script data
// double escaped" state, where "</script>" no longer ends the element: the data element would
// run to the end of the file and the page's own scripts would never run. So the inlined JSON
// has no < at all (nor > and &, as Go's html/template writes JSON): \u003c \u003e \u0026.
TEST_F(ReportData, TheInlinedDataHasNoMarkupCharacters) {
  const std::string name = "x<!--<script>y";
  const std::string mode = "</script><!--<script>&amp;";
  const auto page = report_page(*db_, path_, name, mode, "a<!--b-->c");
  ASSERT_FALSE(page.data.empty());
  for (const char c : {'<', '>', '&'})
    EXPECT_EQ(page.data.find(c), std::string::npos) << "a raw " << c << " in the inlined JSON";
  EXPECT_NE(page.data.find("x\\u003c!--\\u003cscript\\u003ey"), std::string::npos);
  EXPECT_NE(page.data.find("\\u003c/script\\u003e\\u003c!--\\u003cscript\\u003e\\u0026amp;"),
            std::string::npos);
  // The escapes mean the same characters: the data reads back as it was stored.
  const auto data = json::parse(page.data);
  EXPECT_EQ(data["campaign"]["name"], name);
  EXPECT_EQ(data["configs"][0]["mode"], mode);
  EXPECT_EQ(data["configs"][0]["routing"], "a<!--b-->c");
  EXPECT_EQ(page.after_data.rfind("</script><script>", 0), 0u)
      << "the data element ends where it should";
}

}  // namespace
}  // namespace faaslab::report
