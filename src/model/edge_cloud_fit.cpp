#include "model/edge_cloud_fit.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "common/summary.h"

namespace faaslab::model {

namespace {

using nlohmann::json;

// The links of a run: from the campaign's stored topology, the run's overrides applied.
struct RunLinks {
  LinkModel client, cloud;
  std::string edge_node, cloud_node;
};

Result<RunLinks> links_of(const json& spec, const experiment::RunColumns& run) {
  const json topologies = spec.value("topologies", json::object());
  if (!topologies.contains(run.topology))
    return make_error("run " + run.config_key + ": topology '" + run.topology +
                      "' is not among the campaign's topologies");
  const json& t = topologies[run.topology];
  RunLinks out;
  out.edge_node = t.value("gateway", "");
  for (const auto& n : t.value("nodes", json::array())) {
    if (n.value("role", "") == "cloud" && n.value("name", "") != out.edge_node) {
      out.cloud_node = n.value("name", "");
      break;
    }
  }
  if (out.edge_node.empty() || out.cloud_node.empty())
    return make_error("topology " + run.topology + ": needs an edge (gateway) and a cloud node");
  bool client = false, cloud = false;
  for (const auto& l : t.value("links", json::array())) {
    const std::string from = l.value("from", ""), to = l.value("to", "");
    LinkModel m{l.value("delay_s", 0.0), l.value("up_bps", 0.0), l.value("down_bps", 0.0)};
    if (from == "client" && to == out.edge_node) {
      out.client = m;
      client = true;
    } else if ((from == out.edge_node && to == out.cloud_node) ||
               (from == out.cloud_node && to == out.edge_node)) {
      if (from == out.cloud_node) std::swap(m.up_bps, m.down_bps);
      out.cloud = m;
      cloud = true;
    }
  }
  if (!client || !cloud)
    return make_error("topology " + run.topology +
                      ": needs a client link to its gateway and a link from there to the cloud");
  if (run.cloud_delay_s) out.cloud.delay_s = *run.cloud_delay_s;
  if (run.cloud_bandwidth_bps) out.cloud.up_bps = out.cloud.down_bps = *run.cloud_bandwidth_bps;
  return out;
}

double link_time(const LinkModel& l, double up_bytes, double down_bytes) {
  return 2 * l.delay_s + transfer_s(up_bytes, l.up_bps) + transfer_s(down_bytes, l.down_bps);
}

struct MeasuredRun {
  experiment::RunRow row;
  RunLinks links;
  std::vector<experiment::RequestRow> ok;  // not warm-up, answered
  double throughput = 0, mean_s = 0, success = 0;
  std::map<std::string, std::set<std::string>> replicas;  // node -> replicas seen there
  std::size_t at(const std::string& node) const {
    return static_cast<std::size_t>(
        std::count_if(ok.begin(), ok.end(), [&](const auto& r) { return r.node == node; }));
  }
};

std::string key(const std::string& topology, const std::string& node) {
  return topology + "/" + node;
}

// The model of one configuration (its runs), with the fit's nodes: its links, the mean sizes of
// its requests and responses, the replicas seen on each node, their slots, its placement.
Result<std::pair<EdgeCloudWorkload, EdgeCloudSystem>> model_of(
    const std::vector<const MeasuredRun*>& members, const EdgeCloudFit& fit) {
  const MeasuredRun& first = *members.front();
  const auto& c = first.row.columns;
  if (c.users.value_or(0) == 0)
    return make_error("an open workload: the edge–cloud model is closed");
  const auto edge = fit.nodes.find(key(c.topology, first.links.edge_node));
  const auto cloud = fit.nodes.find(key(c.topology, first.links.cloud_node));
  if (edge == fit.nodes.end() || cloud == fit.nodes.end())
    return make_error("no one-user run calibrated both nodes of topology " + c.topology);
  double up = 0, down = 0;
  std::size_t n = 0;
  std::map<std::string, std::set<std::string>> replicas;
  for (const auto* m : members) {
    for (const auto& r : m->ok) {
      up += static_cast<double>(r.bytes_sent);
      down += static_cast<double>(r.bytes_received);
      ++n;
    }
    for (const auto& [node, names] : m->replicas) replicas[node].insert(names.begin(), names.end());
  }
  auto placement = runtime::placement_from_name(c.placement.empty() ? "spread" : c.placement);
  EdgeCloudSystem s;
  s.client = first.links.client;
  s.cloud = first.links.cloud;
  s.edge = edge->second;
  s.cloud_node = cloud->second;
  s.edge.replicas = std::max<int>(1, static_cast<int>(replicas[first.links.edge_node].size()));
  s.cloud_node.replicas =
      std::max<int>(1, static_cast<int>(replicas[first.links.cloud_node].size()));
  // An http-mode replica serves `workers` requests at once (faaslab-fn's default: 2), the rest
  // wait in order; a classic or fork one starts a process for each.
  const int workers = c.workers > 0 ? c.workers : 2;
  if (c.mode == "http") {
    s.edge.slots = s.edge.replicas * workers;
    s.cloud_node.slots = s.cloud_node.replicas * workers;
  }
  s.request_bytes = n ? up / static_cast<double>(n) : 0;
  s.response_bytes = n ? down / static_cast<double>(n) : 0;
  s.placement.policy = placement ? *placement : runtime::Placement::kSpread;
  s.placement.offload_threshold = c.offload_threshold;
  EdgeCloudWorkload w{static_cast<std::uint64_t>(*c.users), c.think_s.value_or(0),
                      c.think_dist == "exponential"};
  return std::make_pair(w, s);
}

}  // namespace

nlohmann::json EdgeCloudFit::to_json() const {
  json n = json::object();
  for (const auto& [k, v] : nodes)
    n[k] = {
        {"service_s", v.service_s}, {"parallelism", v.parallelism}, {"service_cv", v.service_cv}};
  return {{"nodes", n},
          {"fitted_runs", fitted_runs},
          {"request_bytes", request_bytes},
          {"response_bytes", response_bytes}};
}

nlohmann::json EdgeCloudRow::to_json() const {
  return {{"config_key", config_key},
          {"topology", topology},
          {"placement", placement},
          {"users", users},
          {"think_s", think_s},
          {"repetitions", repetitions},
          {"fitted", fitted},
          {"measured_mean_s", measured_mean_s},
          {"measured_mean_ci95", measured_mean_ci95},
          {"predicted_mean_s", predicted_mean_s},
          {"mean_error", mean_error},
          {"measured_throughput_rps", measured_tput},
          {"predicted_throughput_rps", predicted_tput},
          {"throughput_error", tput_error},
          {"measured_offload", measured_offload},
          {"predicted_offload", predicted_offload},
          {"measured_success", measured_success},
          {"method", method},
          {"mean_ok", mean_ok},
          {"mean_in_spread", mean_in_spread},
          {"throughput_ok", tput_ok},
          {"error", error}};
}

int EdgeCloudValidation::judged() const {
  return static_cast<int>(std::count_if(
      rows.begin(), rows.end(), [](const auto& r) { return !r.fitted && r.error.empty(); }));
}

int EdgeCloudValidation::passed() const {
  return static_cast<int>(std::count_if(rows.begin(), rows.end(), [](const auto& r) {
    return !r.fitted && r.error.empty() && r.mean_ok && r.tput_ok;
  }));
}

nlohmann::json EdgeCloudValidation::to_json() const {
  json r = json::array();
  for (const auto& row : rows) r.push_back(row.to_json());
  return {{"campaign_id", campaign_id},
          {"model", "edge-cloud"},
          {"fit", fit.to_json()},
          {"targets", {{"mean", targets.mean}, {"throughput", targets.throughput}}},
          {"judged", judged()},
          {"passed", passed()},
          {"rows", r}};
}

std::string EdgeCloudValidation::table() const {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%-12s %-11s %5s %17s %9s %7s %15s %15s  %s\n", "topology",
                "placement", "users", "mean: measured", "predicted", "error", "tput: meas/pred",
                "offload: m/p", "verdict");
  out += line;
  for (const auto& r : rows) {
    if (!r.error.empty()) {
      std::snprintf(line, sizeof line, "%-12s %-11s %5llu  %s\n", r.topology.c_str(),
                    r.placement.c_str(), static_cast<unsigned long long>(r.users), r.error.c_str());
      out += line;
      continue;
    }
    const char* verdict = r.fitted                   ? "fitted"
                          : (r.mean_ok && r.tput_ok) ? "within target"
                          : r.mean_in_spread         ? "outside target, inside the spread"
                                                     : "miss";
    char mean[32];
    std::snprintf(mean, sizeof mean, "%.3f±%.3f s", r.measured_mean_s, r.measured_mean_ci95);
    std::snprintf(line, sizeof line,
                  "%-12s %-11s %5llu %17s %7.3f s %+6.1f%% %7.1f/%-7.1f %7.2f/%-7.2f  %s\n",
                  r.topology.c_str(), r.placement.c_str(), static_cast<unsigned long long>(r.users),
                  mean, r.predicted_mean_s, r.mean_error * 100, r.measured_tput, r.predicted_tput,
                  r.measured_offload, r.predicted_offload, verdict);
    out += line;
  }
  std::snprintf(line, sizeof line,
                "\n%d of %d configurations not used for calibration within every target "
                "(mean %.0f%%, throughput %.0f%%)\n",
                passed(), judged(), targets.mean * 100, targets.throughput * 100);
  out += line;
  return out;
}

