// The results database on a scratch file: schema and WAL mode, campaigns, runs, every request
// and event field through a round trip, resume bookkeeping (complete and incomplete runs),
// warm-up marking, summaries, CSV and JTL export, and files that are not ours.
#include "experiment/results_db.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/clock.h"
#include "experiment/export.h"
#include "load/record_files.h"

namespace faaslab::experiment {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::HasSubstr;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// RFC 4180 CSV: records of fields; quoted fields may hold commas, doubled quotes and newlines.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
    } else {
      field += c;
    }
  }
  EXPECT_FALSE(quoted) << "unterminated quoted field";
  EXPECT_TRUE(field.empty() && row.empty()) << "last record not ended by a newline";
  return rows;
}

// A value of a column of a sqlite3 query, through a connection of its own.
std::string query_text(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string out;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
      const auto* p = sqlite3_column_text(s, 0);
      out = p ? reinterpret_cast<const char*>(p) : "NULL";
    } else {
      out = std::string("error: ") + sqlite3_errmsg(db);
    }
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return out;
}

void exec_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  const std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

RunColumns run_columns(const std::string& key, int repetition, int ordinal = 0) {
  RunColumns r;
  r.config_key = key;
  r.repetition = repetition;
  r.ordinal = ordinal;
  r.config_json = {{"key", key}};
  r.users = 4;
  r.think_s = 0.5;
  r.think_dist = "constant";
  r.mode = "classic";
  r.routing = "random";
  r.codec = "base64";
  r.timeout_s = 25;
  r.cores = 2;
  r.target = "embedded";
  return r;
}

RequestRow request(std::int64_t intended_us, const std::string& label = "frame-0000") {
  RequestRow r;
  r.label = label;
  r.intended_us = intended_us;
  r.start_us = intended_us + 10;
  r.end_us = intended_us + 1000;
  r.latency_us = 1000;
  r.service_us = 990;
  r.status = 200;
  r.outcome = "ok";
  return r;
}

// Every field set, optional ones present; 64-bit values where the type allows.
RequestRow full_request() {
  RequestRow r;
  r.user = 7;
  r.sequence = 123'456'789'012ull;
  r.payload = 3;
  r.iteration = 2;
  r.label = "frame, \"0003\"";
  r.intended_us = 1'000;
  r.start_us = 1'100;
  r.first_byte_us = 1'500;
  r.end_us = 2'000;
  r.intended_wall_us = 1'700'000'000'001'000;
  r.start_wall_us = 1'700'000'000'001'100;
  r.end_wall_us = 1'700'000'000'002'000;
  r.latency_us = 1'000;
  r.service_us = 900;
  r.connect_us = 42;
  r.status = 200;
  r.outcome = "ok";
  r.bytes_sent = 5'000'000'000ull;
  r.bytes_received = 1'234;
  r.ml_s = 0.125;
  r.handler_s = 0.25;
  r.replica = "slblur-1";
  r.cold_start = true;
  r.cold_start_s = 1.5;
  r.error = "";
  r.warmup = true;
  return r;
}

// Optional fields absent, the other values of each flag.
RequestRow sparse_request() {
  RequestRow r;
  r.user = 1;
  r.sequence = 9;
  r.label = "";
  r.intended_us = 5'000;
  r.intended_wall_us = 1'700'000'000'005'000;
  r.latency_us = std::nullopt;
  r.connect_us = -1;
  r.status = 0;
  r.outcome = "dropped";
  r.error = "timed out,\nafter \"25s\"";
  r.warmup = false;
  return r;
}

void expect_same(const RequestRow& a, const RequestRow& b) {
  EXPECT_EQ(a.user, b.user);
  EXPECT_EQ(a.sequence, b.sequence);
  EXPECT_EQ(a.payload, b.payload);
  EXPECT_EQ(a.iteration, b.iteration);
  EXPECT_EQ(a.label, b.label);
  EXPECT_EQ(a.intended_us, b.intended_us);
  EXPECT_EQ(a.start_us, b.start_us);
  EXPECT_EQ(a.first_byte_us, b.first_byte_us);
  EXPECT_EQ(a.end_us, b.end_us);
  EXPECT_EQ(a.intended_wall_us, b.intended_wall_us);
  EXPECT_EQ(a.start_wall_us, b.start_wall_us);
  EXPECT_EQ(a.end_wall_us, b.end_wall_us);
  EXPECT_EQ(a.latency_us, b.latency_us);
  EXPECT_EQ(a.service_us, b.service_us);
  EXPECT_EQ(a.connect_us, b.connect_us);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.outcome, b.outcome);
  EXPECT_EQ(a.bytes_sent, b.bytes_sent);
  EXPECT_EQ(a.bytes_received, b.bytes_received);
  EXPECT_EQ(a.ml_s, b.ml_s);
  EXPECT_EQ(a.handler_s, b.handler_s);
  EXPECT_EQ(a.replica, b.replica);
  EXPECT_EQ(a.cold_start, b.cold_start);
  EXPECT_EQ(a.cold_start_s, b.cold_start_s);
  EXPECT_EQ(a.error, b.error);
  EXPECT_EQ(a.warmup, b.warmup);
}

SummaryRow summary(const std::string& label, double mean_s) {
  SummaryRow s;
  s.label = label;
  s.count = 10;
  s.success_rate = 0.9;
  s.throughput_rps = 4.5;
  s.mean_s = mean_s;
  s.stddev_s = 0.01;
  s.min_s = 0.1;
  s.p50_s = 0.2;
  s.p90_s = 0.3;
  s.p95_s = 0.35;
  s.p99_s = 0.4;
  s.p999_s = 0.45;
  s.max_s = 0.5;
  return s;
}

