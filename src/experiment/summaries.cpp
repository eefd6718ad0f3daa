#include "experiment/summaries.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace faaslab::experiment {
namespace {

// The run's window: from the first intended start to the last end of any request.
struct Window {
  std::int64_t first = INT64_MAX, last = INT64_MIN;
  double seconds() const { return last > first ? static_cast<double>(last - first) / 1e6 : 0; }
};

Window window_of(const std::vector<const RequestRow*>& rows) {
  Window w;
  for (const auto* r : rows) {
    w.first = std::min(w.first, r->intended_wall_us);
    if (r->outcome != "dropped" && r->latency_us) w.last = std::max(w.last, r->end_wall_us);
  }
  return w;
}

// Throughput is over the whole run's window for every label, so the labels' throughputs add up
// to the overall one (as the load generator's, docs/load.md).
SummaryRow summarise(const std::string& label, const std::vector<const RequestRow*>& rows,
                     const Window& run) {
  SummaryRow s;
  s.label = label;
  s.count = rows.size();
  std::vector<double> times;
  std::uint64_t ok = 0, ended = 0;
  for (const auto* r : rows) {
    if (r->outcome == "ok") ++ok;
    if (r->outcome == "dropped" || !r->latency_us) continue;
    ++ended;
    times.push_back(static_cast<double>(*r->latency_us) / 1e6);
  }
  s.success_rate = s.count ? static_cast<double>(ok) / static_cast<double>(s.count) : 0;
  const double window = run.seconds();
  s.throughput_rps = window > 0 ? static_cast<double>(ended) / window : 0;
  // Ascending: a run's mean is summed smallest first.
  std::sort(times.begin(), times.end());
  set_response_times(s, std::move(times));
  return s;
}

}  // namespace

std::vector<SummaryRow> summarise_run(const std::vector<RequestRow>& requests) {
  std::vector<const RequestRow*> all;
  std::vector<std::string> order;
  std::map<std::string, std::vector<const RequestRow*>> by_label;
  for (const auto& r : requests) {
    if (r.warmup) continue;
    all.push_back(&r);
    auto [it, inserted] = by_label.try_emplace(r.label);
    if (inserted) order.push_back(r.label);
    it->second.push_back(&r);
  }
  const Window run = window_of(all);
  std::vector<SummaryRow> out{summarise("*", all, run)};
  for (const auto& label : order) out.push_back(summarise(label, by_label[label], run));
  return out;
}

SummaryRow with_batch_means_intervals(SummaryRow summary, const std::vector<RequestRow>& requests,
                                      int batches) {
  std::vector<const RequestRow*> all;
  for (const auto& r : requests)
    if (!r.warmup) all.push_back(&r);
  const int b = std::min(batches, static_cast<int>(all.size()) / kMinBatchRequests);
  if (b < 2) return summary;
  std::stable_sort(all.begin(), all.end(), [](const RequestRow* x, const RequestRow* y) {
    return x->intended_wall_us < y->intended_wall_us;
  });
  std::vector<double> means, p95s, successes, rates;
  const Window run = window_of(all);
  std::vector<std::uint64_t> ended_in_slice(static_cast<std::size_t>(b), 0);
  const double slice_us = static_cast<double>(run.last - run.first) / b;
  for (int i = 0; i < b; ++i) {
    const std::size_t from = all.size() * static_cast<std::size_t>(i) / static_cast<std::size_t>(b);
    const std::size_t to =
        all.size() * static_cast<std::size_t>(i + 1) / static_cast<std::size_t>(b);
    const std::vector<const RequestRow*> batch(all.begin() + static_cast<std::ptrdiff_t>(from),
                                               all.begin() + static_cast<std::ptrdiff_t>(to));
    const SummaryRow s = summarise("*", batch, window_of(batch));
    means.push_back(s.mean_s);
    p95s.push_back(s.p95_s);
    successes.push_back(s.success_rate);
  }
  for (const auto* r : all) {
    if (r->outcome == "dropped" || !r->latency_us || slice_us <= 0) continue;
    const auto k =
        static_cast<std::size_t>(static_cast<double>(r->end_wall_us - run.first) / slice_us);
    ++ended_in_slice[std::min(k, ended_in_slice.size() - 1)];
  }
  for (auto n : ended_in_slice)
    rates.push_back(slice_us > 0 ? static_cast<double>(n) / (slice_us / 1e6) : 0);
  summary.mean_s_ci95 = ci95_half_width(means);
  summary.p95_s_ci95 = ci95_half_width(p95s);
  summary.success_rate_ci95 = ci95_half_width(successes);
  summary.throughput_rps_ci95 = ci95_half_width(rates);
  return summary;
}

Status update_config_summaries(ResultsDb& db, std::int64_t campaign_id, const std::string& key) {
  auto ids = db.complete_run_ids(campaign_id, key);
  if (!ids) return ids.error_value();
  std::vector<std::string> order;
  std::map<std::string, std::vector<SummaryRow>> by_label;
  for (auto id : *ids) {
    auto rows = db.run_summaries(id);
    if (!rows) return rows.error_value();
    for (auto& r : *rows) {
      auto [it, inserted] = by_label.try_emplace(r.label);
      if (inserted) order.push_back(r.label);
      it->second.push_back(r);
    }
  }
  for (const auto& label : order) {
    if (auto st = db.put_config_summary(campaign_id, key, summarise_repetitions(by_label[label]));
        !st)
      return st;
  }
  return Ok{};
}

}  // namespace faaslab::experiment
