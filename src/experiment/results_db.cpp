#include "experiment/results_db.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "common/clock.h"
#include "experiment/results_columns.h"
#include "experiment/sqlite_statement.h"

namespace faaslab::experiment {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr std::size_t kBatch = 2000;

// A status as the text the database stores.
template <class S>
std::string text(S status) {
  return std::string(status_text(status));
}

// Schema 1 -> 2, in one transaction.
const char* kMigrateFrom1 = R"SQL(
BEGIN;
ALTER TABLE runs ADD COLUMN topology TEXT;
ALTER TABLE runs ADD COLUMN placement TEXT;
ALTER TABLE runs ADD COLUMN offload_threshold INTEGER;
ALTER TABLE runs ADD COLUMN cloud_delay_s REAL;
ALTER TABLE runs ADD COLUMN cloud_bandwidth_bps REAL;
ALTER TABLE requests ADD COLUMN node TEXT;
ALTER TABLE requests ADD COLUMN placement TEXT;
PRAGMA user_version=2;
COMMIT;
)SQL";

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
  status TEXT NOT NULL, error TEXT, topology TEXT, placement TEXT, offload_threshold INTEGER,
  cloud_delay_s REAL, cloud_bandwidth_bps REAL);
CREATE INDEX IF NOT EXISTS runs_by_campaign ON runs(campaign_id, config_key, repetition);
CREATE TABLE IF NOT EXISTS requests (
  run_id INTEGER NOT NULL REFERENCES runs(id), user INTEGER, sequence INTEGER, payload INTEGER, iteration INTEGER,
  label TEXT, intended_us INTEGER, start_us INTEGER, first_byte_us INTEGER, end_us INTEGER,
  intended_wall_us INTEGER, start_wall_us INTEGER, end_wall_us INTEGER, latency_us INTEGER, service_us INTEGER,
  connect_us INTEGER, status INTEGER, outcome TEXT, bytes_sent INTEGER, bytes_received INTEGER, ml_s REAL,
  handler_s REAL, replica TEXT, cold_start INTEGER, cold_start_s REAL, error TEXT, warmup INTEGER,
  node TEXT, placement TEXT);
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

// Why writing to the database at `file` failed, if the file system says: a file size limit
// reached (ulimit -f; the database and its WAL are checked), or no space left. Empty if neither.
std::string storage_hint(const std::string& file) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    for (const char* suffix : {"", "-wal"}) {
      struct stat st {};
      // Within the largest page of the limit: the next page did not fit.
      if (::stat((file + suffix).c_str(), &st) == 0 &&
          static_cast<rlim_t>(st.st_size) + 65536 >= limit.rlim_cur) {
        return "the file size limit is reached: ulimit -f allows " +
               std::to_string(limit.rlim_cur) + " bytes";
      }
    }
  }
  const auto dir = fs::path(file).parent_path();
  struct statvfs fsinfo {};
  if (::statvfs(dir.empty() ? "." : dir.c_str(), &fsinfo) == 0) {
    const auto free_bytes = static_cast<std::uint64_t>(fsinfo.f_bavail) * fsinfo.f_frsize;
    if (free_bytes < (1u << 20)) {
      return "no space left on the disk: " + std::to_string(free_bytes / 1024) + " KiB free in " +
             (dir.empty() ? std::string(".") : dir.string());
    }
  }
  return "";
}

}  // namespace

Error db_error(sqlite3* db, const std::string& what) {
  const char* name = sqlite3_db_filename(db, "main");
  const std::string file = name ? name : "";
  std::string message = "results database " + (file.empty() ? std::string("(temporary)") : file) +
                        ": " + what + ": " + sqlite3_errmsg(db);
  std::string hint;
  switch (sqlite3_extended_errcode(db) & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      hint = "another process holds a lock on it; gave up after waiting " +
             std::to_string(kBusyTimeoutMs / 1000) + " s";
      break;
    case SQLITE_FULL:
    case SQLITE_IOERR:
      hint = storage_hint(file);
      if (hint.empty() && sqlite3_errcode(db) == SQLITE_FULL) hint = "no space left on the disk";
      break;
    case SQLITE_READONLY:
      hint = "the file or its directory is read-only";
      break;
    default:
      break;
  }
  if (!hint.empty()) message += " (" + hint + ")";
  return make_error(message, Errc::kUnavailable);
}

