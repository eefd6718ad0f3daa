#include "experiment/results_db.h"

#include <sqlite3.h>

#include <fstream>
#include <set>

#include "common/clock.h"

namespace faaslab::experiment {
namespace {

using nlohmann::json;

constexpr std::size_t kBatch = 2000;

const char* kSchema = R"SQL(
CREATE TABLE IF NOT EXISTS campaigns (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, file TEXT, spec_json TEXT, machine_json TEXT,
  versions_json TEXT, created_wall_us INTEGER, status TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY, campaign_id INTEGER NOT NULL REFERENCES campaigns(id), config_key TEXT NOT NULL,
  repetition INTEGER NOT NULL, ordinal INTEGER, config_json TEXT, users INTEGER, think_s REAL, think_dist TEXT,
  rate REAL, replicas INTEGER, mode TEXT, routing TEXT, max_inflight INTEGER, workers INTEGER, codec TEXT,
  frame_width INTEGER, frame_height INTEGER, timeout_s REAL, cores INTEGER, target TEXT, seed INTEGER,
  warmup_requests INTEGER, first_request_cold INTEGER, started_wall_us INTEGER, ended_wall_us INTEGER,
  status TEXT NOT NULL, error TEXT);
CREATE INDEX IF NOT EXISTS runs_by_campaign ON runs(campaign_id, config_key, repetition);
CREATE TABLE IF NOT EXISTS requests (
  run_id INTEGER NOT NULL REFERENCES runs(id), user INTEGER, sequence INTEGER, payload INTEGER, iteration INTEGER,
  label TEXT, intended_us INTEGER, start_us INTEGER, first_byte_us INTEGER, end_us INTEGER,
  intended_wall_us INTEGER, start_wall_us INTEGER, end_wall_us INTEGER, latency_us INTEGER, service_us INTEGER,
  connect_us INTEGER, status INTEGER, outcome TEXT, bytes_sent INTEGER, bytes_received INTEGER, ml_s REAL,
  handler_s REAL, replica TEXT, cold_start INTEGER, cold_start_s REAL, error TEXT, warmup INTEGER);
CREATE INDEX IF NOT EXISTS requests_by_run ON requests(run_id);
CREATE TABLE IF NOT EXISTS events (
  run_id INTEGER NOT NULL REFERENCES runs(id), seq INTEGER, wall_us INTEGER, mono_us INTEGER, function TEXT,
  replica TEXT, kind TEXT, seconds REAL, from_replicas INTEGER, to_replicas INTEGER, detail TEXT);
CREATE INDEX IF NOT EXISTS events_by_run ON events(run_id);
CREATE TABLE IF NOT EXISTS summaries (
  scope TEXT NOT NULL, run_id INTEGER, campaign_id INTEGER, config_key TEXT, label TEXT NOT NULL,
  count INTEGER, success_rate REAL, throughput_rps REAL, mean_s REAL, stddev_s REAL, min_s REAL, p50_s REAL,
  p90_s REAL, p95_s REAL, p99_s REAL, p999_s REAL, max_s REAL, repetitions INTEGER, mean_s_ci95 REAL,
  throughput_rps_ci95 REAL, success_rate_ci95 REAL, p95_s_ci95 REAL);
CREATE INDEX IF NOT EXISTS summaries_by_run ON summaries(run_id);
CREATE INDEX IF NOT EXISTS summaries_by_config ON summaries(campaign_id, config_key);
)SQL";

// A prepared statement: bind by position (1-based), step, read columns; finalised on destruction.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) stmt_ = nullptr;
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  bool ok() const { return stmt_ != nullptr; }
  std::string error() const { return sqlite3_errmsg(db_); }