// A database file in a scratch directory unique to this process and test, removed after.
class ResultsDbTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() / ("faaslab-results-db-test-" + std::to_string(::getpid()) + "-" +
                                     testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "results.db").string();
    reopen();
  }
  void TearDown() override {
    db_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void reopen() {
    db_.reset();
    auto db = ResultsDb::open(path_);
    ASSERT_TRUE(db.ok()) << db.error();
    db_ = std::move(*db);
  }
  std::int64_t campaign(const std::string& name = "c") {
    auto id =
        db_->create_campaign(name, "/c.yaml", json{{"name", name}}, json::object(), json::object());
    EXPECT_TRUE(id.ok()) << id.error();
    return id.ok() ? *id : -1;
  }
  std::int64_t run(std::int64_t campaign_id, const std::string& key, int repetition,
                   std::optional<RunStatus> status = std::nullopt) {
    auto id = db_->begin_run(campaign_id, run_columns(key, repetition, repetition));
    EXPECT_TRUE(id.ok()) << id.error();
    if (!id.ok()) return -1;
    if (status) {
      EXPECT_TRUE(db_->finish_run(*id, *status, "", false).ok());
    }
    return *id;
  }
  std::size_t csv_records(const std::string& table, std::optional<std::int64_t> campaign_id) {
    const auto out = (dir_ / (table + ".csv")).string();
    auto st = db_->export_csv(table, campaign_id, out);
    EXPECT_TRUE(st.ok()) << st.error();
    const auto rows = parse_csv(read_text(out));
    EXPECT_FALSE(rows.empty());
    return rows.empty() ? 0 : rows.size() - 1;
  }

  fs::path dir_;
  std::string path_;
  std::unique_ptr<ResultsDb> db_;
};

TEST_F(ResultsDbTest, OpenCreatesTheSchemaInWalMode) {
  EXPECT_EQ(query_text(path_, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(query_text(path_, "PRAGMA user_version"), std::to_string(kSchemaVersion));
  EXPECT_EQ(kSchemaVersion, 2);
  EXPECT_EQ(query_text(path_,
                       "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master "
                       "WHERE type='table' ORDER BY name)"),
            "campaigns,events,requests,runs,summaries");
  // WAL is a property of the file (read above through a connection of its own); the WAL file
  // is beside the database while it is open.
  campaign();
  EXPECT_TRUE(fs::exists(path_ + "-wal"));
}

TEST_F(ResultsDbTest, Campaigns) {
  const std::int64_t before = wall_us();
  const json spec = {{"name", "a"}, {"grid", {{"users", {1, 2}}}}};
  const json machine = {{"cores", 2}, {"cpu", "test"}};
  const json versions = {{"faaslab", "0.1"}};
  auto a1 = db_->create_campaign("a", "/x/a.yaml", spec, machine, versions);
  ASSERT_TRUE(a1.ok()) << a1.error();
  const auto b = campaign("b");
  const auto a2 = campaign("a");
  EXPECT_LT(*a1, b);
  EXPECT_LT(b, a2);

  auto latest = db_->latest_campaign("a");
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(*latest, std::optional<std::int64_t>(a2));
  auto none = db_->latest_campaign("zzz");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, std::nullopt);
  auto ids = db_->campaign_ids();
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, (std::vector<std::int64_t>{*a1, b, a2}));

  auto info = db_->campaign_info(*a1);
  ASSERT_TRUE(info.ok()) << info.error();
  EXPECT_EQ((*info)["id"], *a1);
  EXPECT_EQ((*info)["name"], "a");
  EXPECT_EQ((*info)["file"], "/x/a.yaml");
  EXPECT_EQ((*info)["status"], "running");
  EXPECT_EQ((*info)["spec"], spec);
  EXPECT_EQ((*info)["machine"], machine);
  EXPECT_EQ((*info)["versions"], versions);
  const auto created = (*info)["created_wall_us"].get<std::int64_t>();
  EXPECT_GE(created, before);
  EXPECT_LE(created, wall_us());

  auto got_spec = db_->campaign_spec(*a1);
  ASSERT_TRUE(got_spec.ok());
  EXPECT_EQ(*got_spec, spec);

  ASSERT_TRUE(db_->set_campaign_status(*a1, CampaignStatus::kComplete).ok());
  EXPECT_EQ((*db_->campaign_info(*a1))["status"], "complete");
  EXPECT_EQ((*db_->campaign_info(b))["status"], "running");

  auto missing = db_->campaign_info(999);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error(), HasSubstr("no campaign 999"));
  EXPECT_FALSE(db_->campaign_spec(999).ok());
}