Result<std::unique_ptr<ResultsDb>> ResultsDb::open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return make_error("cannot open database " + path + ": " + why, Errc::kUnavailable);
  }
  std::unique_ptr<ResultsDb> r(new ResultsDb(db));
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  int version = 0;
  {
    Statement s(db, "PRAGMA user_version");
    if (!s.ok() || s.step() != SQLITE_ROW) {
      if (sqlite3_errcode(db) == SQLITE_NOTADB)
        return make_error(path + " is not a SQLite database");
      return db_error(db, "reading its version");
    }
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
          r->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
                  "setting it up");
      !st)
    return st.error_value();
  // Only a new database is written to here, so opening one that another process has locked
  // fails only where this one must write.
  if (version == 0) {
    if (auto st = r->create_schema(); !st) return st.error_value();
  } else if (version == 1) {
    // Schema 1 had no edge–cloud columns: added empty, so older results read as before.
    if (auto st = r->exec(kMigrateFrom1, "adding the edge–cloud columns"); !st)
      return st.error_value();
  }
  return r;
}

ResultsDb::~ResultsDb() {
  (void)flush();
  sqlite3_close(db_);
}

Status ResultsDb::exec(const std::string& sql, const std::string& what) {
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
    return db_error(db_, what);
  return Ok{};
}

Status ResultsDb::create_schema() {
  if (auto st = exec(kSchema, "creating its tables"); !st) return st;
  return exec("PRAGMA user_version=" + std::to_string(kSchemaVersion), "setting its version");
}

Result<std::int64_t> ResultsDb::create_campaign(const std::string& name, const std::string& file,
                                                const json& spec, const json& machine,
                                                const json& versions) {
  Statement s(db_,
              "INSERT INTO campaigns(name, file, spec_json, machine_json, versions_json, "
              "created_wall_us, status) "
              "VALUES(?,?,?,?,?,?,?)");
  s.bind(1, name)
      .bind(2, file)
      .bind(3, spec.dump())
      .bind(4, machine.dump())
      .bind(5, versions.dump())
      .bind(6, wall_us())
      .bind(7, text(CampaignStatus::kRunning));
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
  if (auto st = s.each_row("listing campaigns", [&] { ids.push_back(s.i64(0)); }); !st)
    return st.error_value();
  return ids;
}

Status ResultsDb::set_campaign_status(std::int64_t id, CampaignStatus status) {
  Statement s(db_, "UPDATE campaigns SET status=? WHERE id=?");
  s.bind(1, text(status)).bind(2, id);
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
  auto parse = [&](int column) {
    json j;
    s.read(column, j);  // an empty object if it does not parse
    return j;
  };
  return json{{"id", s.i64(0)},      {"name", s.text(1)},           {"file", s.text(2)},
              {"status", s.text(3)}, {"created_wall_us", s.i64(4)}, {"spec", parse(5)},
              {"machine", parse(6)}, {"versions", parse(7)}};
}

Result<std::int64_t> ResultsDb::begin_run(std::int64_t campaign_id, const RunColumns& r) {
  const auto& columns = run_columns();
  Statement s(db_, "INSERT INTO runs(campaign_id, " + columns.names() +
                       ", started_wall_us, status) VALUES(?," + columns.placeholders() + ",?,?)");
  s.bind(1, campaign_id);
  columns.bind(s, 2, r);
  s.bind(2 + columns.size(), wall_us()).bind(3 + columns.size(), text(RunStatus::kRunning));
  if (s.step() != SQLITE_DONE) return db_error(db_, "recording the run");
  return sqlite3_last_insert_rowid(db_);
}

Status ResultsDb::add_request(std::int64_t run_id, RequestRow row) {
  pending_.emplace_back(run_id, std::move(row));
  if (pending_.size() >= kBatch) return flush();
  return Ok{};
}

namespace {

// INSERTs (run_id, row) pairs into a table whose columns are run_id and then `columns`.
template <class Row, class Pairs>
Status insert_rows(sqlite3* db, const std::string& table, const Columns<Row>& columns,
                   const Pairs& rows, const std::string& what) {
  Statement s(db, "INSERT INTO " + table + "(run_id, " + columns.names() + ") VALUES(?," +
                      columns.placeholders() + ")");
  for (const auto& [run_id, row] : rows) {
    s.bind(1, run_id);
    columns.bind(s, 2, row);
    if (s.step() != SQLITE_DONE) return db_error(db, what);
    s.reset();
  }
  return Ok{};
}

}  // namespace

