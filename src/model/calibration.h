// Calibration: the model's parameters measured from a campaign (`faaslab model fit`).
//
// Per (watchdog mode, codec, frame size): the handler's service-time distribution (from
// X-Handler-Seconds), the per-request overhead outside the handler at light load (round trip
// minus handler), how much of that overhead is work on the machine's cores (fitted on loaded
// runs when some are selected), the client's own time between requests, and the replica start
// (cold start) time from the runtime's events. Stored as documented JSON (docs/model.md), with
// the runs it was fitted on so validation never uses them.
//
// Value types; fit() reads the database through the caller's ResultsDb (not thread-safe, as
// ResultsDb is not).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "experiment/results_db.h"
#include "model/distribution.h"
#include "model/model.h"

namespace faaslab::model {

inline constexpr const char* kCalibrationFormat = "faaslab-model-calibration-1";

// Which runs to fit on: "users=1", "id=3|4|5", "mode=http,users=1|30". Conditions separated by
// commas must all hold; values separated by '|' are alternatives. Keys: id, config_key,
// repetition, users, think, rate, replicas, mode, routing, max_inflight, workers, codec, frame.
struct RunSelector {
  std::vector<std::pair<std::string, std::vector<std::string>>> conditions;
  std::string text;
  static Result<RunSelector> parse(const std::string& text);
  bool matches(const experiment::RunRow& run) const;
};

struct GroupCalibration {
  std::string mode, codec;
  int frame_width = 0, frame_height = 0;
  Distribution handler;       // service time in the function's handler, seconds
  Distribution overhead;      // round trip minus handler at light load, seconds
  double overhead_cpu = 1.0;  // core-seconds of work per second of overhead
  bool overhead_cpu_fitted = false;
  double client_s = 0;  // the client's own time between a response and the next think
  // Extra time of a request that found the machine idle (after a think time) over one sent
  // back to back, at light load; 0 unless the light runs had both kinds (System::idle_penalty_s).
  double idle_penalty_s = 0;
  std::optional<Distribution> cold_start;
  int workers = 0;  // the function's workers in the runs (0 = the machine's cores)
  nlohmann::json provenance = nlohmann::json::object();  // runs used, light-load figures, fits

  std::string key() const;  // "http/base64/1308x888"
};

struct Calibration {
  int cores = 0;  // of the machine measured
  std::string database;
  std::int64_t campaign_id = 0;
  std::vector<std::int64_t> fitted_runs;
  std::vector<std::string> selection;
  std::vector<GroupCalibration> groups;

  // The group for a configuration: exact match, else the same mode and codec with the nearest
  // frame area, else the same mode. Null if none.
  const GroupCalibration* find(const std::string& mode, const std::string& codec = "",
                               int frame_width = 0, int frame_height = 0) const;
  bool fitted(std::int64_t run_id) const;

  nlohmann::json to_json() const;
  // Every field is checked; a missing or malformed one is an error naming it.
  static Result<Calibration> from_json(const nlohmann::json& j);
  static Result<Calibration> load(const std::string& path);
  Status save(const std::string& path) const;
};

struct FitOptions {
  std::optional<std::int64_t> campaign_id;  // default: the latest campaign
  // Runs to fit on (any selector matching). Empty: per group, the runs at the lightest load.
  std::vector<RunSelector> runs;
  std::uint64_t seed = 1;
  CoreScheduling core_scheduling = CoreScheduling::kPerCore;  // simulating loaded runs
};

Result<Calibration> fit(experiment::ResultsDb& db, const std::string& db_path,
                        const FitOptions& options);

// The System a run's configuration gets from a calibration group (docs/model.md, "From a
// measured configuration to the model").
System system_for(const experiment::RunColumns& run, const GroupCalibration& g, int cores,
                  CoreScheduling core_scheduling = CoreScheduling::kPerCore);

// The workload a measured run applied: users, think, ramp-up and requests per user (closed),
// or its measured send times replayed as a trace (open).
Workload workload_for(const experiment::RunRow& run,
                      const std::vector<experiment::RequestRow>& requests);

}  // namespace faaslab::model