  Statement& bind(int i, std::int64_t v) { return sqlite3_bind_int64(stmt_, i, v), *this; }
  Statement& bind(int i, int v) { return sqlite3_bind_int64(stmt_, i, v), *this; }
  Statement& bind(int i, std::uint64_t v) {
    return sqlite3_bind_int64(stmt_, i, static_cast<std::int64_t>(v)), *this;
  }
  Statement& bind(int i, std::uint32_t v) { return sqlite3_bind_int64(stmt_, i, v), *this; }
  Statement& bind(int i, bool v) { return sqlite3_bind_int(stmt_, i, v ? 1 : 0), *this; }
  Statement& bind(int i, double v) { return sqlite3_bind_double(stmt_, i, v), *this; }
  Statement& bind(int i, const std::string& v) {
    return sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT),
           *this;
  }
  template <class T>
  Statement& bind(int i, const std::optional<T>& v) {
    if (v) return bind(i, *v);
    return sqlite3_bind_null(stmt_, i), *this;
  }

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(stmt_); }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  std::int64_t i64(int c) const { return sqlite3_column_int64(stmt_, c); }
  double real(int c) const { return sqlite3_column_double(stmt_, c); }
  bool null(int c) const { return sqlite3_column_type(stmt_, c) == SQLITE_NULL; }
  std::string text(int c) const {
    const auto* p = sqlite3_column_text(stmt_, c);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt_, c)))
             : "";
  }
  std::optional<double> opt_real(int c) const {
    return null(c) ? std::nullopt : std::optional<double>(real(c));
  }
  int columns() const { return sqlite3_column_count(stmt_); }
  std::string name(int c) const { return sqlite3_column_name(stmt_, c); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

Error db_error(sqlite3* db, const std::string& what) {
  const int code = sqlite3_errcode(db);
  std::string message = what + ": " + sqlite3_errmsg(db);
  if (code == SQLITE_FULL) message += " (the disk is full)";
  return make_error(message, Errc::kUnavailable);
}

}  // namespace

Result<std::unique_ptr<ResultsDb>> ResultsDb::open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return make_error("cannot open database " + path + ": " + why, Errc::kUnavailable);
  }
  std::unique_ptr<ResultsDb> r(new ResultsDb(db));
  sqlite3_busy_timeout(db, 5000);
  int version = 0;
  {
    Statement s(db, "PRAGMA user_version");
    if (!s.ok() || s.step() != SQLITE_ROW) return make_error(path + " is not a SQLite database");
    version = static_cast<int>(s.i64(0));
  }
  if (version > kSchemaVersion) {
    return make_error(path + " has results schema " + std::to_string(version) +
                      ", newer than this faaslab (" + std::to_string(kSchemaVersion) + ")");
  }
  if (version == 0) {
    // A new file, or some other SQLite database: only an empty one becomes ours.
    Statement tables(
        db, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'");
    if (tables.step() == SQLITE_ROW && tables.i64(0) > 0) {
      Statement ours(db,
                     "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='campaigns'");
      if (ours.step() != SQLITE_ROW || ours.i64(0) == 0)
        return make_error(path + " is a SQLite database but not a faaslab results database");
    }
  }
  if (auto st =
          r->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
      !st)
    return st.error_value();
  if (auto st = r->create_schema(); !st) return st.error_value();
  return r;
}

ResultsDb::~ResultsDb() {
  (void)flush();
  sqlite3_close(db_);
}

Status ResultsDb::exec(const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    if (sqlite3_errcode(db_) == SQLITE_FULL) message += " (the disk is full)";
    return make_error("database: " + message, Errc::kUnavailable);
  }
  return Ok{};
}

Status ResultsDb::create_schema() {
  if (auto st = exec(kSchema); !st) return st;
  return exec("PRAGMA user_version=" + std::to_string(kSchemaVersion));
}

Result<std::int64_t> ResultsDb::create_campaign(const std::string& name, const std::string& file,
                                                const json& spec, const json& machine,
                                                const json& versions) {
  Statement s(db_,
              "INSERT INTO campaigns(name, file, spec_json, machine_json, versions_json, "
              "created_wall_us, status) "
              "VALUES(?,?,?,?,?,?,'running')");
  s.bind(1, name)
      .bind(2, file)
      .bind(3, spec.dump())
      .bind(4, machine.dump())
      .bind(5, versions.dump())
      .bind(6, wall_us());
  if (s.step() != SQLITE_DONE) return db_error(db_, "creating the campaign");
  return sqlite3_last_insert_rowid(db_);
}

Result<std::optional<std::int64_t>> ResultsDb::latest_campaign(const std::string& name) {
  Statement s(db_, "SELECT id FROM campaigns WHERE name=? ORDER BY id DESC LIMIT 1");
  s.bind(1, name);
  const int rc = s.step();
  if (rc == SQLITE_ROW) return std::optional<std::int64_t>(s.i64(0));
  if (rc == SQLITE_DONE) return std::optional<std::int64_t>();
  return db_error(db_, "finding the campaign");
}