Status ResultsDb::transaction(const std::function<Status()>& body) {
  if (auto st = exec("BEGIN", "starting a transaction"); !st) return st;
  auto st = body();
  if (st) st = exec("COMMIT", "committing");
  // SQLite may or may not have rolled a failed transaction back itself (a full disk at COMMIT,
  // a lock it gave up on): left open, its rows would be committed by a later transaction and
  // then written again by the retry of what failed — recorded twice.
  if (!st && !sqlite3_get_autocommit(db_)) (void)exec("ROLLBACK", "rolling back");
  return st;
}

Status ResultsDb::flush() {
  if (pending_.empty()) return Ok{};
  auto st = transaction([&] {
    return insert_rows(db_, "requests", request_columns(), pending_, "storing requests");
  });
  // Written, or (rolled back) dropped: a run with requests that could not be written is never
  // finished as complete, so --resume runs it again; kept, they would be tried again at every
  // later flush, each waiting out a lock again.
  pending_.clear();
  return st;
}

Status ResultsDb::add_events(std::int64_t run_id, const std::vector<EventRow>& events) {
  if (events.empty()) return Ok{};
  // (run id, row) pairs as insert_rows takes them. A plain vector: clang 14 cannot compile
  // std::views over libstdc++ 12.
  std::vector<std::pair<std::int64_t, const EventRow&>> with_run;
  with_run.reserve(events.size());
  for (const auto& e : events) with_run.emplace_back(run_id, e);
  return transaction(
      [&] { return insert_rows(db_, "events", event_columns(), with_run, "storing events"); });
}

Status ResultsDb::finish_run(std::int64_t run_id, RunStatus status, const std::string& error,
                             bool first_request_cold) {
  if (auto st = flush(); !st) return st;
  Statement s(
      db_, "UPDATE runs SET status=?, error=?, first_request_cold=?, ended_wall_us=? WHERE id=?");
  s.bind(1, text(status))
      .bind(2, error)
      .bind(3, first_request_cold)
      .bind(4, wall_us())
      .bind(5, run_id);
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
              "SELECT id FROM runs WHERE campaign_id=? AND config_key=? AND status=? "
              "ORDER BY repetition");
  s.bind(1, campaign_id).bind(2, key).bind(3, text(RunStatus::kComplete));
  std::vector<std::int64_t> out;
  if (auto st = s.each_row("reading runs", [&] { out.push_back(s.i64(0)); }); !st)
    return st.error_value();
  return out;
}

Status ResultsDb::delete_incomplete_runs(std::int64_t campaign_id) {
  // Requests still buffered for those runs go with them (a later flush would fail on them,
  // or attach them to a new run that reuses the id).
  {
    Statement s(db_, "SELECT id FROM runs WHERE campaign_id=? AND status!=?");
    s.bind(1, campaign_id).bind(2, text(RunStatus::kComplete));
    std::set<std::int64_t> doomed;
    if (auto st = s.each_row("reading runs", [&] { doomed.insert(s.i64(0)); }); !st) return st;
    std::erase_if(pending_, [&](const auto& p) { return doomed.count(p.first) > 0; });
  }
  const std::string incomplete = "campaign_id=" + std::to_string(campaign_id) + " AND status!='" +
                                 text(RunStatus::kComplete) + "'";
  const std::string where = "(SELECT id FROM runs WHERE " + incomplete + ")";
  // One transaction, rolled back if any statement fails (a lock, a full disk): the runs go
  // with all their rows or not at all.
  return transaction([&] {
    return exec("DELETE FROM requests WHERE run_id IN " + where +
                    "; DELETE FROM events WHERE run_id IN " + where +
                    "; DELETE FROM summaries WHERE run_id IN " + where +
                    "; DELETE FROM runs WHERE " + incomplete + ";",
                "removing the incomplete runs");
  });
}

Result<std::set<std::pair<std::string, int>>> ResultsDb::complete_runs(std::int64_t campaign_id) {
  Statement s(db_, "SELECT config_key, repetition FROM runs WHERE campaign_id=? AND status=?");
  s.bind(1, campaign_id).bind(2, text(RunStatus::kComplete));
  std::set<std::pair<std::string, int>> out;
  auto st = s.each_row("reading runs", [&] { out.emplace(s.text(0), static_cast<int>(s.i64(1))); });
  if (!st) return st.error_value();
  return out;
}