TEST_F(ResultsDbTest, RunColumnsRoundTrip) {
  const auto c = campaign();
  const std::int64_t before = wall_us();
  RunColumns closed = run_columns("users=4", 1, 5);
  closed.config_json = {{"users", 4}, {"target", {{"url", "http://h/f"}}}};
  closed.replicas = 3;
  closed.mode = "http";
  closed.routing = "least-inflight";
  closed.max_inflight = 8;
  closed.workers = 2;
  closed.codec = "png";
  closed.frame_width = 640;
  closed.frame_height = 480;
  closed.timeout_s = 12.5;
  closed.seed = 42000126;
  closed.warmup_requests = 3;
  RunColumns open = run_columns("rate=5", 0, 6);
  open.users = std::nullopt;
  open.think_s = std::nullopt;
  open.rate = 5.5;
  auto r1 = db_->begin_run(c, closed);
  auto r2 = db_->begin_run(c, open);
  ASSERT_TRUE(r1.ok() && r2.ok());
  ASSERT_TRUE(db_->finish_run(*r1, RunStatus::kComplete, "", true).ok());
  ASSERT_TRUE(db_->finish_run(*r2, RunStatus::kFailed, "gateway unreachable", false).ok());

  auto runs = db_->runs(c);
  ASSERT_TRUE(runs.ok()) << runs.error();
  ASSERT_EQ(runs->size(), 2u);
  const RunRow& a = (*runs)[0];  // ordered by ordinal
  EXPECT_EQ(a.id, *r1);
  EXPECT_EQ(a.columns.config_key, "users=4");
  EXPECT_EQ(a.columns.repetition, 1);
  EXPECT_EQ(a.columns.ordinal, 5);
  EXPECT_EQ(a.columns.config_json, closed.config_json);
  EXPECT_EQ(a.columns.users, std::optional<std::int64_t>(4));
  EXPECT_EQ(a.columns.think_s, std::optional<double>(0.5));
  EXPECT_EQ(a.columns.think_dist, "constant");
  EXPECT_EQ(a.columns.rate, std::nullopt);
  EXPECT_EQ(a.columns.replicas, 3);
  EXPECT_EQ(a.columns.mode, "http");
  EXPECT_EQ(a.columns.routing, "least-inflight");
  EXPECT_EQ(a.columns.max_inflight, 8);
  EXPECT_EQ(a.columns.workers, 2);
  EXPECT_EQ(a.columns.codec, "png");
  EXPECT_EQ(a.columns.frame_width, 640);
  EXPECT_EQ(a.columns.frame_height, 480);
  EXPECT_EQ(a.columns.timeout_s, 12.5);
  EXPECT_EQ(a.columns.cores, 2);
  EXPECT_EQ(a.columns.target, "embedded");
  EXPECT_EQ(a.columns.seed, 42000126u);
  EXPECT_EQ(a.columns.warmup_requests, 3u);
  EXPECT_TRUE(a.first_request_cold);
  EXPECT_EQ(a.status, RunStatus::kComplete);
  EXPECT_EQ(a.error, "");
  EXPECT_GE(a.started_wall_us, before);
  EXPECT_GE(a.ended_wall_us, a.started_wall_us);
  EXPECT_LE(a.ended_wall_us, wall_us());
  const RunRow& b = (*runs)[1];
  EXPECT_EQ(b.id, *r2);
  EXPECT_EQ(b.columns.users, std::nullopt);
  EXPECT_EQ(b.columns.think_s, std::nullopt);
  EXPECT_EQ(b.columns.rate, std::optional<double>(5.5));
  EXPECT_FALSE(b.first_request_cold);
  EXPECT_EQ(b.status, RunStatus::kFailed);
  EXPECT_EQ(b.error, "gateway unreachable");
  EXPECT_EQ(query_text(path_, "SELECT users IS NULL FROM runs WHERE id=" + std::to_string(*r2)),
            "1");
}

TEST_F(ResultsDbTest, RequestsRoundTripEveryField) {
  const auto r = run(campaign(), "k", 0);
  ASSERT_TRUE(db_->add_request(r, full_request()).ok());
  ASSERT_TRUE(db_->add_request(r, sparse_request()).ok());
  ASSERT_TRUE(db_->flush().ok());
  EXPECT_EQ(query_text(path_,
                       "SELECT count(*) FROM requests WHERE latency_us IS NULL AND ml_s "
                       "IS NULL AND handler_s IS NULL AND cold_start_s IS NULL"),
            "1");
  EXPECT_EQ(query_text(path_,
                       "SELECT count(*) FROM requests WHERE latency_us IS NOT NULL AND "
                       "ml_s IS NOT NULL AND handler_s IS NOT NULL AND cold_start_s IS NOT "
                       "NULL"),
            "1");
  auto rows = db_->requests(r);
  ASSERT_TRUE(rows.ok()) << rows.error();
  ASSERT_EQ(rows->size(), 2u);
  {
    SCOPED_TRACE("full");
    expect_same((*rows)[0], full_request());
  }
  {
    SCOPED_TRACE("sparse");
    expect_same((*rows)[1], sparse_request());
  }
  auto other = db_->requests(r + 1);
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->empty());
}

TEST_F(ResultsDbTest, RequestsAreBufferedAndFlushedInBatches) {
  const auto r = run(campaign(), "k", 0);
  auto count = [&] { return query_text(path_, "SELECT count(*) FROM requests"); };
  for (int i = 0; i < 1999; ++i) ASSERT_TRUE(db_->add_request(r, request(i)).ok());
  EXPECT_EQ(count(), "0");
  ASSERT_TRUE(db_->add_request(r, request(1999)).ok());
  EXPECT_EQ(count(), "2000");
  ASSERT_TRUE(db_->add_request(r, request(2000)).ok());
  EXPECT_EQ(count(), "2000");
  ASSERT_TRUE(db_->flush().ok());
  EXPECT_EQ(count(), "2001");
  ASSERT_TRUE(db_->add_request(r, request(2001)).ok());
  ASSERT_TRUE(db_->finish_run(r, RunStatus::kComplete, "", false).ok());  // flushes
  EXPECT_EQ(count(), "2002");
  auto rows = db_->requests(r);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2002u);
  for (std::size_t i = 0; i < rows->size(); ++i)
    ASSERT_EQ((*rows)[i].intended_us, static_cast<std::int64_t>(i));
}