Result<std::vector<std::int64_t>> ResultsDb::campaign_ids() {
  Statement s(db_, "SELECT id FROM campaigns ORDER BY id");
  std::vector<std::int64_t> ids;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) ids.push_back(s.i64(0));
  if (rc != SQLITE_DONE) return db_error(db_, "listing campaigns");
  return ids;
}

Status ResultsDb::set_campaign_status(std::int64_t id, const std::string& status) {
  Statement s(db_, "UPDATE campaigns SET status=? WHERE id=?");
  s.bind(1, status).bind(2, id);
  if (s.step() != SQLITE_DONE) return db_error(db_, "updating the campaign");
  return Ok{};
}

Result<json> ResultsDb::campaign_spec(std::int64_t id) {
  Statement s(db_, "SELECT spec_json FROM campaigns WHERE id=?");
  s.bind(1, id);
  if (s.step() != SQLITE_ROW) return make_error("no campaign " + std::to_string(id));
  try {
    return json::parse(s.text(0));
  } catch (const json::exception& e) {
    return make_error(std::string("campaign spec: ") + e.what());
  }
}

Result<json> ResultsDb::campaign_info(std::int64_t id) {
  Statement s(db_,
              "SELECT id, name, file, status, created_wall_us, spec_json, machine_json, "
              "versions_json FROM campaigns "
              "WHERE id=?");
  s.bind(1, id);
  if (s.step() != SQLITE_ROW)
    return make_error("no campaign " + std::to_string(id) + " in the database");
  auto parse = [](const std::string& text) {
    try {
      return json::parse(text);
    } catch (const json::exception&) {
      return json::object();
    }
  };
  return json{{"id", s.i64(0)},
              {"name", s.text(1)},
              {"file", s.text(2)},
              {"status", s.text(3)},
              {"created_wall_us", s.i64(4)},
              {"spec", parse(s.text(5))},
              {"machine", parse(s.text(6))},
              {"versions", parse(s.text(7))}};
}

Result<std::int64_t> ResultsDb::begin_run(std::int64_t campaign_id, const RunColumns& r) {
  Statement s(db_,
              "INSERT INTO runs(campaign_id, config_key, repetition, ordinal, config_json, users, "
              "think_s, think_dist, "
              "rate, replicas, mode, routing, max_inflight, workers, codec, frame_width, "
              "frame_height, timeout_s, cores, "
              "target, seed, warmup_requests, started_wall_us, status) "
              "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'running')");
  s.bind(1, campaign_id)
      .bind(2, r.config_key)
      .bind(3, r.repetition)
      .bind(4, r.ordinal)
      .bind(5, r.config_json.dump());
  s.bind(6, r.users)
      .bind(7, r.think_s)
      .bind(8, r.think_dist)
      .bind(9, r.rate)
      .bind(10, r.replicas)
      .bind(11, r.mode);
  s.bind(12, r.routing)
      .bind(13, r.max_inflight)
      .bind(14, r.workers)
      .bind(15, r.codec)
      .bind(16, r.frame_width);
  s.bind(17, r.frame_height)
      .bind(18, r.timeout_s)
      .bind(19, r.cores)
      .bind(20, r.target)
      .bind(21, r.seed);
  s.bind(22, r.warmup_requests).bind(23, wall_us());
  if (s.step() != SQLITE_DONE) return db_error(db_, "recording the run");
  return sqlite3_last_insert_rowid(db_);
}

Status ResultsDb::add_request(std::int64_t run_id, RequestRow row) {
  pending_.emplace_back(run_id, std::move(row));
  if (pending_.size() >= kBatch) return flush();
  return Ok{};
}

