// Pass/fail thresholds on a load run, as k6 has them: `--threshold 'p95<500ms' --threshold
// 'success>=0.99'` (common/objective.h's syntax, the one `faaslab model plan` takes), judged on
// the run's summary at the end, and, with --abort-on-fail, on the figures so far while it runs.
//
// Metrics: mean, p50, p90, p95, p99, p999, max (response time from the intended send, the
// summary's), success (share of requests that succeeded), timeouts (share that timed out),
// throughput (requests sent per second of the window) and requests (how many were issued).
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "common/objective.h"
#include "common/result.h"
#include "load/live_counters.h"
#include "load/stats.h"

namespace faaslab::load {

// Each text may hold several thresholds separated by commas.
Result<std::vector<Objective>> parse_thresholds(const std::vector<std::string>& texts);

struct ThresholdCheck {
  Objective threshold;
  double actual = 0;
  bool passed = false;
};

std::vector<ThresholdCheck> check_thresholds(const std::vector<Objective>& thresholds,
                                             const RunStats& stats);
bool all_passed(const std::vector<ThresholdCheck>& checks);

// While the run goes on (--abort-on-fail): the first threshold the requests so far already
// fail, described, or nullopt. Judged: the time metrics on the live histogram (the lower edge
// of each bucket, so a bound is never reported broken before it is), success and timeouts.
// Throughput and requests depend on the whole run and are judged only at its end.
std::optional<std::string> failing_so_far(const std::vector<Objective>& thresholds,
                                          const LiveCounters& live);

// The table printed after the summary: threshold, actual value, pass or FAIL.
void print_threshold_table(std::FILE* out, const std::vector<ThresholdCheck>& checks);

}  // namespace faaslab::load
