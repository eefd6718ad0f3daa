#include "report/report_data.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "common/summary.h"
#include "common/units.h"
#include "experiment/summaries.h"

namespace faaslab::report {
namespace {

using experiment::EventRow;
using experiment::RequestRow;
using experiment::RunRow;
using nlohmann::json;

std::string seconds_label(double s) {
  std::ostringstream o;
  if (s == 0) return "0s";
  if (s < 1)
    o << s * 1000 << "ms";
  else
    o << s << "s";
  return o.str();
}

double nearest_rank_unsorted(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return nearest_rank(v, p);
}

// The axes that differ between configurations, for labels that name only what varies.
struct Varying {
  bool replicas = false, routing = false, codec = false, frame = false, mode = false,
       max_inflight = false, workers = false, topology = false, placement = false;
};

Varying find_varying(const std::vector<RunRow>& runs) {
  std::set<std::string> replicas, routing, codec, frame, mode, inflight, workers, topology,
      placement;
  for (const auto& r : runs) {
    replicas.insert(std::to_string(r.columns.replicas));
    routing.insert(r.columns.routing);
    codec.insert(r.columns.codec);
    frame.insert(std::to_string(r.columns.frame_width) + "x" +
                 std::to_string(r.columns.frame_height));
    mode.insert(r.columns.mode);
    inflight.insert(std::to_string(r.columns.max_inflight));
    workers.insert(std::to_string(r.columns.workers));
    topology.insert(r.columns.topology);
    placement.insert(r.columns.placement + "/" + std::to_string(r.columns.offload_threshold));
  }
  return {replicas.size() > 1, routing.size() > 1,  codec.size() > 1,
          frame.size() > 1,    mode.size() > 1,     inflight.size() > 1,
          workers.size() > 1,  topology.size() > 1, placement.size() > 1};
}

// "classic, 2 replicas" — what the over-users figures are grouped by.
std::string group_of(const experiment::RunColumns& c, const Varying& v) {
  std::string g = c.mode;
  if (v.replicas)
    g += ", " + std::to_string(c.replicas) + " replica" + (c.replicas == 1 ? "" : "s");
  if (v.routing) g += ", " + c.routing;
  if (v.max_inflight) g += ", max_inflight " + std::to_string(c.max_inflight);
  if (v.workers) g += ", " + std::to_string(c.workers) + " workers";
  if (v.codec) g += ", " + c.codec;
  if (v.frame) g += ", " + std::to_string(c.frame_width) + "x" + std::to_string(c.frame_height);
  if (v.topology) g += ", " + c.topology;
  if (v.placement) {
    g += ", " + (c.placement.empty() ? std::string("placement by labels") : c.placement);
    if (c.offload_threshold > 0) g += " " + std::to_string(c.offload_threshold);
  }
  return g;
}

std::string short_of(const experiment::RunColumns& c, const Varying& v) {
  std::string s = group_of(c, v);
  if (c.rate) {
    std::ostringstream o;
    o << ", " << *c.rate << " req/s";
    s += o.str();
  } else {
    s += ", " + std::to_string(c.users.value_or(0)) + " user" +
         (c.users.value_or(0) == 1 ? "" : "s") + ", think " + seconds_label(c.think_s.value_or(0));
  }
  return s;
}

struct Pooled {
  std::vector<RequestRow> rows;
  double window_s = 0;
  std::map<std::string, double> node_cpu_s;  // edge–cloud: CPU seconds per node (node_cpu events)
};

// An edge–cloud configuration's requests by the node that served them: count, mean response
// time and throughput per node, the share served in the cloud, and the use of the link to the
// cloud (bytes each way over its bandwidth, from the campaign's topology).
json per_node(const Pooled& pool, const json& spec, const std::string& topology) {
  std::map<std::string, double> budget;  // node -> its CPU budget in cores (0: not limited)
  std::map<std::string, std::vector<double>> times;
  std::map<std::string, double> up_bytes, down_bytes;
  for (const auto& q : pool.rows) {
    if (q.outcome != "ok" || !q.latency_us) continue;
    const std::string node = q.node.empty() ? "(none)" : q.node;
    times[node].push_back(static_cast<double>(*q.latency_us) / 1e6);
    up_bytes[node] += static_cast<double>(q.bytes_sent);
    down_bytes[node] += static_cast<double>(q.bytes_received);
  }
  json nodes = json::object();
  double served = 0, cloud = 0;
  std::set<std::string> cloud_nodes;
  std::string gateway;
  double up_bps = 0, down_bps = 0;
  if (spec.contains("topologies") && spec["topologies"].contains(topology)) {
    const json& t = spec["topologies"][topology];
    gateway = t.value("gateway", "");
    for (const auto& n : t.value("nodes", json::array())) {
      if (n.value("role", "") == "cloud") cloud_nodes.insert(n.value("name", ""));
      budget[n.value("name", "")] = n.value("cpus", 0.0);
    }
    for (const auto& l : t.value("links", json::array())) {
      const std::string from = l.value("from", ""), to = l.value("to", "");
      if (from == gateway && cloud_nodes.count(to)) {
        up_bps = l.value("up_bps", 0.0);
        down_bps = l.value("down_bps", 0.0);
      } else if (to == gateway && cloud_nodes.count(from)) {
        up_bps = l.value("down_bps", 0.0);
        down_bps = l.value("up_bps", 0.0);
      }
    }
  }
  double cloud_up = 0, cloud_down = 0;
  for (const auto& [node, t] : times) {
    double sum = 0;
    for (double x : t) sum += x;
    const double n = static_cast<double>(t.size());
    nodes[node] = {{"count", t.size()},
                   {"mean_s", sum / n},
                   {"throughput_rps", pool.window_s > 0 ? n / pool.window_s : 0.0},
                   {"role", cloud_nodes.count(node) ? "cloud" : "edge"}};
    served += n;
    if (cloud_nodes.count(node)) {
      cloud += n;
      cloud_up += up_bytes[node];
      cloud_down += down_bytes[node];
    }
  }
  // CPU use, measured: cores busy on average over the runs, and the share of the node's budget.
  for (const auto& [node, cpu] : pool.node_cpu_s) {
    if (pool.window_s <= 0) continue;
    if (!nodes.contains(node))
      nodes[node] = {{"count", 0}, {"role", cloud_nodes.count(node) ? "cloud" : "edge"}};
    const double cores = cpu / pool.window_s;
    nodes[node]["cpu_cores"] = cores;
    if (budget[node] > 0) nodes[node]["utilization"] = cores / budget[node];
  }
  json out = {{"by_node", nodes}, {"offload_share", served > 0 ? cloud / served : 0.0}};
  if (pool.window_s > 0) {
    out["uplink_utilization"] = up_bps > 0 ? cloud_up * 8 / pool.window_s / up_bps : 0.0;
    out["downlink_utilization"] = down_bps > 0 ? cloud_down * 8 / pool.window_s / down_bps : 0.0;
  }
  return out;
}

json per_frame(const std::vector<RequestRow>& rows) {
  std::map<std::uint64_t, std::vector<const RequestRow*>> by_user;
  for (const auto& r : rows) by_user[r.user].push_back(&r);
  json users = json::array();
  for (auto& [user, list] : by_user) {
    std::sort(list.begin(), list.end(),
              [](const auto* a, const auto* b) { return a->sequence < b->sequence; });
    json points = json::array();
    for (const auto* r : list) {
      points.push_back(
          {r->sequence + 1,
           r->latency_us ? json(static_cast<double>(*r->latency_us) / 1e6) : json(nullptr),
           r->handler_s ? json(*r->handler_s) : json(nullptr),
           r->ml_s ? json(*r->ml_s) : json(nullptr), r->cold_start ? 1 : 0});
    }
    users.push_back({{"user", user}, {"points", points}});
  }
  return users;
}

// Per second of the run: completed requests, their mean and p90 response time, active users
// (closed: between a user's first intended start and last end; open: requests in flight), and
// responses by status (or by outcome when there was no HTTP status).
// The run cut into buckets as JMeter's dashboard does, their width chosen from 0.1 s to 1 min so
// a run of any length gets between ~10 and 60 of them. Rates are per second of bucket.
json timeline(const std::vector<RequestRow>& rows, bool closed, std::int64_t origin_us) {
  if (rows.empty()) return {{"t", json::array()}, {"bucket_s", 1}};
  std::int64_t last = origin_us;
  for (const auto& r : rows) last = std::max(last, r.end_wall_us);
  const std::int64_t span_us = std::max<std::int64_t>(last - origin_us, 1);
  std::int64_t width_us = 60'000'000;
  for (std::int64_t w :
       {100'000, 200'000, 500'000, 1'000'000, 2'000'000, 5'000'000, 10'000'000, 30'000'000}) {
    if (span_us / w < 60) {
      width_us = w;
      break;
    }
  }
  const auto buckets = static_cast<std::size_t>(span_us / width_us + 1);
  const double width_s = static_cast<double>(width_us) / 1e6;
  std::vector<std::vector<double>> latencies(buckets);
  std::vector<int> active(buckets, 0);
  std::vector<int> placed(buckets, 0), in_cloud(buckets, 0);  // edge–cloud: per the placement
  std::map<std::string, std::vector<int>> codes;
  auto bucket = [&](std::int64_t wall) {
    return static_cast<std::size_t>(std::clamp<std::int64_t>(
        (wall - origin_us) / width_us, 0, static_cast<std::int64_t>(buckets) - 1));
  };
  std::map<std::uint64_t, std::pair<std::int64_t, std::int64_t>> user_span;
  for (const auto& r : rows) {
    if (r.outcome == "dropped") continue;
    const auto b = bucket(r.end_wall_us);
    if (r.latency_us) latencies[b].push_back(static_cast<double>(*r.latency_us) / 1e6);
    if (!r.placement.empty()) {
      placed[b]++;
      if (r.placement.rfind("cloud", 0) == 0) in_cloud[b]++;
    }
    const std::string code = r.status > 0 ? std::to_string(r.status) : r.outcome;
    auto& series = codes[code];
    series.resize(buckets, 0);
    series[b]++;
    if (closed) {
      auto [it, fresh] = user_span.try_emplace(r.user, r.intended_wall_us, r.end_wall_us);
      if (!fresh) {
        it->second.first = std::min(it->second.first, r.intended_wall_us);
        it->second.second = std::max(it->second.second, r.end_wall_us);
      }
    } else {
      for (auto s = bucket(r.start_wall_us); s <= b; ++s) active[s]++;
    }
  }
  for (const auto& [user, span] : user_span) {
    for (auto s = bucket(span.first); s <= bucket(span.second); ++s) active[s]++;
  }
  auto rounded = [](double v) { return std::round(v * 1000) / 1000; };
  json t = json::array(), mean = json::array(), p90 = json::array(), completed = json::array();
  json offload = json::array();
  bool any_placed = false;
  for (std::size_t i = 0; i < buckets; ++i) {
    any_placed = any_placed || placed[i] > 0;
    if (placed[i] > 0)
      offload.push_back(rounded(static_cast<double>(in_cloud[i]) / placed[i]));
    else
      offload.push_back(nullptr);
    t.push_back(rounded(static_cast<double>(i) * width_s));
    completed.push_back(rounded(static_cast<double>(latencies[i].size()) / width_s));
    if (latencies[i].empty()) {
      mean.push_back(nullptr);
      p90.push_back(nullptr);
    } else {
      double sum = 0;
      for (double v : latencies[i]) sum += v;
      mean.push_back(sum / static_cast<double>(latencies[i].size()));
      p90.push_back(nearest_rank_unsorted(latencies[i], 0.9));
    }
  }
  json code_json = json::object();
  for (auto& [code, series] : codes) {
    json rates = json::array();
    for (int n : series) rates.push_back(rounded(n / width_s));
    code_json[code] = rates;
  }
  json out = {{"t", t},
              {"bucket_s", width_s},
              {"mean_s", mean},
              {"p90_s", p90},
              {"completed", completed},
              {"active", active},
              {"codes", code_json}};
  if (any_placed) out["offload"] = offload;  // the share of each bucket's requests in the cloud
  return out;
}

// Ready replicas as a step series from 0: replicas usually became ready before the run's first
// request (negative times), so the series starts at the earlier of 0 and the first change.
json replicas_over_time(const std::vector<EventRow>& events, std::int64_t origin_us) {
  json points = json::array();
  std::set<std::string> ready;
  double first = 0;
  for (const auto& e : events) {
    if (e.kind == "ready" || e.kind == "stop" || e.kind == "exit" || e.kind == "crash") {
      const double t = static_cast<double>(e.wall_us - origin_us) / 1e6;
      first = std::min(0.0, std::round(t * 1000) / 1000);
      break;
    }
  }
  points.push_back({first, 0});
  for (const auto& e : events) {
    const double t = static_cast<double>(e.wall_us - origin_us) / 1e6;
    if (e.kind == "ready")
      ready.insert(e.replica);
    else if (e.kind == "stop" || e.kind == "exit" || e.kind == "crash")
      ready.erase(e.replica);
    else
      continue;
    points.push_back({std::round(t * 1000) / 1000, ready.size()});
  }
  return points;
}

// A run's window, as JMeter's for one test: its first intended start to its last end.
double window_seconds(const std::vector<RequestRow>& rows) {
  std::int64_t first = INT64_MAX, last = INT64_MIN;
  for (const auto& r : rows) {
    first = std::min(first, r.intended_wall_us);
    last = std::max(last, r.end_wall_us);
  }
  return last > first ? static_cast<double>(last - first) / 1e6 : 0;
}

// A configuration's measured requests and the time they were measured over: the sum of its
// runs' windows. (Not the span from its first run's start to its last run's end: between
// repetitions the campaign ran other configurations and paused.)
// JMeter's statistics table row and APDEX for a set of requests measured over `window` s.
json statistics(const std::vector<RequestRow>& rows, double window, const ApdexThresholds& apdex) {
  std::vector<double> times;
  std::uint64_t errors = 0, satisfied = 0, tolerating = 0, received = 0, sent = 0;
  for (const auto& r : rows) {
    if (r.outcome != "ok") ++errors;
    received += r.bytes_received;
    sent += r.bytes_sent;
    if (!r.latency_us) continue;
    const double s = static_cast<double>(*r.latency_us) / 1e6;
    times.push_back(s);
    if (r.outcome == "ok") {
      if (s <= apdex.satisfied_s)
        ++satisfied;
      else if (s <= apdex.tolerated_s)
        ++tolerating;
    }
  }
  double mean = 0;
  for (double t : times) mean += t;
  if (!times.empty()) mean /= static_cast<double>(times.size());
  const double n = static_cast<double>(rows.size());
  return {
      {"samples", rows.size()},
      {"errors", errors},
      {"error_pct", rows.empty() ? 0.0 : 100.0 * static_cast<double>(errors) / n},
      {"mean_s", mean},
      {"min_s", times.empty() ? 0 : *std::min_element(times.begin(), times.end())},
      {"max_s", times.empty() ? 0 : *std::max_element(times.begin(), times.end())},
      {"p50_s", nearest_rank_unsorted(times, 0.5)},
      {"p90_s", nearest_rank_unsorted(times, 0.9)},
      {"p95_s", nearest_rank_unsorted(times, 0.95)},
      {"p99_s", nearest_rank_unsorted(times, 0.99)},
      {"throughput_rps", window > 0 ? static_cast<double>(times.size()) / window : 0},
      {"received_kbps", window > 0 ? static_cast<double>(received) / 1024 / window : 0},
      {"sent_kbps", window > 0 ? static_cast<double>(sent) / 1024 / window : 0},
      {"apdex", rows.empty()
                    ? 0.0
                    : (static_cast<double>(satisfied) + static_cast<double>(tolerating) / 2) / n},
      {"apdex_satisfied", satisfied},
      {"apdex_tolerating", tolerating},
      {"apdex_frustrated", rows.size() - satisfied - tolerating}};
}

}  // namespace

Result<json> build_report_data(experiment::ResultsDb& db, std::optional<std::int64_t> campaign_id,
                               const ApdexThresholds& apdex) {
  if (!campaign_id) {
    auto ids = db.campaign_ids();
    if (!ids) return ids.error_value();
    if (ids->empty()) return make_error("the database holds no campaign");
    campaign_id = ids->back();
  }
  auto info = db.campaign_info(*campaign_id);
  if (!info) return info.error_value();
  auto runs = db.runs(*campaign_id);
  if (!runs) return runs.error_value();
  std::vector<RunRow> complete;
  for (const auto& r : *runs) {
    if (r.status == experiment::RunStatus::kComplete) complete.push_back(r);
  }
  if (complete.empty())
    return make_error("campaign " + std::to_string(*campaign_id) +
                      " has no complete run to report");
  auto config_summaries = db.config_summaries(*campaign_id);
  if (!config_summaries) return config_summaries.error_value();
  std::map<std::string, SummaryRow> overall_by_key;
  for (const auto& [key, s] : *config_summaries) {
    if (s.label == "*") overall_by_key[key] = s;
  }

  const Varying varying = find_varying(complete);
  json configs = json::array();
  std::map<std::string, std::size_t> config_index;
  std::map<std::string, Pooled> config_requests;
  json runs_json = json::array();
  for (const auto& r : complete) {
    auto requests = db.requests(r.id);
    if (!requests) return requests.error_value();
    auto events = db.events(r.id);
    if (!events) return events.error_value();
    std::vector<RequestRow> measured;
    for (auto& q : *requests) {
      if (!q.warmup) measured.push_back(q);
    }
    const auto& c = r.columns;
    if (!config_index.count(c.config_key)) {
      config_index[c.config_key] = configs.size();
      json cj = {{"key", c.config_key},
                 {"group", group_of(c, varying)},
                 {"short", short_of(c, varying)},
                 {"mode", c.mode},
                 {"replicas", c.replicas},
                 {"routing", c.routing},
                 {"codec", c.codec},
                 {"frame", std::to_string(c.frame_width) + "x" + std::to_string(c.frame_height)},
                 {"users", c.users ? json(*c.users) : json(nullptr)},
                 {"think_s", c.think_s ? json(*c.think_s) : json(nullptr)},
                 {"rate", c.rate ? json(*c.rate) : json(nullptr)},
                 {"runs", json::array()}};
      const auto it = overall_by_key.find(c.config_key);
      cj["summary"] = it != overall_by_key.end() ? summary_to_json(it->second) : json::object();
      if (!c.topology.empty()) {
        cj["topology"] = c.topology;
        cj["placement"] = c.placement.empty() ? "labels" : c.placement;
        cj["offload_threshold"] = c.offload_threshold;
      }
      configs.push_back(cj);
    }
    configs[config_index[c.config_key]]["runs"].push_back(r.id);
    auto& pool = config_requests[c.config_key];
    pool.rows.insert(pool.rows.end(), measured.begin(), measured.end());
    pool.window_s += window_seconds(measured);
    for (const auto& e : *events) {
      if (e.kind == "node_cpu" && e.seconds) pool.node_cpu_s[e.replica] += *e.seconds;
    }

    std::int64_t origin = INT64_MAX;
    for (const auto& q : *requests) origin = std::min(origin, q.intended_wall_us);
    if (origin == INT64_MAX) origin = r.started_wall_us;
    json ready = json::array(), cold = json::array();
    for (const auto& e : *events) {
      if (e.kind == "ready" && e.seconds) ready.push_back(*e.seconds);
      if (e.kind == "cold_start" && e.seconds) cold.push_back(*e.seconds);
    }
    std::string label = short_of(c, varying);
    if (c.repetition > 0) label += ", repetition " + std::to_string(c.repetition + 1);
    runs_json.push_back({{"id", r.id},
                         {"config", config_index[c.config_key]},
                         {"repetition", c.repetition},
                         {"label", label},
                         {"short", label},
                         {"first_request_cold", r.first_request_cold},
                         {"per_frame", per_frame(measured)},
                         {"timeline", timeline(measured, c.users.has_value(), origin)},
                         {"replicas", replicas_over_time(*events, origin)},
                         {"ready_seconds", ready},
                         {"cold_start_seconds", cold}});
  }
  auto stored_spec = db.campaign_spec(*campaign_id);
  const json spec = stored_spec ? *stored_spec : json::object();
  for (auto& cj : configs) {
    const auto& pool = config_requests[cj["key"].get<std::string>()];
    cj["statistics"] = statistics(pool.rows, pool.window_s, apdex);
    if (cj.contains("topology")) cj["nodes"] = per_node(pool, spec, cj["topology"]);
  }
  return json{{"campaign", *info},
              {"apdex", {{"satisfied_s", apdex.satisfied_s}, {"tolerated_s", apdex.tolerated_s}}},
              {"configs", configs},
              {"runs", runs_json},
              {"validation", json::array()}};
}

}  // namespace faaslab::report