Result<bool> is_edge_cloud_campaign(experiment::ResultsDb& db, std::int64_t campaign_id) {
  auto runs = db.runs(campaign_id);
  if (!runs) return runs.error_value();
  return std::any_of(runs->begin(), runs->end(),
                     [](const auto& r) { return !r.columns.topology.empty(); });
}

Result<EdgeCloudValidation> validate_edge_cloud(experiment::ResultsDb& db, std::int64_t campaign_id,
                                                const EdgeCloudTargets& targets) {
  auto spec = db.campaign_spec(campaign_id);
  if (!spec) return spec.error_value();
  auto rows = db.runs(campaign_id);
  if (!rows) return rows.error_value();
  std::vector<MeasuredRun> runs;
  for (const auto& row : *rows) {
    if (row.status != experiment::RunStatus::kComplete || row.columns.topology.empty()) continue;
    MeasuredRun m;
    m.row = row;
    auto links = links_of(*spec, row.columns);
    if (!links) return links.error_value();
    m.links = *links;
    auto requests = db.requests(row.id);
    if (!requests) return requests.error_value();
    std::size_t counted = 0;
    for (auto& r : *requests) {
      if (r.warmup) continue;
      ++counted;
      if (r.outcome != "ok" || !r.latency_us) continue;
      m.replicas[r.node].insert(r.replica);
      m.ok.push_back(std::move(r));
    }
    m.success = counted ? static_cast<double>(m.ok.size()) / static_cast<double>(counted) : 0;
    auto summaries = db.run_summaries(row.id);
    if (summaries) {
      for (const auto& s : *summaries) {
        if (s.label == "*") {
          m.throughput = s.throughput_rps;
          m.mean_s = s.mean_s;
        }
      }
    }
    runs.push_back(std::move(m));
  }
  if (runs.empty())
    return make_error("campaign " + std::to_string(campaign_id) +
                      " has no complete run on a topology");

  EdgeCloudValidation v;
  v.campaign_id = campaign_id;
  v.targets = targets;
  {
    double up = 0, down = 0, n = 0;
    for (const auto& m : runs) {
      for (const auto& r : m.ok) {
        up += static_cast<double>(r.bytes_sent);
        down += static_cast<double>(r.bytes_received);
        ++n;
      }
    }
    if (n > 0) {
      v.fit.request_bytes = up / n;
      v.fit.response_bytes = down / n;
    }
  }
  // Service times: one-user runs, each request less its links.
  std::map<std::string, std::vector<double>> alone;
  std::set<std::int64_t> fitted;
  for (const auto& m : runs) {
    if (m.row.columns.users.value_or(0) != 1) continue;
    fitted.insert(m.row.id);
    for (const auto& r : m.ok) {
      const bool cloud = r.node == m.links.cloud_node;
      if (!cloud && r.node != m.links.edge_node) continue;
      const double up = static_cast<double>(r.bytes_sent),
                   down = static_cast<double>(r.bytes_received);
      double links = link_time(m.links.client, up, down);
      if (cloud) links += link_time(m.links.cloud, up, down);
      alone[key(m.row.columns.topology, r.node)].push_back(
          static_cast<double>(*r.latency_us) / 1e6 - links);
    }
  }
  for (const auto& [k, times] : alone) {
    NodeModel& node = v.fit.nodes[k];
    node.service_s = std::max(1e-4, median(times));
    double sum = 0, sq = 0;
    for (double t : times) {
      sum += t;
      sq += t * t;
    }
    const double n = static_cast<double>(times.size());
    const double mean = sum / n;
    node.service_cv = mean > 0 ? std::sqrt(std::max(0.0, sq / n - mean * mean)) / mean : 0;
  }
  // Configurations, in the order of their first run.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const MeasuredRun*>> by_config;
  for (const auto& m : runs) {
    if (!by_config.count(m.row.columns.config_key)) order.push_back(m.row.columns.config_key);
    by_config[m.row.columns.config_key].push_back(&m);
  }
  // Parallelism: m fitted so that the model gives the measured throughput of the configuration
  // with the most users served at that node alone (a grid over m, and "no limit").
  for (auto& [k, node] : v.fit.nodes) {
    const std::string* chosen = nullptr;
    std::uint64_t most = 1;
    for (const auto& cfg : order) {
      const MeasuredRun& m = *by_config[cfg].front();
      const auto users = static_cast<std::uint64_t>(m.row.columns.users.value_or(0));
      const bool here = k == key(m.row.columns.topology, m.links.edge_node) ||
                        k == key(m.row.columns.topology, m.links.cloud_node);
      const std::string node_name = k.substr(k.find('/') + 1);
      if (!here || users <= most || m.ok.empty() ||
          static_cast<double>(m.at(node_name)) < 0.99 * static_cast<double>(m.ok.size()))
        continue;
      most = users;
      chosen = &cfg;
    }
    node.parallelism = 1e3;
    if (!chosen) continue;  // never loaded alone: no limit within what was measured
    const auto& members = by_config[*chosen];
    double measured = 0;
    for (const auto* m : members) measured += m->throughput / static_cast<double>(members.size());
    double best_m = 1e3, best_error = INFINITY;
    for (int step = 0; step <= 80; ++step) {
      const double candidate = step == 80 ? 1e3 : 0.2 + 0.05 * step;
      node.parallelism = candidate;
      auto model = model_of(members, v.fit);
      if (!model) break;
      auto p = predict_edge_cloud(model->first, model->second, 1, 4000);
      if (!p || measured <= 0) break;
      const double error = std::fabs(p->throughput_rps / measured - 1);
      if (error < best_error - 1e-9) {
        best_error = error;
        best_m = candidate;
      }
    }
    node.parallelism = best_m;
    for (const auto* m : members) fitted.insert(m->row.id);
  }
  v.fit.fitted_runs.assign(fitted.begin(), fitted.end());

  std::map<std::string, SummaryRow> config_summary;
  if (auto cs = db.config_summaries(campaign_id)) {
    for (const auto& [k, s] : *cs)
      if (s.label == "*") config_summary[k] = s;
  }
  for (const auto& k : order) {
    const auto& members = by_config[k];
    const MeasuredRun& first = *members.front();
    const auto& c = first.row.columns;
    EdgeCloudRow row;
    row.config_key = k;
    row.topology = c.topology;
    row.placement = c.placement.empty() ? "(labels)" : c.placement;
    row.users = static_cast<std::uint64_t>(c.users.value_or(0));
    row.think_s = c.think_s.value_or(0);
    row.repetitions = static_cast<int>(members.size());
    double mean = 0, tput = 0, offload = 0, success = 0;
    for (const auto* m : members) {
      row.fitted = row.fitted || fitted.count(m->row.id);
      mean += m->mean_s;
      tput += m->throughput;
      success += m->success;
      if (!m->ok.empty())
        offload +=
            static_cast<double>(m->at(m->links.cloud_node)) / static_cast<double>(m->ok.size());
    }
    const double n = static_cast<double>(members.size());
    row.measured_mean_s = mean / n;
    row.measured_tput = tput / n;
    row.measured_offload = offload / n;
    row.measured_success = success / n;
    if (auto it = config_summary.find(k); it != config_summary.end() && it->second.mean_s_ci95)
      row.measured_mean_ci95 = *it->second.mean_s_ci95;
    auto model = model_of(members, v.fit);
    if (!model) {
      row.error = model.error();
      v.rows.push_back(row);
      continue;
    }
    const auto& [w, s] = *model;
    auto p = predict_edge_cloud(w, s, 1, 20000);
    if (!p) {
      row.error = p.error();
      v.rows.push_back(row);
      continue;
    }
    row.method = p->method;
    row.predicted_mean_s = p->mean_s;
    row.predicted_tput = p->throughput_rps;
    row.predicted_offload = p->offload_share;
    row.mean_error = row.measured_mean_s > 0 ? p->mean_s / row.measured_mean_s - 1 : 0;
    row.tput_error = row.measured_tput > 0 ? p->throughput_rps / row.measured_tput - 1 : 0;
    row.mean_ok = std::fabs(row.mean_error) <= targets.mean;
    row.tput_ok = std::fabs(row.tput_error) <= targets.throughput;
    row.mean_in_spread = row.measured_mean_ci95 > 0 &&
                         std::fabs(p->mean_s - row.measured_mean_s) <= row.measured_mean_ci95;
    v.rows.push_back(row);
  }
  return v;
}

}  // namespace faaslab::model