Status ResultsDb::flush() {
  if (pending_.empty()) return Ok{};
  if (auto st = exec("BEGIN"); !st) return st;
  Statement s(db_,
              "INSERT INTO requests(run_id, user, sequence, payload, iteration, label, "
              "intended_us, start_us, "
              "first_byte_us, end_us, intended_wall_us, start_wall_us, end_wall_us, latency_us, "
              "service_us, connect_us, "
              "status, outcome, bytes_sent, bytes_received, ml_s, handler_s, replica, cold_start, "
              "cold_start_s, error, "
              "warmup) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  for (const auto& [run_id, r] : pending_) {
    s.bind(1, run_id)
        .bind(2, r.user)
        .bind(3, r.sequence)
        .bind(4, r.payload)
        .bind(5, r.iteration)
        .bind(6, r.label);
    s.bind(7, r.intended_us).bind(8, r.start_us).bind(9, r.first_byte_us).bind(10, r.end_us);
    s.bind(11, r.intended_wall_us)
        .bind(12, r.start_wall_us)
        .bind(13, r.end_wall_us)
        .bind(14, r.latency_us);
    s.bind(15, r.service_us)
        .bind(16, r.connect_us)
        .bind(17, r.status)
        .bind(18, r.outcome)
        .bind(19, r.bytes_sent);
    s.bind(20, r.bytes_received)
        .bind(21, r.ml_s)
        .bind(22, r.handler_s)
        .bind(23, r.replica)
        .bind(24, r.cold_start);
    s.bind(25, r.cold_start_s).bind(26, r.error).bind(27, r.warmup);
    if (s.step() != SQLITE_DONE) {
      auto e = db_error(db_, "storing requests");
      (void)exec("ROLLBACK");
      return e;
    }
    s.reset();
  }
  if (auto st = exec("COMMIT"); !st) return st;
  pending_.clear();
  return Ok{};
}

Status ResultsDb::add_events(std::int64_t run_id, const std::vector<EventRow>& events) {
  if (events.empty()) return Ok{};
  if (auto st = exec("BEGIN"); !st) return st;
  Statement s(db_,
              "INSERT INTO events(run_id, seq, wall_us, mono_us, function, replica, kind, seconds, "
              "from_replicas, "
              "to_replicas, detail) VALUES(?,?,?,?,?,?,?,?,?,?,?)");
  for (const auto& e : events) {
    s.bind(1, run_id)
        .bind(2, e.seq)
        .bind(3, e.wall_us)
        .bind(4, e.mono_us)
        .bind(5, e.function)
        .bind(6, e.replica);
    s.bind(7, e.kind)
        .bind(8, e.seconds)
        .bind(9, e.from_replicas)
        .bind(10, e.to_replicas)
        .bind(11, e.detail);
    if (s.step() != SQLITE_DONE) {
      auto err = db_error(db_, "storing events");
      (void)exec("ROLLBACK");
      return err;
    }
    s.reset();
  }
  return exec("COMMIT");
}

Status ResultsDb::finish_run(std::int64_t run_id, const std::string& status,
                             const std::string& error, bool first_request_cold) {
  if (auto st = flush(); !st) return st;
  Statement s(
      db_, "UPDATE runs SET status=?, error=?, first_request_cold=?, ended_wall_us=? WHERE id=?");
  s.bind(1, status).bind(2, error).bind(3, first_request_cold).bind(4, wall_us()).bind(5, run_id);
  if (s.step() != SQLITE_DONE) return db_error(db_, "finishing the run");
  return Ok{};
}

Status ResultsDb::mark_warmup(std::int64_t run_id, std::uint64_t n) {
  if (auto st = flush(); !st) return st;
  Statement s(
      db_,
      "UPDATE requests SET warmup=1 WHERE rowid IN (SELECT rowid FROM requests WHERE run_id=? "
      "ORDER BY intended_us, rowid LIMIT ?)");
  s.bind(1, run_id).bind(2, n);
  if (s.step() != SQLITE_DONE) return db_error(db_, "marking warm-up requests");
  return Ok{};
}

Result<std::vector<std::int64_t>> ResultsDb::complete_run_ids(std::int64_t campaign_id,
                                                              const std::string& key) {
  Statement s(db_,
              "SELECT id FROM runs WHERE campaign_id=? AND config_key=? AND status='complete' "
              "ORDER BY repetition");
  s.bind(1, campaign_id).bind(2, key);
  std::vector<std::int64_t> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(s.i64(0));
  if (rc != SQLITE_DONE) return db_error(db_, "reading runs");
  return out;
}

