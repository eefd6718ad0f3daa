// A bound on one figure of a run or of a prediction: "p95<2s", "success>=0.99",
// "throughput>=30". One syntax for `faaslab model plan --objective` and `faaslab load
// --threshold` (k6's thresholds, with faaslab's durations): a metric, one of <, <=, >, >=, and a
// value — a duration for the time metrics, a number or a percentage (99%) for the others.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "common/result.h"

namespace faaslab {

struct Objective {
  std::string metric;  // "p95", "success", ...
  std::string op;      // "<", "<=", ">" or ">="
  double value = 0;    // seconds for a time metric
  std::string text;    // as written

  bool holds(double actual) const;
};

// mean, p50, p90, p95, p99, p999, max: response-time figures, compared in seconds.
bool is_time_metric(std::string_view metric);

// Parses one objective. `number_metrics`: the other metrics the caller can judge; errors name
// the text and list every metric it accepts.
Result<Objective> parse_objective(const std::string& text,
                                  std::span<const std::string_view> number_metrics);

}  // namespace faaslab
