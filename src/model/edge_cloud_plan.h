// Planning on an edge–cloud topology (`faaslab model plan --topology`): for a workload and
// objectives, where the function should run — edge-only, cloud-only, a split, or edge-first —
// and with how many replicas on each node. Every candidate is predicted by the edge–cloud model
// (edge_cloud.h); the answer is the one meeting every objective with the fewest replicas, then
// the lowest mean. Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/edge_cloud.h"
#include "model/plan.h"

namespace faaslab::model {

struct EdgeCloudCandidate {
  runtime::PlacementOptions placement;
  int edge_replicas = 1, cloud_replicas = 1;
  EdgeCloudPrediction prediction;
  bool meets = false;
  std::vector<std::string> missed;  // objectives missed, with the predicted value
  std::string describe() const;     // "edge-first (threshold 2), 1 edge + 2 cloud replicas"
  nlohmann::json to_json() const;
};

struct EdgeCloudPlanOptions {
  int max_edge_replicas = 2, max_cloud_replicas = 4;  // the nodes' max_replicas
  int workers = 2;                                    // requests one replica serves at once
  std::uint64_t seed = 1;
  std::uint64_t measured_requests = 6000;
};

struct EdgeCloudPlan {
  std::vector<EdgeCloudCandidate> candidates;  // meeting ones first, cheapest first
  const EdgeCloudCandidate* chosen() const {
    return !candidates.empty() && candidates.front().meets ? &candidates.front() : nullptr;
  }
  nlohmann::json to_json() const;
};

// Objectives judged: mean, p95, throughput, utilization (the busier node's). Errors: another
// metric, no objective, a system the model refuses.
Result<EdgeCloudPlan> plan_edge_cloud(const EdgeCloudWorkload& w, const EdgeCloudSystem& base,
                                      const std::vector<Objective>& objectives,
                                      const EdgeCloudPlanOptions& o);

}  // namespace faaslab::model