Status ResultsDb::delete_incomplete_runs(std::int64_t campaign_id) {
  // Requests still buffered for those runs go with them (a later flush would fail on them,
  // or attach them to a new run that reuses the id).
  {
    Statement s(db_, "SELECT id FROM runs WHERE campaign_id=? AND status!='complete'");
    s.bind(1, campaign_id);
    std::set<std::int64_t> doomed;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) doomed.insert(s.i64(0));
    if (rc != SQLITE_DONE) return db_error(db_, "reading runs");
    std::erase_if(pending_, [&](const auto& p) { return doomed.count(p.first) > 0; });
  }
  const std::string where =
      "(SELECT id FROM runs WHERE campaign_id=" + std::to_string(campaign_id) +
      " AND status!='complete')";
  return exec("BEGIN; DELETE FROM requests WHERE run_id IN " + where +
              "; DELETE FROM events WHERE run_id IN " + where +
              "; DELETE FROM summaries WHERE run_id IN " + where +
              "; DELETE FROM runs WHERE campaign_id=" + std::to_string(campaign_id) +
              " AND status!='complete'; COMMIT;");
}

Result<std::set<std::pair<std::string, int>>> ResultsDb::complete_runs(std::int64_t campaign_id) {
  Statement s(db_,
              "SELECT config_key, repetition FROM runs WHERE campaign_id=? AND status='complete'");
  s.bind(1, campaign_id);
  std::set<std::pair<std::string, int>> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.emplace(s.text(0), static_cast<int>(s.i64(1)));
  if (rc != SQLITE_DONE) return db_error(db_, "reading runs");
  return out;
}

Result<std::vector<RunRow>> ResultsDb::runs(std::int64_t campaign_id) {
  Statement s(db_,
              "SELECT id, config_key, repetition, ordinal, config_json, users, think_s, "
              "think_dist, rate, replicas, mode, "
              "routing, max_inflight, workers, codec, frame_width, frame_height, timeout_s, cores, "
              "target, seed, "
              "warmup_requests, first_request_cold, started_wall_us, ended_wall_us, status, error "
              "FROM runs WHERE campaign_id=? ORDER BY ordinal, repetition, id");
  s.bind(1, campaign_id);
  std::vector<RunRow> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    RunRow r;
    r.id = s.i64(0);
    auto& c = r.columns;
    c.config_key = s.text(1);
    c.repetition = static_cast<int>(s.i64(2));
    c.ordinal = static_cast<int>(s.i64(3));
    try {
      c.config_json = json::parse(s.text(4));
    } catch (const json::exception&) {
      c.config_json = json::object();
    }
    if (!s.null(5)) c.users = s.i64(5);
    c.think_s = s.opt_real(6);
    c.think_dist = s.text(7);
    c.rate = s.opt_real(8);
    c.replicas = static_cast<int>(s.i64(9));
    c.mode = s.text(10);
    c.routing = s.text(11);
    c.max_inflight = static_cast<int>(s.i64(12));
    c.workers = static_cast<int>(s.i64(13));
    c.codec = s.text(14);
    c.frame_width = static_cast<int>(s.i64(15));
    c.frame_height = static_cast<int>(s.i64(16));
    c.timeout_s = s.real(17);
    c.cores = static_cast<int>(s.i64(18));
    c.target = s.text(19);
    c.seed = static_cast<std::uint64_t>(s.i64(20));
    c.warmup_requests = static_cast<std::uint64_t>(s.i64(21));
    r.first_request_cold = s.i64(22) != 0;
    r.started_wall_us = s.i64(23);
    r.ended_wall_us = s.i64(24);
    r.status = s.text(25);
    r.error = s.text(26);
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return db_error(db_, "reading runs");
  return out;
}

Result<std::vector<RequestRow>> ResultsDb::requests(std::int64_t run_id) {
  if (auto st = flush(); !st) return st.error_value();
  Statement s(db_,
              "SELECT user, sequence, payload, iteration, label, intended_us, start_us, "
              "first_byte_us, end_us, "
              "intended_wall_us, start_wall_us, end_wall_us, latency_us, service_us, connect_us, "
              "status, outcome, "
              "bytes_sent, bytes_received, ml_s, handler_s, replica, cold_start, cold_start_s, "
              "error, warmup "
              "FROM requests WHERE run_id=? ORDER BY rowid");
  s.bind(1, run_id);
  std::vector<RequestRow> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    RequestRow r;
    r.user = static_cast<std::uint64_t>(s.i64(0));
    r.sequence = static_cast<std::uint64_t>(s.i64(1));
    r.payload = static_cast<std::uint32_t>(s.i64(2));
    r.iteration = static_cast<std::uint32_t>(s.i64(3));
    r.label = s.text(4);
    r.intended_us = s.i64(5);
    r.start_us = s.i64(6);
    r.first_byte_us = s.i64(7);
    r.end_us = s.i64(8);
    r.intended_wall_us = s.i64(9);
    r.start_wall_us = s.i64(10);
    r.end_wall_us = s.i64(11);
    if (!s.null(12)) r.latency_us = s.i64(12);
    r.service_us = s.i64(13);
    r.connect_us = s.i64(14);
    r.status = static_cast<int>(s.i64(15));
    r.outcome = s.text(16);
    r.bytes_sent = static_cast<std::uint64_t>(s.i64(17));
    r.bytes_received = static_cast<std::uint64_t>(s.i64(18));
    r.ml_s = s.opt_real(19);
    r.handler_s = s.opt_real(20);
    r.replica = s.text(21);
    r.cold_start = s.i64(22) != 0;
    r.cold_start_s = s.opt_real(23);
    r.error = s.text(24);
    r.warmup = s.i64(25) != 0;
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return db_error(db_, "reading requests");
  return out;
}