TEST_F(ResultsDbTest, EventsRoundTrip) {
  const auto r = run(campaign(), "k", 0);
  EventRow scale;
  scale.seq = 2;
  scale.wall_us = 1'700'000'000'000'002;
  scale.mono_us = 2'000;
  scale.function = "slblur";
  scale.kind = "scale";
  scale.detail = "to 2, \"by API\"";
  scale.from_replicas = 1;
  scale.to_replicas = 2;
  EventRow ready;
  ready.seq = 1;
  ready.wall_us = 1'700'000'000'000'001;
  ready.mono_us = 1'000;
  ready.function = "slblur";
  ready.replica = "slblur-1";
  ready.kind = "ready";
  ready.seconds = 0.75;
  ASSERT_TRUE(db_->add_events(r, {scale, ready}).ok());
  ASSERT_TRUE(db_->add_events(r, {}).ok());
  auto events = db_->events(r);
  ASSERT_TRUE(events.ok()) << events.error();
  ASSERT_EQ(events->size(), 2u);
  const EventRow& a = (*events)[0];  // ordered by seq
  EXPECT_EQ(a.seq, 1u);
  EXPECT_EQ(a.wall_us, ready.wall_us);
  EXPECT_EQ(a.mono_us, 1'000);
  EXPECT_EQ(a.function, "slblur");
  EXPECT_EQ(a.replica, "slblur-1");
  EXPECT_EQ(a.kind, "ready");
  EXPECT_EQ(a.detail, "");
  EXPECT_EQ(a.seconds, std::optional<double>(0.75));
  EXPECT_EQ(a.from_replicas, std::nullopt);
  EXPECT_EQ(a.to_replicas, std::nullopt);
  const EventRow& b = (*events)[1];
  EXPECT_EQ(b.seq, 2u);
  EXPECT_EQ(b.wall_us, scale.wall_us);
  EXPECT_EQ(b.mono_us, 2'000);
  EXPECT_EQ(b.replica, "");
  EXPECT_EQ(b.kind, "scale");
  EXPECT_EQ(b.detail, "to 2, \"by API\"");
  EXPECT_EQ(b.seconds, std::nullopt);
  EXPECT_EQ(b.from_replicas, std::optional<int>(1));
  EXPECT_EQ(b.to_replicas, std::optional<int>(2));
  auto other = db_->events(r + 1);
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->empty());
}

TEST_F(ResultsDbTest, CompleteRuns) {
  const auto c = campaign();
  const auto a0 = run(c, "A", 0, RunStatus::kComplete);
  run(c, "A", 1, RunStatus::kFailed);
  const auto a2 = run(c, "A", 2, RunStatus::kComplete);
  run(c, "B", 0);  // still running
  const auto b1 = run(c, "B", 1, RunStatus::kComplete);
  const auto other = campaign("other");
  run(other, "A", 3, RunStatus::kComplete);

  auto ids = db_->complete_run_ids(c, "A");
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, (std::vector<std::int64_t>{a0, a2}));
  auto b_ids = db_->complete_run_ids(c, "B");
  ASSERT_TRUE(b_ids.ok());
  EXPECT_EQ(*b_ids, (std::vector<std::int64_t>{b1}));
  auto none = db_->complete_run_ids(c, "C");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  auto done = db_->complete_runs(c);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(*done, (std::set<std::pair<std::string, int>>{{"A", 0}, {"A", 2}, {"B", 1}}));
  auto done_other = db_->complete_runs(other);
  ASSERT_TRUE(done_other.ok());
  EXPECT_EQ(*done_other, (std::set<std::pair<std::string, int>>{{"A", 3}}));
}

TEST_F(ResultsDbTest, DeleteIncompleteRunsRemovesThemWithTheirRows) {
  const auto c = campaign();
  const auto complete = run(c, "A", 0, RunStatus::kComplete);
  const auto failed = run(c, "A", 1, RunStatus::kFailed);
  const auto running = run(c, "A", 2);
  const auto other_campaign = campaign("other");
  const auto other_running = run(other_campaign, "A", 0);
  for (const auto r : {complete, failed, running, other_running}) {
    ASSERT_TRUE(db_->add_request(r, request(1)).ok());
    ASSERT_TRUE(db_->add_request(r, request(2)).ok());
    EventRow e;
    e.seq = 1;
    e.kind = "ready";
    ASSERT_TRUE(db_->add_events(r, {e}).ok());
    ASSERT_TRUE(db_->put_run_summary(r, summary("*", 0.2)).ok());
  }
  ASSERT_TRUE(db_->put_config_summary(c, "A", summary("*", 0.2)).ok());

  ASSERT_TRUE(db_->flush().ok());  // as on --resume: nothing buffered (see the test below)

  ASSERT_TRUE(db_->delete_incomplete_runs(c).ok());
  auto runs = db_->runs(c);
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].id, complete);
  // Rows of each kind a run has: requests, events, run summaries.
  auto rows_of = [&](std::int64_t id) {
    auto requests = db_->requests(id);
    auto events = db_->events(id);
    auto summaries = db_->run_summaries(id);
    EXPECT_TRUE(requests.ok()) << requests.error();
    EXPECT_TRUE(events.ok() && summaries.ok());
    if (!requests.ok() || !events.ok() || !summaries.ok()) return std::vector<std::size_t>{};
    return std::vector<std::size_t>{requests->size(), events->size(), summaries->size()};
  };
  EXPECT_EQ(rows_of(failed), (std::vector<std::size_t>{0, 0, 0}));
  EXPECT_EQ(rows_of(running), (std::vector<std::size_t>{0, 0, 0}));
  EXPECT_EQ(rows_of(complete), (std::vector<std::size_t>{2, 1, 1}));
  EXPECT_EQ(rows_of(other_running), (std::vector<std::size_t>{2, 1, 1}));
  auto other_runs = db_->runs(other_campaign);
  ASSERT_TRUE(other_runs.ok());
  EXPECT_EQ(other_runs->size(), 1u);
  auto configs = db_->config_summaries(c);
  ASSERT_TRUE(configs.ok());
  EXPECT_EQ(configs->size(), 1u);
  EXPECT_EQ(query_text(path_, "SELECT count(*) FROM requests"), "4");
  EXPECT_EQ(query_text(path_, "SELECT count(*) FROM events"), "2");
  EXPECT_EQ(query_text(path_, "SELECT count(*) FROM summaries"), "3");
  // Nothing left to delete: still fine.
  EXPECT_TRUE(db_->delete_incomplete_runs(c).ok());
  runs = db_->runs(c);
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(runs->size(), 1u);
}

