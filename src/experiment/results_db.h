// The results database (SQLite, WAL): campaigns, runs, requests, replica events, summaries.
// Schema and meaning of every column: docs/results-db.md.
//
// Written as a run goes: requests are buffered and inserted in batches inside transactions, so
// a crash or Ctrl-C loses at most the unflushed tail of the run in progress, and a run is only
// marked complete once all of it is in. A ResultsDb owns its SQLite connection (closed, after a
// last flush, when it is destroyed); the connection is not exposed: tests that look inside the
// file open it with sqlite3 themselves. Not thread-safe: one ResultsDb per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "common/summary.h"
#include "experiment/run_status.h"

struct sqlite3;

namespace faaslab::experiment {

inline constexpr int kSchemaVersion = 2;  // 2: edge–cloud (runs' topology, requests' node)

struct RequestRow {
  std::uint64_t user = 0, sequence = 0;
  std::uint32_t payload = 0, iteration = 0;
  std::string label;
  std::int64_t intended_us = 0, start_us = 0, first_byte_us = 0, end_us = 0;
  std::int64_t intended_wall_us = 0, start_wall_us = 0, end_wall_us = 0;
  std::optional<std::int64_t> latency_us;  // null when dropped
  std::int64_t service_us = 0;
  std::int64_t connect_us = -1;
  int status = 0;
  std::string outcome;
  std::uint64_t bytes_sent = 0, bytes_received = 0;
  std::optional<double> ml_s, handler_s;
  std::string replica;
  std::string node;       // the emulated node it ran on ("" without a topology)
  std::string placement;  // where the placement policy sent it and why
  bool cold_start = false;
  std::optional<double> cold_start_s;
  std::string error;
  bool warmup = false;
};

struct EventRow {
  std::uint64_t seq = 0;
  std::int64_t wall_us = 0, mono_us = 0;
  std::string function, replica, kind, detail;
  std::optional<double> seconds;
  std::optional<int> from_replicas, to_replicas;
};

// The run's configuration columns (docs/results-db.md, runs).
struct RunColumns {
  std::string config_key;
  int repetition = 0, ordinal = 0;
  nlohmann::json config_json;
  std::optional<std::int64_t> users;
  std::optional<double> think_s;
  std::string think_dist;
  std::optional<double> rate;
  int replicas = 1;
  std::string mode, routing;
  int max_inflight = 0, workers = 0;
  std::string codec;
  int frame_width = 0, frame_height = 0;
  double timeout_s = 0;
  int cores = 0;
  std::string target;
  std::uint64_t seed = 0;
  std::uint64_t warmup_requests = 0;
  // Edge–cloud ("" / 0 / unset without a topology).
  std::string topology;   // the campaign's name for the run's topology
  std::string placement;  // the placement policy
  int offload_threshold = 0;
  std::optional<double> cloud_delay_s;        // the one-way delay override of links to the cloud
  std::optional<double> cloud_bandwidth_bps;  // their bandwidth override
};

struct RunRow {
  std::int64_t id = 0;
  RunColumns columns;
  RunStatus status = RunStatus::kRunning;
  std::string error;
  bool first_request_cold = false;
  std::int64_t started_wall_us = 0, ended_wall_us = 0;
};

class ResultsDb {
 public:
  // Opens (creating if needed) the database at path. Errors: cannot open or create it, it is
  // not a faaslab database, or its schema is newer than this build knows.
  static Result<std::unique_ptr<ResultsDb>> open(const std::string& path);
  ~ResultsDb();
  ResultsDb(const ResultsDb&) = delete;
  ResultsDb& operator=(const ResultsDb&) = delete;

  // --- campaigns
  Result<std::int64_t> create_campaign(const std::string& name, const std::string& file,
                                       const nlohmann::json& spec, const nlohmann::json& machine,
                                       const nlohmann::json& versions);
  // The most recent campaign with this name, for --resume.
  Result<std::optional<std::int64_t>> latest_campaign(const std::string& name);
  Result<std::vector<std::int64_t>> campaign_ids();
  Status set_campaign_status(std::int64_t campaign_id, CampaignStatus status);
  Result<nlohmann::json> campaign_spec(std::int64_t campaign_id);
  // id, name, file, status, created_wall_us, spec, machine, versions.
  Result<nlohmann::json> campaign_info(std::int64_t campaign_id);

  // --- runs
  Result<std::int64_t> begin_run(std::int64_t campaign_id, const RunColumns& run);
  // Buffered; flushed in batches of ~2,000 rows and by flush()/finish_run(). When a flush
  // fails, the rows it held are dropped: their run must not then be finished as complete.
  Status add_request(std::int64_t run_id, RequestRow row);
  Status flush();
  Status add_events(std::int64_t run_id, const std::vector<EventRow>& events);
  Status finish_run(std::int64_t run_id, RunStatus status, const std::string& error,
                    bool first_request_cold);
  // Marks the run's first n requests by intended start as warm-up (left out of summaries).
  Status mark_warmup(std::int64_t run_id, std::uint64_t n);
  // The complete runs' ids of one configuration.
  Result<std::vector<std::int64_t>> complete_run_ids(std::int64_t campaign_id,
                                                     const std::string& config_key);
  // Runs not complete (running, failed) are removed with their requests and events: --resume
  // runs them again.
  Status delete_incomplete_runs(std::int64_t campaign_id);
  // (config_key, repetition) of the complete runs.
  Result<std::set<std::pair<std::string, int>>> complete_runs(std::int64_t campaign_id);
  Result<std::vector<RunRow>> runs(std::int64_t campaign_id);
  Result<std::vector<RequestRow>> requests(std::int64_t run_id);
  Result<std::vector<EventRow>> events(std::int64_t run_id);

  // --- summaries
  Status put_run_summary(std::int64_t run_id, const SummaryRow& s);
  Status put_config_summary(std::int64_t campaign_id, const std::string& config_key,
                            const SummaryRow& s);
  Result<std::vector<SummaryRow>> run_summaries(std::int64_t run_id);
  Result<std::vector<std::pair<std::string, SummaryRow>>> config_summaries(
      std::int64_t campaign_id);

  // --- export
  // A table (campaigns, runs, requests, events, summaries) as CSV, optionally one campaign's.
  Status export_csv(const std::string& table, std::optional<std::int64_t> campaign_id,
                    const std::string& path);

 private:
  explicit ResultsDb(sqlite3* db) : db_(db) {}
  // Runs SQL text (one or more statements); errors name `what` was being done.
  Status exec(const std::string& sql, const std::string& what);
  // BEGIN, body, COMMIT; ROLLBACK when the body or the COMMIT fails (that error is returned).
  Status transaction(const std::function<Status()>& body);
  Status create_schema();

  sqlite3* db_;
  std::vector<std::pair<std::int64_t, RequestRow>> pending_;
};

}  // namespace faaslab::experiment