Result<std::vector<EventRow>> ResultsDb::events(std::int64_t run_id) {
  Statement s(db_,
              "SELECT seq, wall_us, mono_us, function, replica, kind, seconds, from_replicas, "
              "to_replicas, detail "
              "FROM events WHERE run_id=? ORDER BY seq");
  s.bind(1, run_id);
  std::vector<EventRow> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    EventRow e;
    e.seq = static_cast<std::uint64_t>(s.i64(0));
    e.wall_us = s.i64(1);
    e.mono_us = s.i64(2);
    e.function = s.text(3);
    e.replica = s.text(4);
    e.kind = s.text(5);
    e.seconds = s.opt_real(6);
    if (!s.null(7)) e.from_replicas = static_cast<int>(s.i64(7));
    if (!s.null(8)) e.to_replicas = static_cast<int>(s.i64(8));
    e.detail = s.text(9);
    out.push_back(std::move(e));
  }
  if (rc != SQLITE_DONE) return db_error(db_, "reading events");
  return out;
}

namespace {

void bind_summary(Statement& s, int first, const SummaryRow& r) {
  s.bind(first, r.label)
      .bind(first + 1, r.count)
      .bind(first + 2, r.success_rate)
      .bind(first + 3, r.throughput_rps);
  s.bind(first + 4, r.mean_s)
      .bind(first + 5, r.stddev_s)
      .bind(first + 6, r.min_s)
      .bind(first + 7, r.p50_s);
  s.bind(first + 8, r.p90_s)
      .bind(first + 9, r.p95_s)
      .bind(first + 10, r.p99_s)
      .bind(first + 11, r.p999_s);
  s.bind(first + 12, r.max_s).bind(first + 13, r.repetitions).bind(first + 14, r.mean_s_ci95);
  s.bind(first + 15, r.throughput_rps_ci95)
      .bind(first + 16, r.success_rate_ci95)
      .bind(first + 17, r.p95_s_ci95);
}

constexpr const char* kSummaryColumns =
    "label, count, success_rate, throughput_rps, mean_s, stddev_s, min_s, p50_s, p90_s, p95_s, "
    "p99_s, p999_s, max_s, "
    "repetitions, mean_s_ci95, throughput_rps_ci95, success_rate_ci95, p95_s_ci95";

SummaryRow read_summary(const Statement& s, int first) {
  SummaryRow r;
  r.label = s.text(first);
  r.count = static_cast<std::uint64_t>(s.i64(first + 1));
  r.success_rate = s.real(first + 2);
  r.throughput_rps = s.real(first + 3);
  r.mean_s = s.real(first + 4);
  r.stddev_s = s.real(first + 5);
  r.min_s = s.real(first + 6);
  r.p50_s = s.real(first + 7);
  r.p90_s = s.real(first + 8);
  r.p95_s = s.real(first + 9);
  r.p99_s = s.real(first + 10);
  r.p999_s = s.real(first + 11);
  r.max_s = s.real(first + 12);
  r.repetitions = static_cast<int>(s.i64(first + 13));
  r.mean_s_ci95 = s.opt_real(first + 14);
  r.throughput_rps_ci95 = s.opt_real(first + 15);
  r.success_rate_ci95 = s.opt_real(first + 16);
  r.p95_s_ci95 = s.opt_real(first + 17);
  return r;
}

}  // namespace