TEST_F(ResultsDbTest, DeleteIncompleteRunsDropsTheirBufferedRequests) {
  const auto c = campaign();
  const auto complete = run(c, "A", 0, RunStatus::kComplete);
  const auto running = run(c, "A", 1);
  ASSERT_TRUE(db_->add_request(running, request(1)).ok());  // buffered
  ASSERT_TRUE(db_->delete_incomplete_runs(c).ok());
  auto st = db_->flush();
  EXPECT_TRUE(st.ok()) << st.error();
  const auto next = run(c, "A", 1);
  ASSERT_TRUE(db_->add_request(next, request(1)).ok());
  st = db_->finish_run(next, RunStatus::kComplete, "", false);
  EXPECT_TRUE(st.ok()) << st.error();
  auto rows = db_->requests(next);
  ASSERT_TRUE(rows.ok()) << rows.error();
  EXPECT_EQ(rows->size(), 1u);
  EXPECT_EQ(query_text(path_, "SELECT count(*) FROM requests"), "1");
  (void)complete;
}

TEST_F(ResultsDbTest, MarkWarmupTakesTheFirstByIntendedStart) {
  const auto c = campaign();
  const auto r = run(c, "A", 0);
  const auto other = run(c, "A", 1);
  for (const std::int64_t t : {50, 10, 30, 20, 40}) {
    ASSERT_TRUE(db_->add_request(r, request(t)).ok());
    ASSERT_TRUE(db_->add_request(other, request(t)).ok());
  }
  // The intended starts of a run's requests marked as warm-up.
  auto warm = [&](std::int64_t id) {
    auto rows = db_->requests(id);
    EXPECT_TRUE(rows.ok());
    std::vector<std::int64_t> out;
    if (!rows.ok()) return out;
    EXPECT_EQ(rows->size(), 5u);
    for (const auto& row : *rows) {
      if (row.warmup) out.push_back(row.intended_us);
    }
    return out;
  };
  // Still buffered: mark_warmup flushes first.
  ASSERT_TRUE(db_->mark_warmup(r, 2).ok());
  EXPECT_EQ(warm(r), (std::vector<std::int64_t>{10, 20}));
  EXPECT_EQ(warm(other), std::vector<std::int64_t>{});
  ASSERT_TRUE(db_->mark_warmup(other, 0).ok());
  EXPECT_EQ(warm(other), std::vector<std::int64_t>{});
  ASSERT_TRUE(db_->mark_warmup(other, 100).ok());
  EXPECT_EQ(warm(other), (std::vector<std::int64_t>{50, 10, 30, 20, 40}));  // in stored order
}

TEST_F(ResultsDbTest, SummariesPutAndGet) {
  const auto c = campaign();
  const auto r = run(c, "A", 0, RunStatus::kComplete);
  SummaryRow all = summary("*", 0.25);
  SummaryRow label = summary("frame-0001", 0.3);
  label.count = 3;
  ASSERT_TRUE(db_->put_run_summary(r, label).ok());
  ASSERT_TRUE(db_->put_run_summary(r, summary("*", 9.0)).ok());
  ASSERT_TRUE(db_->put_run_summary(r, all).ok());  // replaces the row of the same label
  auto rows = db_->run_summaries(r);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  const SummaryRow& got = (*rows)[0];
  EXPECT_EQ(got.label, "*");
  EXPECT_EQ(got.count, 10u);
  EXPECT_EQ(got.success_rate, 0.9);
  EXPECT_EQ(got.throughput_rps, 4.5);
  EXPECT_EQ(got.mean_s, 0.25);
  EXPECT_EQ(got.stddev_s, 0.01);
  EXPECT_EQ(got.min_s, 0.1);
  EXPECT_EQ(got.p50_s, 0.2);
  EXPECT_EQ(got.p90_s, 0.3);
  EXPECT_EQ(got.p95_s, 0.35);
  EXPECT_EQ(got.p99_s, 0.4);
  EXPECT_EQ(got.p999_s, 0.45);
  EXPECT_EQ(got.max_s, 0.5);
  EXPECT_EQ(got.repetitions, 0);
  EXPECT_EQ(got.mean_s_ci95, std::nullopt);
  EXPECT_EQ(got.throughput_rps_ci95, std::nullopt);
  EXPECT_EQ(got.success_rate_ci95, std::nullopt);
  EXPECT_EQ(got.p95_s_ci95, std::nullopt);
  EXPECT_EQ((*rows)[1].label, "frame-0001");
  EXPECT_EQ((*rows)[1].count, 3u);
  EXPECT_EQ((*rows)[1].mean_s, 0.3);

  SummaryRow config = summary("*", 0.27);
  config.repetitions = 3;
  config.mean_s_ci95 = 0.011;
  config.throughput_rps_ci95 = 0.5;
  config.success_rate_ci95 = 0.0;
  config.p95_s_ci95 = 0.02;
  ASSERT_TRUE(db_->put_config_summary(c, "B", summary("*", 1.0)).ok());
  ASSERT_TRUE(db_->put_config_summary(c, "A", summary("*", 9.0)).ok());
  ASSERT_TRUE(db_->put_config_summary(c, "A", config).ok());  // replaces
  ASSERT_TRUE(db_->put_config_summary(campaign("other"), "A", summary("*", 5.0)).ok());
  auto configs = db_->config_summaries(c);
  ASSERT_TRUE(configs.ok());
  ASSERT_EQ(configs->size(), 2u);
  EXPECT_EQ((*configs)[0].first, "B");
  EXPECT_EQ((*configs)[0].second.mean_s, 1.0);
  EXPECT_EQ((*configs)[1].first, "A");
  const SummaryRow& cg = (*configs)[1].second;
  EXPECT_EQ(cg.mean_s, 0.27);
  EXPECT_EQ(cg.repetitions, 3);
  EXPECT_EQ(cg.mean_s_ci95, std::optional<double>(0.011));
  EXPECT_EQ(cg.throughput_rps_ci95, std::optional<double>(0.5));
  EXPECT_EQ(cg.success_rate_ci95, std::optional<double>(0.0));
  EXPECT_EQ(cg.p95_s_ci95, std::optional<double>(0.02));
  // Config summaries are not run summaries and the other way round.
  EXPECT_EQ(db_->run_summaries(r)->size(), 2u);
}

