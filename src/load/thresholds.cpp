#include "load/thresholds.h"

#include <algorithm>

namespace faaslab::load {
namespace {

constexpr std::string_view kNumberMetrics[] = {"success", "timeouts", "throughput", "requests"};

std::string format_value(const Objective& t, double v) {
  char b[48];
  if (is_time_metric(t.metric))
    std::snprintf(b, sizeof b, v < 1 ? "%.2fms" : "%.3fs", v < 1 ? v * 1000 : v);
  else if (t.metric == "requests")
    std::snprintf(b, sizeof b, "%.0f", v);
  else if (t.metric == "throughput")
    std::snprintf(b, sizeof b, "%.2f/s", v);
  else
    std::snprintf(b, sizeof b, "%.4f", v);
  return b;
}

// The quantile a percentile metric names (max: 1); mean has none.
double quantile_of(const std::string& metric) {
  return metric == "max"   ? 1.0
         : metric == "p50" ? 0.50
         : metric == "p90" ? 0.90
         : metric == "p95" ? 0.95
         : metric == "p99" ? 0.99
                           : 0.999;
}

double time_figure(const std::string& metric, const Histogram& h) {
  if (metric == "mean") return h.mean() / 1e6;
  if (metric == "max") return static_cast<double>(h.max()) / 1e6;
  return static_cast<double>(h.percentile(quantile_of(metric))) / 1e6;
}

}  // namespace

Result<std::vector<Objective>> parse_thresholds(const std::vector<std::string>& texts) {
  std::vector<Objective> out;
  for (const auto& text : texts) {
    std::size_t from = 0;
    while (from <= text.size()) {
      const std::size_t comma = std::min(text.find(',', from), text.size());
      std::string one = text.substr(from, comma - from);
      from = comma + 1;
      if (one.empty()) return make_error("--threshold '" + text + "': an empty threshold");
      auto t = parse_objective(one, kNumberMetrics);
      if (!t) return make_error("--threshold: " + t.error());
      out.push_back(std::move(*t));
    }
  }
  return out;
}

std::vector<ThresholdCheck> check_thresholds(const std::vector<Objective>& thresholds,
                                             const RunStats& stats) {
  const SeriesStats& s = stats.overall;
  const double issued = static_cast<double>(s.issued());
  const double window = stats.window_seconds();
  std::vector<ThresholdCheck> out;
  for (const auto& t : thresholds) {
    double actual = 0;
    if (is_time_metric(t.metric))
      actual = time_figure(t.metric, s.latency);
    else if (t.metric == "success")
      actual = issued > 0 ? static_cast<double>(s.ok()) / issued : 0;
    else if (t.metric == "timeouts")
      actual = issued > 0
                   ? static_cast<double>(s.outcomes[static_cast<std::size_t>(Outcome::kTimeout)]) /
                         issued
                   : 0;
    else if (t.metric == "throughput")
      actual = window > 0 ? static_cast<double>(s.latency.count()) / window : 0;
    else
      actual = issued;
    out.push_back({t, actual, t.holds(actual)});
  }
  return out;
}

bool all_passed(const std::vector<ThresholdCheck>& checks) {
  for (const auto& c : checks)
    if (!c.passed) return false;
  return true;
}

std::optional<std::string> failing_so_far(const std::vector<Objective>& thresholds,
                                          const LiveCounters& live) {
  const auto done = live.done.load(std::memory_order_relaxed);
  if (done == 0) return std::nullopt;
  for (const auto& t : thresholds) {
    double actual = 0;
    if (is_time_metric(t.metric)) {
      // Only upper bounds can be known broken early, and mean needs the exact sum: skip both.
      if (t.metric == "mean" || t.op[0] != '<') continue;
      actual = static_cast<double>(live.percentile(quantile_of(t.metric))) / 1e6;
    } else if (t.metric == "success") {
      actual = static_cast<double>(done - live.failed.load(std::memory_order_relaxed)) /
               static_cast<double>(done);
    } else if (t.metric == "timeouts") {
      actual = static_cast<double>(live.timeouts.load(std::memory_order_relaxed)) /
               static_cast<double>(done);
    } else {
      continue;
    }
    if (!t.holds(actual))
      return "threshold " + t.text + " failed on the first " + std::to_string(done) +
             " requests (" + format_value(t, actual) + ")";
  }
  return std::nullopt;
}

void print_threshold_table(std::FILE* out, const std::vector<ThresholdCheck>& checks) {
  if (checks.empty()) return;
  std::fprintf(out, "%-28s %14s  %s\n", "threshold", "actual", "result");
  for (const auto& c : checks)
    std::fprintf(out, "%-28s %14s  %s\n", c.threshold.text.c_str(),
                 format_value(c.threshold, c.actual).c_str(), c.passed ? "pass" : "FAIL");
}

}  // namespace faaslab::load
