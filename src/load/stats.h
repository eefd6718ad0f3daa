// Aggregates of a run: per label and overall, a histogram of response times from the intended
// start (what a user waited, free of coordinated omission) and one of service times from the
// actual send, plus outcome counts and the measurement window. Each worker thread fills its own
// RunStats; they are merged after the workers stop (as wrk does), and shard files are merged the
// same way by `faaslab merge`, exactly.
//
// Not thread-safe; plain values.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/histogram.h"
#include "common/result.h"
#include "load/record.h"

namespace faaslab::load {

struct SeriesStats {
  Histogram latency;  // µs, end − intended start, every request that was sent
  Histogram service;  // µs, end − actual start
  std::array<std::uint64_t, kOutcomeCount> outcomes{};  // by Outcome

  void add(const Record& r);
  void merge(const SeriesStats& other);
  std::uint64_t ok() const { return outcomes[0]; }
  std::uint64_t dropped() const;
  std::uint64_t issued() const;  // every request, dropped ones included
};

struct RunStats {
  std::vector<std::string> labels;  // per_label[i] is labels[i]
  SeriesStats overall;
  std::vector<SeriesStats> per_label;
  // Measurement window, wall-clock µs: first intended start to last end (0 = nothing yet).
  std::int64_t window_start_wall_us = 0;
  std::int64_t window_end_wall_us = 0;
  // Counters that are not per request.
  std::uint64_t connections_opened = 0;
  nlohmann::json run_info = nlohmann::json::object();  // options, for the summary's "run"

  explicit RunStats(std::vector<std::string> label_names = {});
  void add(const Record& r, std::size_t label, std::int64_t start_wall_us,
           std::int64_t end_wall_us);
  // Labels are matched by name, so shards with the same payloads merge label by label.
  void merge(const RunStats& other);
  double window_seconds() const;
};

// The summary schema of ARCHITECTURE.md for one series: count, success_rate, throughput_rps,
// mean_s, stddev_s, min_s, p50_s, p90_s, p95_s, p99_s, p999_s, max_s (times in seconds).
nlohmann::json series_summary(const SeriesStats& s, const Histogram& times, double window_s);

// {"overall": {...}, "labels": {"frame-0001": {...}}, "service": {...overall service times...},
//  "run": {outcomes, window, options}}.
nlohmann::json summary_json(const RunStats& stats);

// The histogram file: everything merge needs to rebuild the summary exactly.
nlohmann::json stats_to_json(const RunStats& stats);
Result<RunStats> stats_from_json(const nlohmann::json& j);

// Writes JSON to a file (pretty-printed, newline-terminated); errors name the path.
Status write_json_file(const std::string& path, const nlohmann::json& j);
Result<nlohmann::json> read_json_file(const std::string& path);

// The end-of-run table: counts, throughput, response and service time percentiles, errors by
// kind, and per label when there are at most `max_label_rows` labels.
void print_summary_table(std::FILE* out, const RunStats& stats, std::size_t max_label_rows = 40);

}  // namespace faaslab::load

namespace faaslab::load {
// Reads histogram files written by `faaslab load --histogram` (one per shard) and merges them.
Result<RunStats> merge_histogram_files(const std::vector<std::string>& paths);
}  // namespace faaslab::load
