#include "model/validate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>
#include <vector>

#include "common/summary.h"
#include "experiment/summaries.h"
#include "model/analytic.h"
#include "model/simulator.h"

namespace faaslab::model {
namespace {

using nlohmann::json;

double relative(double predicted, double measured) {
  if (measured == 0) return predicted == 0 ? 0 : INFINITY;
  return predicted / measured - 1;
}

json config_of(const experiment::RunColumns& c) {
  json j = {{"mode", c.mode},
            {"replicas", c.replicas},
            {"routing", c.routing},
            {"workers", c.workers},
            {"max_inflight", c.max_inflight},
            {"codec", c.codec},
            {"frame_width", c.frame_width},
            {"frame_height", c.frame_height},
            {"timeout_s", c.timeout_s},
            {"cores", c.cores}};
  if (c.users) {
    j["users"] = *c.users;
    j["think_s"] = c.think_s.value_or(0);
    j["think_dist"] = c.think_dist;
  } else {
    j["rate"] = c.rate.value_or(0);
  }
  return j;
}

}  // namespace

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::kWithin:
      return "within";
    case Verdict::kCannotTell:
      return "cannot tell";
    case Verdict::kMiss:
      return "miss";
  }
  return "miss";
}

Verdict ValidationRow::verdict() const {
  if (ok()) return Verdict::kWithin;
  for (const auto& f : figures())
    if (!f.ok && !f.in_spread) return Verdict::kMiss;
  return Verdict::kCannotTell;
}

json ValidationRow::to_json() const {
  json j = {{"config_key", config_key},
            {"config", config},
            {"runs", runs},
            {"repetitions", repetitions},
            {"fitted", fitted},
            {"judged", judged},
            {"measured", summary_to_json(measured)},
            {"interval", interval},
            {"predicted", summary_to_json(predicted)},
            {"method", method},
            {"knee", knee_users},
            {"at_or_above_knee", at_or_above_knee},
            {"errors",
             {{"mean", mean_error},
              {"p95", p95_error},
              {"throughput", throughput_error},
              {"success_pp", success_error * 100}}},
            {"pass",
             {{"mean", mean_ok},
              {"p95", p95_ok},
              {"throughput", throughput_ok},
              {"success", success_ok},
              {"all", ok()}}},
            {"in_measured_ci95",
             {{"mean", mean_in_spread},
              {"p95", p95_in_spread},
              {"throughput", throughput_in_spread},
              {"success", success_in_spread}}}};
  if (!error.empty())
    j["error"] = error;
  else if (judged)
    j["verdict"] = verdict_name(verdict());
  return j;
}

int ValidationReport::judged() const {
  int n = 0;
  for (const auto& r : rows) n += r.judged;
  return n;
}

namespace {
int count_verdict(const std::vector<ValidationRow>& rows, Verdict v) {
  int n = 0;
  for (const auto& r : rows) n += r.judged && r.error.empty() && r.verdict() == v;
  return n;
}
}  // namespace

int ValidationReport::passed() const {
  return count_verdict(rows, Verdict::kWithin);
}
int ValidationReport::cannot_tell() const {
  return count_verdict(rows, Verdict::kCannotTell);
}
int ValidationReport::missed() const {
  return count_verdict(rows, Verdict::kMiss);
}

std::string ValidationReport::verdict_line() const {
  return std::to_string(passed()) + " within every target, " + std::to_string(cannot_tell()) +
         " cannot tell (outside a target, inside the measurement's 95% interval), " +
         std::to_string(missed()) + " missed, of " + std::to_string(judged()) + " configurations";
}

namespace {

// Missed figures of the judged rows; with `in_spread_only`, those inside the measured spread.
int count_missed(const std::vector<ValidationRow>& rows, bool in_spread_only) {
  int n = 0;
  for (const auto& r : rows) {
    if (!r.judged || !r.error.empty()) continue;
    for (const auto& f : r.figures()) n += !f.ok && (f.in_spread || !in_spread_only);
  }
  return n;
}

}  // namespace

int ValidationReport::missed_metrics() const {
  return count_missed(rows, false);
}

int ValidationReport::missed_metrics_in_spread() const {
  return count_missed(rows, true);
}

json ValidationReport::to_json() const {
  json rows_json = json::array();
  for (const auto& r : rows) rows_json.push_back(r.to_json());
  int mean = 0, p95 = 0, tput = 0, succ = 0;
  for (const auto& r : rows) {
    if (!r.judged) continue;
    mean += r.mean_ok, p95 += r.p95_ok, tput += r.throughput_ok, succ += r.success_ok;
  }
  return {
      {"database", database},
      {"campaign_id", campaign_id},
      {"targets",
       {{"mean_below_knee", targets.mean_below_knee},
        {"mean_at_or_above_knee", targets.mean_at_knee},
        {"throughput", targets.throughput},
        {"success_pp", targets.success_pp * 100},
        {"p95", targets.p95}}},
      {"judged", judged()},
      {"passed", passed()},
      {"cannot_tell", cannot_tell()},
      {"missed", missed()},
      {"verdict", verdict_line()},
      {"passed_by_metric", {{"mean", mean}, {"p95", p95}, {"throughput", tput}, {"success", succ}}},
      {"missed_metrics", missed_metrics()},
      {"missed_metrics_in_measured_ci95", missed_metrics_in_spread()},
      {"rows", rows_json}};
}

