// The edge–cloud model against an edge–cloud campaign's measurements (`faaslab model validate`
// on a campaign whose runs name topologies): calibration, then predicted vs measured for every
// configuration.
//
// Calibration, per topology and node, from the requests recorded there:
//   service_s    the median over one-user runs of a request's time less its links' time (both
//                one-way delays and both transfers at the links' rates, for its own bytes): the
//                node's time for a request alone, at its CPU budget, gateway and watchdog
//                included;
//   service_cv   the spread of those times (the simulated work's coefficient of variation);
//   parallelism  m = throughput x service_s in the busiest run served at that node alone in
//                which the node was the bottleneck (its time per request at least 1.3 x the lone
//                one's, its links below 85% of their capacity): its capacity is m / service_s
//                requests per second, measured rather than assumed from its cores (a half-core
//                quota lets a lone request run at full speed, so m < 1 there); a node never
//                saturated is given no limit.
// Http-mode replicas serve `workers` (default 2) requests at once each, the rest wait in order.
// Runs of one user and runs used for m are marked fitted and left out of the verdicts.
// Links come from the campaign's topologies (stored with it) and the runs' overrides.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "experiment/results_db.h"
#include "model/edge_cloud.h"

namespace faaslab::model {

struct EdgeCloudFit {
  std::map<std::string, NodeModel> nodes;  // "<topology>/<node>"
  std::vector<std::int64_t> fitted_runs;
  double request_bytes = 0, response_bytes = 0;  // the mean over every answered request
  nlohmann::json to_json() const;
};

struct EdgeCloudRow {
  std::string config_key, topology, placement;
  std::uint64_t users = 0;
  double think_s = 0;
  int repetitions = 0;
  bool fitted = false;
  double measured_mean_s = 0, measured_mean_ci95 = 0, predicted_mean_s = 0, mean_error = 0;
  double measured_tput = 0, predicted_tput = 0, tput_error = 0;
  double measured_offload = 0, predicted_offload = 0;
  double measured_success = 0;
  std::string method, error;
  bool mean_ok = false, mean_in_spread = false, tput_ok = false;
  nlohmann::json to_json() const;
};

struct EdgeCloudTargets {
  double mean = 0.15;        // relative error of the mean response time
  double throughput = 0.10;  // relative error of the throughput
};

struct EdgeCloudValidation {
  std::int64_t campaign_id = 0;
  EdgeCloudFit fit;
  EdgeCloudTargets targets;
  std::vector<EdgeCloudRow> rows;
  int judged() const;
  int passed() const;
  std::string table() const;
  nlohmann::json to_json() const;
};

// Whether the campaign's runs name topologies (so the edge–cloud model applies).
Result<bool> is_edge_cloud_campaign(experiment::ResultsDb& db, std::int64_t campaign_id);

// Errors: no such campaign, no one-user run on some node to calibrate it.
Result<EdgeCloudValidation> validate_edge_cloud(experiment::ResultsDb& db, std::int64_t campaign_id,
                                                const EdgeCloudTargets& targets = {});

}  // namespace faaslab::model
