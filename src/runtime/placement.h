// Where the edge gateway sends each request of a function whose replicas run on edge and cloud
// nodes: the placement and offloading policies, as pure functions of what the gateway knows
// when the request arrives (each tier's replicas, requests in flight and waiting, response
// times measured so far, and what the link to the cloud adds for this request). No I/O, no
// clock, no randomness of its own (the caller passes a uniform draw): unit-tested alone.
//
//   spread      no policy: any replica of the function (the default)
//   edge-only   every request at the edge
//   cloud-only  every request in the cloud
//   split       a share `split` of the requests to the cloud, at random, the rest at the edge
//   edge-first  the edge, unless it is saturated: requests there (in flight and waiting) reach
//               `offload_threshold` (default: its replica count), or the edge's estimated queue
//               wait exceeds what the cloud adds (its link time and its own queue wait)
//   model       the tier whose predicted response time is lower: estimated queue wait plus the
//               response time measured at that tier (which, for the cloud, includes its link)
//   edge-retry  the edge; a request that fails there (5xx, or no answer within `edge_timeout`)
//               is sent again to the cloud
//
// A policy that would pick a tier with no replica at all picks the other one (and says so).
// Configured per function with labels, as OpenFaaS configures scaling:
//   com.faaslab.placement         one of the names above
//   com.faaslab.split             0..1 (split)
//   com.faaslab.offload_threshold a whole number >= 1 (edge-first)
//   com.faaslab.edge_timeout      a duration (edge-retry; default half the upstream timeout)
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/units.h"

namespace faaslab::runtime {

enum class Placement { kSpread, kEdgeOnly, kCloudOnly, kSplit, kEdgeFirst, kModel, kEdgeRetry };
std::string_view placement_name(Placement p);
Result<Placement> placement_from_name(std::string_view name);

struct PlacementOptions {
  Placement policy = Placement::kSpread;
  double split = 0.5;         // split: the share sent to the cloud
  int offload_threshold = 0;  // edge-first: 0 = the edge's replica count
  Micros edge_timeout{0};     // edge-retry: 0 = half the upstream timeout
};

// From a function's labels; errors name the label.
Result<PlacementOptions> placement_from_labels(const std::map<std::string, std::string>& labels);

enum class Tier { kEdge = 0, kCloud = 1 };
std::string_view tier_name(Tier t);

// What the gateway knows of one tier's replicas of the function.
struct TierLoad {
  int replicas = 0;       // ready and in rotation
  int inflight = 0;       // requests being served
  int waiting = 0;        // requests queued for this tier
  double response_s = 0;  // mean response time measured here (link included); 0 = none yet
};

struct PlacementInput {
  TierLoad edge, cloud;
  double cloud_extra_s = 0;  // what the link to the cloud adds to this request (both ways)
  double draw = 0;           // uniform in [0, 1), for split
};

struct PlacementDecision {
  Tier tier = Tier::kEdge;
  std::string reason;  // why, for the response header and the request's record
};

PlacementDecision decide_placement(const PlacementOptions& options, const PlacementInput& in);

// The time one more request would wait at a tier before a replica takes it: the requests ahead
// of it beyond the replicas, each taking the tier's response time, shared by its replicas.
// 0 with nothing measured yet or a free replica.
double estimated_wait_s(const TierLoad& tier);

}  // namespace faaslab::runtime