namespace {

// Each row's configuration key reduced to the settings that differ between rows (the campaign's
// grid axes), e.g. "users=4 think=500ms mode=http": the whole key is too long for a column.
std::vector<std::string> distinguishing_labels(const std::vector<ValidationRow>& rows) {
  std::vector<std::vector<std::string>> parts;
  std::map<std::string, std::size_t> seen;  // "k=v" -> rows having it
  for (const auto& r : rows) {
    std::vector<std::string> p;
    std::istringstream in(r.config_key);
    for (std::string token; in >> token;) p.push_back(token);
    for (const auto& token : p) ++seen[token];
    parts.push_back(std::move(p));
  }
  std::vector<std::string> labels;
  for (const auto& p : parts) {
    std::string label;
    for (const auto& token : p) {
      if (rows.size() > 1 && seen[token] == rows.size()) continue;  // shared by every row
      label += (label.empty() ? "" : " ") + token;
    }
    labels.push_back(label.empty() ? (p.empty() ? "(all)" : p.front()) : label);
  }
  return labels;
}

}  // namespace

std::string ValidationReport::table() const {
  std::ostringstream out;
  const auto labels = distinguishing_labels(rows);
  char line[512];
  std::snprintf(line, sizeof line, "%-44s %3s | %-23s | %-23s | %-21s | %-17s | %s\n",
                "configuration", "rep", "mean s (meas/pred err)", "p95 s (meas/pred err)",
                "tput/s (meas/pred err)", "success (meas/pred)", "verdict");
  out << line;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    std::string key = labels[i];
    if (key.size() > 44) key = key.substr(0, 41) + "...";
    if (!r.error.empty()) {
      std::snprintf(line, sizeof line, "%-44s %3d | %s\n", key.c_str(), r.repetitions,
                    r.error.c_str());
      out << line;
      continue;
    }
    const char* verdict = !r.judged                             ? "fitted"
                          : r.verdict() == Verdict::kWithin     ? "ok"
                          : r.verdict() == Verdict::kCannotTell ? "cannot tell:"
                                                                : "MISS:";
    std::string misses;
    if (r.judged && !r.ok()) {
      for (const auto& f : r.figures())
        if (!f.ok) misses += std::string(" ") + f.name + (f.in_spread ? "*" : "");
    }
    std::snprintf(
        line, sizeof line,
        "%-44s %3d | %7.3f/%7.3f %+5.0f%% | %7.3f/%7.3f %+5.0f%% | %6.2f/%6.2f %+5.1f%% | "
        "%6.3f/%6.3f %+4.1f | %s%s\n",
        key.c_str(), r.repetitions, r.measured.mean_s, r.predicted.mean_s, 100 * r.mean_error,
        r.measured.p95_s, r.predicted.p95_s, 100 * r.p95_error, r.measured.throughput_rps,
        r.predicted.throughput_rps, 100 * r.throughput_error, r.measured.success_rate,
        r.predicted.success_rate, 100 * r.success_error, verdict, misses.c_str());
    out << line;
  }
  out << verdict_line();
  int fitted = 0;
  for (const auto& r : rows) fitted += r.fitted && !r.judged;
  if (fitted) out << " (" << fitted << " used for calibration, not judged)";
  out << "\n";
  std::map<std::string, int> sources;  // where the judged rows' intervals come from
  for (const auto& r : rows)
    if (r.judged && r.error.empty()) ++sources[r.interval.empty() ? "none" : r.interval];
  out << "measured 95% intervals:";
  for (const auto& [source, n] : sources) out << " " << source << " " << n;
  out << "; * marks a missed figure inside its interval\n";
  return out.str();
}

