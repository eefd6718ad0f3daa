#include "model/edge_cloud_plan.h"

#include <algorithm>
#include <cstdio>

namespace faaslab::model {

namespace {

// The edge–cloud prediction in the fields Objective reads.
Prediction as_prediction(const EdgeCloudPrediction& p) {
  Prediction out;
  out.summary.mean_s = p.mean_s;
  out.summary.p95_s = p.p95_s;
  out.summary.throughput_rps = p.throughput_rps;
  out.summary.success_rate = 1;
  out.utilization = std::max(p.edge_utilization, p.cloud_utilization);
  return out;
}

}  // namespace

std::string EdgeCloudCandidate::describe() const {
  std::string s(runtime::placement_name(placement.policy));
  char extra[64] = "";
  if (placement.policy == runtime::Placement::kSplit)
    std::snprintf(extra, sizeof extra, " (%.0f%% to the cloud)", placement.split * 100);
  if (placement.policy == runtime::Placement::kEdgeFirst)
    std::snprintf(extra, sizeof extra, " (threshold %d)", placement.offload_threshold);
  s += extra;
  const bool edge = placement.policy != runtime::Placement::kCloudOnly;
  const bool cloud = placement.policy != runtime::Placement::kEdgeOnly;
  s += ", ";
  if (edge) s += std::to_string(edge_replicas) + " edge";
  if (edge && cloud) s += " + ";
  if (cloud) s += std::to_string(cloud_replicas) + " cloud";
  s += " replica";
  if ((edge ? edge_replicas : 0) + (cloud ? cloud_replicas : 0) != 1) s += "s";
  return s;
}

nlohmann::json EdgeCloudCandidate::to_json() const {
  return {{"placement", std::string(runtime::placement_name(placement.policy))},
          {"split", placement.split},
          {"offload_threshold", placement.offload_threshold},
          {"edge_replicas", edge_replicas},
          {"cloud_replicas", cloud_replicas},
          {"meets", meets},
          {"missed", missed},
          {"describe", describe()},
          {"prediction", prediction.to_json()}};
}

nlohmann::json EdgeCloudPlan::to_json() const {
  nlohmann::json c = nlohmann::json::array();
  for (const auto& x : candidates) c.push_back(x.to_json());
  return {{"chosen", chosen() ? chosen()->to_json() : nlohmann::json(nullptr)}, {"candidates", c}};
}

Result<EdgeCloudPlan> plan_edge_cloud(const EdgeCloudWorkload& w, const EdgeCloudSystem& base,
                                      const std::vector<Objective>& objectives,
                                      const EdgeCloudPlanOptions& o) {
  if (objectives.empty()) return make_error("no objective");
  for (const auto& ob : objectives) {
    if (ob.metric != "mean" && ob.metric != "p95" && ob.metric != "throughput" &&
        ob.metric != "utilization")
      return make_error("objective " + ob.text +
                        ": the edge–cloud plan judges mean, p95, throughput and utilization");
  }
  if (o.max_edge_replicas < 1 || o.max_cloud_replicas < 1 || o.workers < 1)
    return make_error("the nodes' replica limits and the workers must be >= 1");
  std::vector<runtime::PlacementOptions> policies;
  auto add = [&](runtime::Placement p, double split, int threshold) {
    runtime::PlacementOptions x;
    x.policy = p;
    x.split = split;
    x.offload_threshold = threshold;
    policies.push_back(x);
  };
  add(runtime::Placement::kEdgeOnly, 0, 0);
  add(runtime::Placement::kCloudOnly, 1, 0);
  for (int i = 1; i <= 9; ++i) add(runtime::Placement::kSplit, i / 10.0, 0);
  for (int t : {1, 2, 3, 4, 6}) add(runtime::Placement::kEdgeFirst, 0, t);
  EdgeCloudPlan plan;
  for (const auto& policy : policies) {
    const bool edge = policy.policy != runtime::Placement::kCloudOnly;
    const bool cloud = policy.policy != runtime::Placement::kEdgeOnly;
    for (int e = 1; e <= (edge ? o.max_edge_replicas : 1); ++e) {
      for (int c = 1; c <= (cloud ? o.max_cloud_replicas : 1); ++c) {
        EdgeCloudSystem s = base;
        s.placement = policy;
        s.edge.replicas = e;
        s.cloud_node.replicas = c;
        s.edge.slots = e * o.workers;
        s.cloud_node.slots = c * o.workers;
        auto p = predict_edge_cloud(w, s, o.seed, o.measured_requests);
        if (!p) return p.error_value();
        EdgeCloudCandidate cand{policy, e, c, *p, true, {}};
        const Prediction as = as_prediction(*p);
        for (const auto& ob : objectives) {
          if (!ob.met(as)) {
            cand.meets = false;
            char v[64];
            std::snprintf(v, sizeof v, "%s (predicted %.4g)", ob.text.c_str(), ob.actual(as));
            cand.missed.push_back(v);
          }
        }
        plan.candidates.push_back(cand);
      }
    }
  }
  auto cost = [](const EdgeCloudCandidate& c) {
    const bool edge = c.placement.policy != runtime::Placement::kCloudOnly;
    const bool cloud = c.placement.policy != runtime::Placement::kEdgeOnly;
    return (edge ? c.edge_replicas : 0) + (cloud ? c.cloud_replicas : 0);
  };
  std::stable_sort(plan.candidates.begin(), plan.candidates.end(),
                   [&](const auto& a, const auto& b) {
                     if (a.meets != b.meets) return a.meets;
                     if (a.meets && cost(a) != cost(b)) return cost(a) < cost(b);
                     return a.prediction.mean_s < b.prediction.mean_s;
                   });
  return plan;
}

}  // namespace faaslab::model