Result<std::vector<RunRow>> ResultsDb::runs(std::int64_t campaign_id) {
  const auto& columns = run_columns();
  Statement s(db_, "SELECT id, " + columns.names() +
                       ", first_request_cold, started_wall_us, ended_wall_us, status, error "
                       "FROM runs WHERE campaign_id=? ORDER BY ordinal, repetition, id");
  s.bind(1, campaign_id);
  std::vector<RunRow> out;
  const int tail = 1 + columns.size();  // the first column after the configuration
  auto st = s.each_row("reading runs", [&] {
    RunRow r;
    s.read(0, r.id);
    columns.read(s, 1, r.columns);
    s.read(tail, r.first_request_cold);
    s.read(tail + 1, r.started_wall_us);
    s.read(tail + 2, r.ended_wall_us);
    r.status = run_status_from_text(s.text(tail + 3));
    s.read(tail + 4, r.error);
    out.push_back(std::move(r));
  });
  if (!st) return st.error_value();
  return out;
}

namespace {

// Every row of a SELECT of `columns` (from result column 0), in order.
template <class Row>
Result<std::vector<Row>> read_rows(Statement& s, const Columns<Row>& columns,
                                   const std::string& what) {
  std::vector<Row> out;
  auto st = s.each_row(what, [&] {
    Row row;
    columns.read(s, 0, row);
    out.push_back(std::move(row));
  });
  if (!st) return st.error_value();
  return out;
}

}  // namespace

Result<std::vector<RequestRow>> ResultsDb::requests(std::int64_t run_id) {
  if (auto st = flush(); !st) return st.error_value();
  const auto& columns = request_columns();
  Statement s(db_, "SELECT " + columns.names() + " FROM requests WHERE run_id=? ORDER BY rowid");
  s.bind(1, run_id);
  return read_rows(s, columns, "reading requests");
}

Result<std::vector<EventRow>> ResultsDb::events(std::int64_t run_id) {
  const auto& columns = event_columns();
  Statement s(db_, "SELECT " + columns.names() + " FROM events WHERE run_id=? ORDER BY seq");
  s.bind(1, run_id);
  return read_rows(s, columns, "reading events");
}

Status ResultsDb::put_run_summary(std::int64_t run_id, const SummaryRow& r) {
  Statement del(db_, "DELETE FROM summaries WHERE scope='run' AND run_id=? AND label=?");
  del.bind(1, run_id).bind(2, r.label);
  if (del.step() != SQLITE_DONE) return db_error(db_, "replacing a summary");
  const auto& columns = summary_columns();
  Statement s(db_, "INSERT INTO summaries(scope, run_id, " + columns.names() + ") VALUES('run',?," +
                       columns.placeholders() + ")");
  s.bind(1, run_id);
  columns.bind(s, 2, r);
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
  const auto& columns = summary_columns();
  Statement s(db_, "INSERT INTO summaries(scope, campaign_id, config_key, " + columns.names() +
                       ") VALUES('config',?,?," + columns.placeholders() + ")");
  s.bind(1, campaign_id).bind(2, key);
  columns.bind(s, 3, r);
  if (s.step() != SQLITE_DONE) return db_error(db_, "storing a configuration summary");
  return Ok{};
}

Result<std::vector<SummaryRow>> ResultsDb::run_summaries(std::int64_t run_id) {
  const auto& columns = summary_columns();
  Statement s(db_, "SELECT " + columns.names() +
                       " FROM summaries WHERE scope='run' AND run_id=? ORDER BY label");
  s.bind(1, run_id);
  return read_rows(s, columns, "reading summaries");
}

Result<std::vector<std::pair<std::string, SummaryRow>>> ResultsDb::config_summaries(
    std::int64_t campaign_id) {
  const auto& columns = summary_columns();
  Statement s(db_, "SELECT config_key, " + columns.names() +
                       " FROM summaries WHERE scope='config' AND campaign_id=? ORDER BY rowid");
  s.bind(1, campaign_id);
  std::vector<std::pair<std::string, SummaryRow>> out;
  auto st = s.each_row("reading summaries", [&] {
    SummaryRow row;
    columns.read(s, 1, row);
    out.emplace_back(s.text(0), std::move(row));
  });
  if (!st) return st.error_value();
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
  Statement s(db_, sql);
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
  auto st = s.each_row("exporting " + table, [&] {
    for (int c = 0; c < s.columns(); ++c)
      out << (c ? "," : "") << (s.null(c) ? "" : quote(s.text(c)));
    out << "\n";
  });
  if (!st) return st;
  if (!out) return make_error("writing " + path + " failed (disk full?)", Errc::kUnavailable);
  return Ok{};
}

}  // namespace faaslab::experiment