Status ResultsDb::put_run_summary(std::int64_t run_id, const SummaryRow& r) {
  Statement del(db_, "DELETE FROM summaries WHERE scope='run' AND run_id=? AND label=?");
  del.bind(1, run_id).bind(2, r.label);
  if (del.step() != SQLITE_DONE) return db_error(db_, "replacing a summary");
  Statement s(db_, (std::string("INSERT INTO summaries(scope, run_id, ") + kSummaryColumns +
                    ") VALUES('run',?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
                       .c_str());
  s.bind(1, run_id);
  bind_summary(s, 2, r);
  if (s.step() != SQLITE_DONE) return db_error(db_, "storing a run summary");
  return Ok{};
}

Status ResultsDb::put_config_summary(std::int64_t campaign_id, const std::string& key,
                                     const SummaryRow& r) {
  Statement del(
      db_,
      "DELETE FROM summaries WHERE scope='config' AND campaign_id=? AND config_key=? AND label=?");
  del.bind(1, campaign_id).bind(2, key).bind(3, r.label);
  if (del.step() != SQLITE_DONE) return db_error(db_, "replacing a summary");
  Statement s(db_, (std::string("INSERT INTO summaries(scope, campaign_id, config_key, ") +
                    kSummaryColumns + ") VALUES('config',?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
                       .c_str());
  s.bind(1, campaign_id).bind(2, key);
  bind_summary(s, 3, r);
  if (s.step() != SQLITE_DONE) return db_error(db_, "storing a configuration summary");
  return Ok{};
}

Result<std::vector<SummaryRow>> ResultsDb::run_summaries(std::int64_t run_id) {
  Statement s(db_, (std::string("SELECT ") + kSummaryColumns +
                    " FROM summaries WHERE scope='run' AND run_id=? ORDER BY label")
                       .c_str());
  s.bind(1, run_id);
  std::vector<SummaryRow> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(read_summary(s, 0));
  if (rc != SQLITE_DONE) return db_error(db_, "reading summaries");
  return out;
}

Result<std::vector<std::pair<std::string, SummaryRow>>> ResultsDb::config_summaries(
    std::int64_t campaign_id) {
  Statement s(db_, (std::string("SELECT config_key, ") + kSummaryColumns +
                    " FROM summaries WHERE scope='config' AND campaign_id=? ORDER BY rowid")
                       .c_str());
  s.bind(1, campaign_id);
  std::vector<std::pair<std::string, SummaryRow>> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.emplace_back(s.text(0), read_summary(s, 1));
  if (rc != SQLITE_DONE) return db_error(db_, "reading summaries");
  return out;
}

Status ResultsDb::export_csv(const std::string& table, std::optional<std::int64_t> campaign_id,
                             const std::string& path) {
  static const std::set<std::string> kTables = {"campaigns", "runs", "requests", "events",
                                                "summaries"};
  if (!kTables.count(table))
    return make_error("unknown table '" + table +
                      "' (campaigns, runs, requests, events, summaries)");
  if (auto st = flush(); !st) return st;
  std::string sql = "SELECT * FROM " + table;
  if (campaign_id) {
    const std::string id = std::to_string(*campaign_id);
    if (table == "campaigns")
      sql += " WHERE id=" + id;
    else if (table == "runs")
      sql += " WHERE campaign_id=" + id;
    else if (table == "summaries")
      sql += " WHERE campaign_id=" + id +
             " OR run_id IN (SELECT id FROM runs WHERE campaign_id=" + id + ")";
    else
      sql += " WHERE run_id IN (SELECT id FROM runs WHERE campaign_id=" + id + ")";
  }
  Statement s(db_, sql.c_str());
  if (!s.ok()) return db_error(db_, "exporting " + table);
  std::ofstream out(path);
  if (!out) return make_error("cannot write " + path, Errc::kUnavailable);
  auto quote = [](const std::string& v) {
    if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
    std::string q = "\"";
    for (char c : v) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  };
  for (int c = 0; c < s.columns(); ++c) out << (c ? "," : "") << s.name(c);
  out << "\n";
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    for (int c = 0; c < s.columns(); ++c)
      out << (c ? "," : "") << (s.null(c) ? "" : quote(s.text(c)));
    out << "\n";
  }
  if (rc != SQLITE_DONE) return db_error(db_, "exporting " + table);
  if (!out) return make_error("writing " + path + " failed (disk full?)", Errc::kUnavailable);
  return Ok{};
}

}  // namespace faaslab::experiment