TEST_F(ResultsDbTest, ExportCsvOfEachTable) {
  const std::string odd_name = "a,\"b\"\nc";
  const auto c1 = campaign(odd_name);
  const auto r1 = run(c1, "A", 0, RunStatus::kComplete);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(db_->add_request(r1, request(i)).ok());
  ASSERT_TRUE(db_->add_request(r1, sparse_request()).ok());
  EventRow e;
  e.kind = "ready";
  ASSERT_TRUE(db_->add_events(r1, {e, e}).ok());
  ASSERT_TRUE(db_->put_run_summary(r1, summary("*", 0.1)).ok());
  ASSERT_TRUE(db_->put_config_summary(c1, "A", summary("*", 0.1)).ok());
  const auto c2 = campaign("plain");
  const auto r2 = run(c2, "A", 0, RunStatus::kComplete);
  ASSERT_TRUE(db_->add_request(r2, request(1)).ok());  // buffered: export flushes
  ASSERT_TRUE(db_->put_run_summary(r2, summary("*", 0.1)).ok());

  const std::map<std::string, std::string> headers = {
      {"campaigns", "id,name,file,spec_json,machine_json,versions_json,created_wall_us,status"},
      {"runs",
       "id,campaign_id,config_key,repetition,ordinal,config_json,users,think_s,think_dist,rate,"
       "replicas,mode,routing,max_inflight,workers,codec,frame_width,frame_height,timeout_s,"
       "cores,target,seed,warmup_requests,first_request_cold,started_wall_us,ended_wall_us,"
       "status,error,topology,placement,offload_threshold,cloud_delay_s,cloud_bandwidth_bps"},
      {"requests",
       "run_id,user,sequence,payload,iteration,label,intended_us,start_us,first_byte_us,end_us,"
       "intended_wall_us,start_wall_us,end_wall_us,latency_us,service_us,connect_us,status,"
       "outcome,bytes_sent,bytes_received,ml_s,handler_s,replica,cold_start,cold_start_s,error,"
       "warmup,node,placement"},
      {"events",
       "run_id,seq,wall_us,mono_us,function,replica,kind,seconds,from_replicas,to_replicas,"
       "detail"},
      {"summaries",
       "scope,run_id,campaign_id,config_key,label,count,success_rate,throughput_rps,mean_s,"
       "stddev_s,min_s,p50_s,p90_s,p95_s,p99_s,p999_s,max_s,repetitions,mean_s_ci95,"
       "throughput_rps_ci95,success_rate_ci95,p95_s_ci95"}};
  for (const auto& [table, header] : headers) {
    SCOPED_TRACE(table);
    const auto out = dir_ / (table + ".csv");
    ASSERT_TRUE(db_->export_csv(table, std::nullopt, out.string()).ok());
    const std::string text = read_text(out);
    EXPECT_EQ(text.substr(0, text.find('\n')), header);
    const auto rows = parse_csv(text);
    ASSERT_FALSE(rows.empty());
    const std::size_t columns = rows[0].size();
    for (const auto& row : rows) EXPECT_EQ(row.size(), columns);
  }
  const std::map<std::string, std::pair<std::size_t, std::size_t>> counts = {{"campaigns", {2, 1}},
                                                                             {"runs", {2, 1}},
                                                                             {"requests", {5, 4}},
                                                                             {"events", {2, 2}},
                                                                             {"summaries", {3, 2}}};
  for (const auto& [table, n] : counts) {
    SCOPED_TRACE(table);
    EXPECT_EQ(csv_records(table, std::nullopt), n.first);
    EXPECT_EQ(csv_records(table, c1), n.second);
  }
  EXPECT_EQ(csv_records("requests", c2), 1u);
  EXPECT_EQ(csv_records("summaries", c2), 1u);

  // Quoting: the field with a comma, quotes and a newline is quoted with quotes doubled.
  const auto out = dir_ / "campaigns.csv";
  ASSERT_TRUE(db_->export_csv("campaigns", c1, out.string()).ok());
  const std::string text = read_text(out);
  EXPECT_THAT(text, HasSubstr(std::to_string(c1) + ",\"a,\"\"b\"\"\nc\",/c.yaml,"));
  const auto rows = parse_csv(text);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1][1], odd_name);
  EXPECT_EQ(json::parse(rows[1][3]), json({{"name", odd_name}}));  // spec_json, quoted
  EXPECT_EQ(rows[1][7], "running");

  // NULL is an empty field; text and numbers as stored.
  const auto req = dir_ / "requests.csv";
  ASSERT_TRUE(db_->export_csv("requests", c1, req.string()).ok());
  const auto reqs = parse_csv(read_text(req));
  ASSERT_EQ(reqs.size(), 5u);
  EXPECT_EQ(reqs[1][0], std::to_string(r1));
  EXPECT_EQ(reqs[1][13], "1000");  // latency_us
  EXPECT_EQ(reqs[1][17], "ok");
  EXPECT_EQ(reqs[4][13], "");  // dropped: latency_us NULL
  EXPECT_EQ(reqs[4][15], "-1");
  EXPECT_EQ(reqs[4][25], "timed out,\nafter \"25s\"");
}

