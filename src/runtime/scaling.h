// Scaling and routing settings from a function's labels, and the autoscaler's arithmetic.
//
// OpenFaaS labels: com.openfaas.scale.min (1), .max (20), .zero (false), .zero-duration (15m),
// .type (rps | capacity; unset = no autoscaling), .target (50), .target-proportion (0.9),
// .down.window (30s). faaslab labels: com.faaslab.routing (random | round-robin |
// least-inflight | fifo), com.faaslab.concurrency (requests a replica takes at once under
// fifo; 1), com.faaslab.queue (requests held waiting for a replica; 1024).
//
// The formula is OpenFaaS Pro's: desired = ceil(load / (target * target-proportion)), load
// being requests per second (rps) or requests in flight (capacity) summed over replicas,
// clamped to [min, max]. Scaling up is immediate; scaling down follows the highest
// recommendation of the last down-window, as Kubernetes' HPA stabilisation does.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/clock.h"
#include "common/result.h"
#include "common/units.h"

namespace faaslab::runtime {

enum class Routing { kRandom, kRoundRobin, kLeastInflight, kFifo };
std::string_view routing_name(Routing r);
std::optional<Routing> routing_from_name(std::string_view name);

struct ScalingPolicy {
  int min = 1;
  int max = 20;
  bool zero = false;
  Micros zero_duration = std::chrono::minutes(15);
  enum class Type { kNone, kRps, kCapacity } type = Type::kNone;
  double target = 50;
  double target_proportion = 0.9;
  Micros down_window = std::chrono::seconds(30);
  // faaslab
  std::optional<Routing> routing;  // unset: the gateway's default
  int concurrency = 1;
  int queue = 1024;
};

// Errors name the label.
Result<ScalingPolicy> scaling_policy_from_labels(const std::map<std::string, std::string>& labels);

// The OpenFaaS Pro formula, clamped to [max(min, 1), max]; scaling to zero is separate (an idle
// function with com.openfaas.scale.zero=true goes to zero after zero-duration).
int desired_replicas(const ScalingPolicy& policy, double load);

// Requests per second over the last `window` (whole seconds, as OpenFaaS Pro's rps metric is
// a rate over a window): record() counts a request, per_second() reads the rate. Reading does
// not count anything (issue 20: the pool's tick once recorded a request to trim the window).
class RpsWindow {
 public:
  explicit RpsWindow(std::chrono::seconds window = std::chrono::seconds(10)) : window_(window) {}
  void record(SteadyClock::time_point now);
  double per_second(SteadyClock::time_point now);

 private:
  void trim(std::int64_t second);
  std::chrono::seconds window_;
  std::deque<std::pair<std::int64_t, int>> starts_;  // (second, requests started in it)
};

// Remembers recent recommendations; scale-down uses the highest one within the window.
class ScaleDownWindow {
 public:
  // Returns the replica count to apply now for this recommendation.
  int stabilise(int recommended, int current, SteadyClock::time_point now, Micros window);

 private:
  std::deque<std::pair<SteadyClock::time_point, int>> history_;
};

}  // namespace faaslab::runtime
