#include "common/summary.h"

#include <algorithm>
#include <cmath>

namespace faaslab {

double nearest_rank(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void set_response_times(SummaryRow& s, std::vector<double> times) {
  if (times.empty()) return;
  double sum = 0;
  for (double t : times) sum += t;
  std::sort(times.begin(), times.end());
  const double n = static_cast<double>(times.size());
  s.mean_s = sum / n;
  double sq = 0;
  for (double t : times) sq += (t - s.mean_s) * (t - s.mean_s);
  s.stddev_s = std::sqrt(sq / n);
  s.min_s = times.front();
  s.max_s = times.back();
  s.p50_s = nearest_rank(times, 0.50);
  s.p90_s = nearest_rank(times, 0.90);
  s.p95_s = nearest_rank(times, 0.95);
  s.p99_s = nearest_rank(times, 0.99);
  s.p999_s = nearest_rank(times, 0.999);
}

nlohmann::json summary_to_json(const SummaryRow& s) {
  nlohmann::json j = {{"count", s.count},
                      {"success_rate", s.success_rate},
                      {"throughput_rps", s.throughput_rps},
                      {"mean_s", s.mean_s},
                      {"stddev_s", s.stddev_s},
                      {"min_s", s.min_s},
                      {"p50_s", s.p50_s},
                      {"p90_s", s.p90_s},
                      {"p95_s", s.p95_s},
                      {"p99_s", s.p99_s},
                      {"p999_s", s.p999_s},
                      {"max_s", s.max_s}};
  if (s.repetitions > 0) j["repetitions"] = s.repetitions;
  if (s.mean_s_ci95) j["mean_s_ci95"] = *s.mean_s_ci95;
  if (s.throughput_rps_ci95) j["throughput_rps_ci95"] = *s.throughput_rps_ci95;
  if (s.success_rate_ci95) j["success_rate_ci95"] = *s.success_rate_ci95;
  if (s.p95_s_ci95) j["p95_s_ci95"] = *s.p95_s_ci95;
  return j;
}

double student_t95(int dof) {
  static const double table[] = {0,     12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365,
                                 2.306, 2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
                                 2.120, 2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069,
                                 2.064, 2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
  if (dof <= 0) return 0;
  if (dof <= 30) return table[dof];
  if (dof <= 60) return 2.000 + (2.042 - 2.000) * (60.0 - dof) / 30.0;
  if (dof <= 120) return 1.980 + (2.000 - 1.980) * (120.0 - dof) / 60.0;
  return 1.960;
}

std::optional<double> ci95_half_width(const std::vector<double>& values) {
  if (values.size() < 2) return std::nullopt;
  const double n = static_cast<double>(values.size());
  double mean = 0, sq = 0;
  for (double v : values) mean += v;
  mean /= n;
  for (double v : values) sq += (v - mean) * (v - mean);
  return student_t95(static_cast<int>(values.size()) - 1) * std::sqrt(sq / (n - 1)) / std::sqrt(n);
}

SummaryRow summarise_repetitions(const std::vector<SummaryRow>& runs) {
  SummaryRow s;
  if (runs.empty()) return s;
  s.label = runs.front().label;
  s.repetitions = static_cast<int>(runs.size());
  const double n = static_cast<double>(runs.size());
  auto mean_of = [&](auto field) {
    double sum = 0;
    for (const auto& r : runs) sum += r.*field;
    return sum / n;
  };
  auto ci_of = [&](auto field) {
    std::vector<double> values;
    for (const auto& r : runs) values.push_back(r.*field);
    return ci95_half_width(values);
  };
  std::uint64_t count = 0;
  for (const auto& r : runs) count += r.count;
  s.count = count;
  s.success_rate = mean_of(&SummaryRow::success_rate);
  s.throughput_rps = mean_of(&SummaryRow::throughput_rps);
  s.mean_s = mean_of(&SummaryRow::mean_s);
  s.stddev_s = mean_of(&SummaryRow::stddev_s);
  s.min_s = mean_of(&SummaryRow::min_s);
  s.p50_s = mean_of(&SummaryRow::p50_s);
  s.p90_s = mean_of(&SummaryRow::p90_s);
  s.p95_s = mean_of(&SummaryRow::p95_s);
  s.p99_s = mean_of(&SummaryRow::p99_s);
  s.p999_s = mean_of(&SummaryRow::p999_s);
  s.max_s = mean_of(&SummaryRow::max_s);
  s.mean_s_ci95 = ci_of(&SummaryRow::mean_s);
  s.throughput_rps_ci95 = ci_of(&SummaryRow::throughput_rps);
  s.success_rate_ci95 = ci_of(&SummaryRow::success_rate);
  s.p95_s_ci95 = ci_of(&SummaryRow::p95_s);
  return s;
}

}  // namespace faaslab
