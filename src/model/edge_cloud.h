// The edge–cloud model: closed users whose requests cross the client's link to the edge node,
// where the gateway serves them on the edge or sends them over the edge–cloud link to the cloud
// node, by a placement policy (runtime/placement.h).
//
//   links      a delay station for the two one-way delays, and a processor-sharing station per
//              direction for the transfer (bytes / bandwidth), shared by every request in flight
//              over it, as a link's capacity is
//   nodes      a processor-sharing station whose rate with j requests is min(j, m) / S: S the
//              node's time for one request alone, m its effective parallelism, both calibrated
//              on measured runs at that node's CPU budget (not assumed to scale with its cores)
//
// Edge-only, cloud-only and split (probabilistic offload) are a product-form closed network
// when the nodes are processor sharing (BCMP: processor-sharing and delay stations), solved
// exactly by load-dependent MVA with the routing probabilities as visit ratios. Nodes that
// serve a few requests at a time in order (slots) with low-variance work, and edge-first and
// model-driven offload, which depend on the state, are simulated (a discrete-event simulation of
// the same stations, deciding each request with the runtime's own placement code). Pure;
// thread-safe. docs/model.md.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "runtime/placement.h"

namespace faaslab::model {

struct LinkModel {
  double delay_s = 0;   // one-way, each direction
  double up_bps = 0;    // towards the node; 0 = not limited
  double down_bps = 0;  // back; 0 = not limited
};

struct NodeModel {
  double service_s = 0;  // one request's time at the node, alone (at its CPU budget)
  // m: with j > 1 requests in service the node serves min(j, m) / service_s of them per second
  // (one alone is served at full speed: a CPU quota lets a lone burst run unthrottled). m may be
  // below 1: a half-core quota lets one request through at full speed but not two.
  double parallelism = 1;
  int replicas = 1;       // for the placement policies' view (in flight vs replicas)
  int slots = 0;          // requests served at once (replicas x workers), the rest wait in
                          // order; 0 = every request at once (processor sharing)
  double service_cv = 1;  // coefficient of variation of the work (1: exponential)
};

struct EdgeCloudSystem {
  LinkModel client;  // the client to the edge node (where the gateway runs)
  LinkModel cloud;   // the edge node to the cloud node
  NodeModel edge, cloud_node;
  double request_bytes = 0, response_bytes = 0;
  runtime::PlacementOptions placement;  // edge-only, cloud-only, split, edge-first, model
};

struct EdgeCloudWorkload {
  std::uint64_t users = 1;
  double think_s = 0;
  bool exponential_think = false;  // else constant
};

struct EdgeCloudPrediction {
  double mean_s = 0;        // response time, over every request
  double edge_mean_s = 0;   // of the requests served at the edge (0 if none)
  double cloud_mean_s = 0;  // of those served in the cloud
  double p95_s = 0;         // simulated policies only (0 from MVA)
  double throughput_rps = 0;
  double offload_share = 0;  // requests served in the cloud
  double edge_utilization = 0, cloud_utilization = 0, uplink_utilization = 0;
  std::string method;  // "mva" or "des"
  nlohmann::json to_json() const;
};

// The transfer time of `bytes` at `bps` (0 = not limited: none).
double transfer_s(double bytes, double bps);

// Errors: a workload or system no method accepts (the message names the field), a policy the
// model does not cover (spread, edge-retry).
Result<EdgeCloudPrediction> predict_edge_cloud(const EdgeCloudWorkload& w, const EdgeCloudSystem& s,
                                               std::uint64_t seed = 1,
                                               std::uint64_t measured_requests = 20000);

// Exact load-dependent MVA for a fixed offload share p (0: edge-only, 1: cloud-only).
EdgeCloudPrediction mva_edge_cloud(const EdgeCloudWorkload& w, const EdgeCloudSystem& s, double p);

// The discrete-event simulation, any policy.
EdgeCloudPrediction simulate_edge_cloud(const EdgeCloudWorkload& w, const EdgeCloudSystem& s,
                                        std::uint64_t seed, std::uint64_t measured_requests);

}  // namespace faaslab::model
