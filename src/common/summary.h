// The summary schema measured and predicted results share (ARCHITECTURE.md, "Summary"), so
// that a model's prediction and a campaign's measurement compare row by row: the row, its JSON
// form, the statistics of response times that fill it, and how the summaries of repetitions
// combine. The experiment part fills rows from stored requests, the model from simulated ones;
// neither owns the schema.
//
// Value types and pure functions: safe to use from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace faaslab {

// The summary schema's fields; times in seconds.
struct SummaryRow {
  std::string label = "*";
  std::uint64_t count = 0;
  double success_rate = 0, throughput_rps = 0;
  double mean_s = 0, stddev_s = 0, min_s = 0, p50_s = 0, p90_s = 0, p95_s = 0, p99_s = 0,
         p999_s = 0, max_s = 0;
  // Over repetitions only (summarise_repetitions).
  int repetitions = 0;
  std::optional<double> mean_s_ci95, throughput_rps_ci95, success_rate_ci95, p95_s_ci95;
};

// Sets the response-time fields from response times in seconds: mean_s, stddev_s (population),
// min_s, max_s and the nearest-rank percentiles p50_s … p999_s; all 0 when there are none. The
// mean sums `times` in the order given, so its rounding is the caller's choice.
void set_response_times(SummaryRow& s, std::vector<double> times);

// The nearest-rank percentile p (in (0, 1]) of ascending values; 0 when there are none.
double nearest_rank(const std::vector<double>& sorted, double p);

// The median of any values (the mean of the middle two for an even count); 0 when there are none.
double median(std::vector<double> values);

// count, success_rate, throughput_rps, mean_s, stddev_s, min_s, p50_s … max_s; `repetitions`
// and the *_ci95 fields when set.
nlohmann::json summary_to_json(const SummaryRow& s);

// Over repetitions of one configuration (campaign runs, or the simulator's replications):
// `count` is the runs' total, every other field the mean of the runs' values; the CI fields are
// the half-widths of the 95% interval of that mean (absent for one repetition).
SummaryRow summarise_repetitions(const std::vector<SummaryRow>& runs);

// Two-sided 95% Student t quantile for `dof` degrees of freedom.
double student_t95(int dof);

// The half-width of the 95% interval of the mean of `values` (Student t over their sample
// standard deviation); nullopt for fewer than two.
std::optional<double> ci95_half_width(const std::vector<double>& values);

}  // namespace faaslab
