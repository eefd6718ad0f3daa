// Capacity planning (`faaslab model plan`): the smallest replica count — and watchdog mode,
// where several are allowed — whose predicted figures meet every objective, with the
// predictions for it and for the next-smaller configuration.
//
// Pure: the caller supplies the workload and how to build a System for a (mode, replicas)
// candidate. Thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/objective.h"
#include "model/model.h"

namespace faaslab::model {

// "p95<2s", "mean<=500ms", "success>=0.99", "throughput>=10", "timeouts<0.01".
// Metrics: mean, p50, p90, p95, p99, p999, max (durations: "2s", "500ms", or seconds);
// success, throughput (requests/s), timeouts and rejected (fractions), utilization.
// An objective on a prediction (common/objective.h's syntax); the metrics beyond the time
// figures are success, throughput, timeouts, rejected and utilization.
struct Objective : faaslab::Objective {
  static Result<Objective> parse(const std::string& text);
  double actual(const Prediction& p) const;
  bool met(const Prediction& p) const { return holds(actual(p)); }
};

struct PlanCandidate {
  Mode mode = Mode::kHttp;
  int replicas = 1;
  std::optional<Prediction> prediction;  // absent when unstable
  std::string unstable;                  // why there is no prediction
  bool meets = false;
  std::vector<std::string> missed;  // the objectives it misses, with the predicted value
  nlohmann::json to_json() const;
};

struct PlanResult {
  std::optional<PlanCandidate> chosen;
  std::optional<PlanCandidate> smaller;  // the same mode, one replica fewer
  std::vector<PlanCandidate> tried;
  nlohmann::json to_json() const;
};

struct PlanOptions {
  std::vector<Mode> modes = {Mode::kHttp};
  int max_replicas = 64;
  PredictOptions predict;
};

using SystemFactory = std::function<Result<System>(Mode mode, int replicas)>;

// Errors: no objective, a bad candidate system, a prediction error other than instability.
// No configuration up to max_replicas meeting the objectives is a result without `chosen`.
Result<PlanResult> plan(const Workload& w, const SystemFactory& make,
                        const std::vector<Objective>& objectives, const PlanOptions& o);

}  // namespace faaslab::model