Result<ValidationReport> validate_campaign(experiment::ResultsDb& db, const Calibration& cal,
                                           const ValidateOptions& o) {
  ValidationReport report;
  report.targets = o.targets;
  std::int64_t campaign = 0;
  if (o.campaign_id) {
    campaign = *o.campaign_id;
  } else if (cal.campaign_id > 0) {
    campaign = cal.campaign_id;
  } else {
    auto ids = db.campaign_ids();
    if (!ids) return ids.error_value();
    if (ids->empty()) return make_error("no campaign in the database");
    campaign = *std::max_element(ids->begin(), ids->end());
  }
  report.campaign_id = campaign;
  auto runs = db.runs(campaign);
  if (!runs) return runs.error_value();
  if (runs->empty()) return make_error("campaign " + std::to_string(campaign) + " has no runs");
  auto stored = db.config_summaries(campaign);
  if (!stored) return stored.error_value();
  std::map<std::string, SummaryRow> measured_by_key;
  for (const auto& [key, row] : *stored)
    if (row.label == "*") measured_by_key[key] = row;

  // Configurations in run order.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const experiment::RunRow*>> by_key;
  for (const auto& r : *runs) {
    if (r.status != experiment::RunStatus::kComplete) continue;
    auto [it, inserted] = by_key.try_emplace(r.columns.config_key);
    if (inserted) order.push_back(r.columns.config_key);
    it->second.push_back(&r);
  }
  for (const auto& key : order) {
    const auto& list = by_key[key];
    ValidationRow row;
    row.config_key = key;
    row.config = config_of(list.front()->columns);
    row.repetitions = static_cast<int>(list.size());
    for (const auto* r : list) {
      row.runs.push_back(r->id);
      row.fitted = row.fitted || cal.fitted(r->id);
    }
    const auto& cols = list.front()->columns;
    const GroupCalibration* g =
        cal.find(cols.mode, cols.codec, cols.frame_width, cols.frame_height);
    if (!g) {
      row.judged = false;
      row.error = "no calibration for mode " + cols.mode;
      report.rows.push_back(std::move(row));
      continue;
    }
    // Measured: the stored configuration summary, else computed from the runs.
    std::vector<SummaryRow> per_run;
    std::vector<std::vector<experiment::RequestRow>> requests;
    for (const auto* r : list) {
      auto reqs = db.requests(r->id);
      if (!reqs) return reqs.error_value();
      per_run.push_back(experiment::summarise_run(*reqs).front());
      requests.push_back(std::move(*reqs));
    }
    auto found = measured_by_key.find(key);
    row.measured = found != measured_by_key.end() ? found->second : summarise_repetitions(per_run);
    if (list.size() == 1)
      row.measured = experiment::with_batch_means_intervals(row.measured, requests.front());
    row.interval = list.size() > 1                        ? "repetitions"
                   : row.measured.mean_s_ci95.has_value() ? "batch means"
                                                          : "";
    // Predicted: every repetition's run shape, simulated `replications` times.
    const System system = system_for(cols, *g, cal.cores, o.core_scheduling);
    std::vector<SummaryRow> predicted;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const Workload w = workload_for(*list[i], requests[i]);
      if (auto st = check(w, system); !st) {
        row.judged = false;
        row.error = st.error();
        break;
      }
      const int reps = std::max(1, o.replications);
      for (int k = 0; k < reps; ++k)
        predicted.push_back(
            simulate(w, system, Rng::derive(o.seed, i * 1000 + static_cast<std::uint64_t>(k)))
                .summary);
    }
    if (!row.error.empty()) {
      report.rows.push_back(std::move(row));
      continue;
    }
    row.predicted = summarise_repetitions(predicted);
    row.predicted.label = "*";
    row.method = "des";
    // The knee: N* for closed workloads, the capacity for open ones.
    const StationView v = station_view(system);
    if (cols.users) {
      row.knee_users =
          (v.demand + v.delay + cols.think_s.value_or(0) + system.client_s) * v.capacity_rps;
      row.at_or_above_knee = static_cast<double>(*cols.users) >= row.knee_users;
    } else {
      row.knee_users = v.capacity_rps;
      row.at_or_above_knee = cols.rate.value_or(0) >= 0.9 * v.capacity_rps;
    }
    row.mean_error = relative(row.predicted.mean_s, row.measured.mean_s);
    row.p95_error = relative(row.predicted.p95_s, row.measured.p95_s);
    row.throughput_error = relative(row.predicted.throughput_rps, row.measured.throughput_rps);
    row.success_error = row.predicted.success_rate - row.measured.success_rate;
    const double mean_target =
        row.at_or_above_knee ? o.targets.mean_at_knee : o.targets.mean_below_knee;
    row.mean_ok = std::abs(row.mean_error) <= mean_target;
    row.p95_ok = std::abs(row.p95_error) <= o.targets.p95;
    row.throughput_ok = std::abs(row.throughput_error) <= o.targets.throughput;
    row.success_ok = std::abs(row.success_error) <= o.targets.success_pp;
    auto in_spread = [](double predicted, double measured, const std::optional<double>& ci) {
      return ci.has_value() && std::abs(predicted - measured) <= *ci;
    };
    row.mean_in_spread =
        in_spread(row.predicted.mean_s, row.measured.mean_s, row.measured.mean_s_ci95);
    row.p95_in_spread = in_spread(row.predicted.p95_s, row.measured.p95_s, row.measured.p95_s_ci95);
    row.throughput_in_spread = in_spread(row.predicted.throughput_rps, row.measured.throughput_rps,
                                         row.measured.throughput_rps_ci95);
    row.success_in_spread = in_spread(row.predicted.success_rate, row.measured.success_rate,
                                      row.measured.success_rate_ci95);
    row.judged = !row.fitted || o.include_fitted;
    report.rows.push_back(std::move(row));
  }
  return report;
}

}  // namespace faaslab::model