TEST_F(ResultsDbTest, ExportCsvErrors) {
  campaign();
  auto unknown = db_->export_csv("users", std::nullopt, (dir_ / "u.csv").string());
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.error(), HasSubstr("unknown table 'users'"));
  auto injected = db_->export_csv("runs; DROP TABLE runs", std::nullopt, (dir_ / "x.csv").string());
  EXPECT_FALSE(injected.ok());
  EXPECT_FALSE(fs::exists(dir_ / "u.csv"));
  EXPECT_EQ(query_text(path_, "SELECT count(*) FROM runs"), "0");  // the table is still there
  auto unwritable =
      db_->export_csv("campaigns", std::nullopt, (dir_ / "no-such-dir" / "c.csv").string());
  ASSERT_FALSE(unwritable.ok());
  EXPECT_THAT(unwritable.error(), HasSubstr("cannot write"));
}

TEST_F(ResultsDbTest, ExportFunctionsOpenTheFile) {
  const auto c = campaign();
  const auto r = run(c, "A", 0, RunStatus::kComplete);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(db_->add_request(r, request(i * 1000)).ok());
  ASSERT_TRUE(db_->flush().ok());
  const auto csv = dir_ / "r.csv";
  auto st = export_table_csv(path_, "requests", c, csv.string());
  ASSERT_TRUE(st.ok()) << st.error();
  EXPECT_EQ(parse_csv(read_text(csv)).size(), 5u);

  const auto jtl = dir_ / "r.jtl";
  st = export_run_jtl(path_, r, jtl.string());
  ASSERT_TRUE(st.ok()) << st.error();
  const std::string text = read_text(jtl);
  EXPECT_EQ(text.substr(0, load::jtl_header().size()), load::jtl_header());
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 5);

  auto empty = export_run_jtl(path_, r + 100, (dir_ / "none.jtl").string());
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(empty.error(), HasSubstr("has no requests"));
  auto bad_db = export_table_csv((dir_ / "missing" / "x.db").string(), "runs", std::nullopt,
                                 (dir_ / "x.csv").string());
  EXPECT_FALSE(bad_db.ok());
}

TEST_F(ResultsDbTest, ReopeningKeepsTheData) {
  const auto c = campaign("kept");
  const auto r = run(c, "A", 0);
  ASSERT_TRUE(db_->add_request(r, full_request()).ok());  // buffered: the destructor flushes
  ASSERT_TRUE(db_->put_run_summary(r, summary("*", 0.5)).ok());
  reopen();
  EXPECT_EQ(*db_->campaign_ids(), (std::vector<std::int64_t>{c}));
  EXPECT_EQ(*db_->latest_campaign("kept"), std::optional<std::int64_t>(c));
  auto runs = db_->runs(c);
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].status, RunStatus::kRunning);
  auto rows = db_->requests(r);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  expect_same((*rows)[0], full_request());
  EXPECT_EQ(db_->run_summaries(r)->at(0).mean_s, 0.5);
  // New rows continue the ids.
  EXPECT_GT(campaign("next"), c);
  EXPECT_EQ(query_text(path_, "PRAGMA user_version"), "2");
}

// A database written by a faaslab of schema 1 (before edge–cloud): its tables as they were.
TEST_F(ResultsDbTest, SchemaOneGainsTheEdgeCloudColumnsAndKeepsItsRows) {
  db_.reset();
  const auto path = (dir_ / "v1.db").string();
  exec_sql(path, R"SQL(
CREATE TABLE campaigns (id INTEGER PRIMARY KEY, name TEXT NOT NULL, file TEXT, spec_json TEXT,
  machine_json TEXT, versions_json TEXT, created_wall_us INTEGER, status TEXT NOT NULL);
CREATE TABLE runs (id INTEGER PRIMARY KEY, campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
  config_key TEXT NOT NULL, repetition INTEGER NOT NULL, ordinal INTEGER, config_json TEXT,
  users INTEGER, think_s REAL, think_dist TEXT, rate REAL, replicas INTEGER, mode TEXT,
  routing TEXT, max_inflight INTEGER, workers INTEGER, codec TEXT, frame_width INTEGER,
  frame_height INTEGER, timeout_s REAL, cores INTEGER, target TEXT, seed INTEGER,
  warmup_requests INTEGER, first_request_cold INTEGER, started_wall_us INTEGER,
  ended_wall_us INTEGER, status TEXT NOT NULL, error TEXT);
CREATE TABLE requests (run_id INTEGER NOT NULL REFERENCES runs(id), user INTEGER,
  sequence INTEGER, payload INTEGER, iteration INTEGER, label TEXT, intended_us INTEGER,
  start_us INTEGER, first_byte_us INTEGER, end_us INTEGER, intended_wall_us INTEGER,
  start_wall_us INTEGER, end_wall_us INTEGER, latency_us INTEGER, service_us INTEGER,
  connect_us INTEGER, status INTEGER, outcome TEXT, bytes_sent INTEGER, bytes_received INTEGER,
  ml_s REAL, handler_s REAL, replica TEXT, cold_start INTEGER, cold_start_s REAL, error TEXT,
  warmup INTEGER);
CREATE TABLE events (run_id INTEGER NOT NULL REFERENCES runs(id), seq INTEGER, wall_us INTEGER,
  mono_us INTEGER, function TEXT, replica TEXT, kind TEXT, seconds REAL, from_replicas INTEGER,
  to_replicas INTEGER, detail TEXT);
CREATE TABLE summaries (scope TEXT NOT NULL, run_id INTEGER, campaign_id INTEGER,
  config_key TEXT, label TEXT NOT NULL, count INTEGER, success_rate REAL, throughput_rps REAL,
  mean_s REAL, stddev_s REAL, min_s REAL, p50_s REAL, p90_s REAL, p95_s REAL, p99_s REAL,
  p999_s REAL, max_s REAL, repetitions INTEGER, mean_s_ci95 REAL, throughput_rps_ci95 REAL,
  success_rate_ci95 REAL, p95_s_ci95 REAL);
INSERT INTO campaigns VALUES (1, 'old', '', '{}', '{}', '{}', 0, 'complete');
INSERT INTO runs (id, campaign_id, config_key, repetition, replicas, mode, status)
  VALUES (1, 1, 'users=1', 0, 1, 'http', 'complete');
INSERT INTO requests (run_id, user, sequence, status, outcome, replica)
  VALUES (1, 0, 0, 200, 'ok', 'slblur-1');
PRAGMA user_version=1;
)SQL");
  auto db = ResultsDb::open(path);
  ASSERT_TRUE(db.ok()) << db.error();
  EXPECT_EQ(query_text(path, "PRAGMA user_version"), "2");
  EXPECT_EQ(query_text(path, "SELECT replica || '/' || ifnull(node, 'none') FROM requests"),
            "slblur-1/none");
  EXPECT_EQ(query_text(path, "SELECT ifnull(topology, 'none') FROM runs"), "none");
  auto runs = (*db)->runs(1);
  ASSERT_TRUE(runs.ok()) << runs.error();
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].columns.mode, "http");
  auto rows = (*db)->requests(1);
  ASSERT_TRUE(rows.ok()) << rows.error();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].replica, "slblur-1");
  EXPECT_EQ((*rows)[0].node, "");
}

TEST_F(ResultsDbTest, FileThatIsNotSqliteIsAnError) {
  db_.reset();
  const auto path = dir_ / "notes.db";
  std::string text;
  for (int i = 0; i < 200; ++i) text += "this is not a database, line " + std::to_string(i) + "\n";
  std::ofstream(path) << text;
  auto db = ResultsDb::open(path.string());
  ASSERT_FALSE(db.ok());
  EXPECT_THAT(db.error(), HasSubstr(path.string() + " is not a SQLite database"));
  EXPECT_EQ(read_text(path), text);  // untouched
}

TEST_F(ResultsDbTest, SqliteDatabaseOfAnotherApplicationIsAnError) {
  db_.reset();
  const auto path = (dir_ / "other.db").string();
  exec_sql(path,
           "CREATE TABLE customers(id INTEGER, name TEXT); INSERT INTO customers "
           "VALUES(1, 'x');");
  auto db = ResultsDb::open(path);
  ASSERT_FALSE(db.ok());
  EXPECT_THAT(db.error(), HasSubstr("is a SQLite database but not a faaslab results database"));
  // Left as it was: no tables of ours, not switched to WAL.
  EXPECT_EQ(query_text(path, "SELECT count(*) FROM sqlite_master WHERE name='campaigns'"), "0");
  EXPECT_EQ(query_text(path, "SELECT name FROM customers"), "x");
  EXPECT_EQ(query_text(path, "PRAGMA journal_mode"), "delete");
}

TEST_F(ResultsDbTest, NewerSchemaIsAnError) {
  db_.reset();
  exec_sql(path_, "PRAGMA user_version=3");
  auto db = ResultsDb::open(path_);
  ASSERT_FALSE(db.ok());
  EXPECT_THAT(db.error(), HasSubstr("has results schema 3, newer than this faaslab (2)"));
}

TEST_F(ResultsDbTest, EmptySqliteFileBecomesOurs) {
  db_.reset();
  const auto path = (dir_ / "empty.db").string();
  exec_sql(path, "PRAGMA user_version=0");
  auto db = ResultsDb::open(path);
  ASSERT_TRUE(db.ok()) << db.error();
  EXPECT_EQ(query_text(path, "PRAGMA user_version"), "2");
}

TEST_F(ResultsDbTest, UncreatablePathIsAnError) {
  const auto path = (dir_ / "no-such-dir" / "x.db").string();
  auto db = ResultsDb::open(path);
  ASSERT_FALSE(db.ok());
  EXPECT_THAT(db.error(), HasSubstr("cannot open database " + path));
  EXPECT_EQ(db.error_code(), Errc::kUnavailable);
}

}  // namespace
}  // namespace faaslab::experiment
