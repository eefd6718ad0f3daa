#include "model/edge_cloud.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>
#include <queue>
#include <random>
#include <vector>

namespace faaslab::model {

namespace {

// One station of the closed network: a delay (infinite servers) or processor sharing with
// rate min(j, m) / S for j requests present.
struct NetStation {
  double service = 0;   // S, seconds per visit
  double visits = 0;    // per user cycle
  double capacity = 0;  // m; 0 = a delay station
};

enum Path : int {
  kClientDelay,
  kClientUp,
  kClientDown,
  kEdgeNode,
  kCloudDelay,
  kCloudUp,
  kCloudDown,
  kCloudNode,
  kStations
};

std::vector<NetStation> stations_of(const EdgeCloudSystem& s, double p) {
  std::vector<NetStation> st(kStations);
  st[kClientDelay] = {2 * s.client.delay_s, 1, 0};
  st[kClientUp] = {transfer_s(s.request_bytes, s.client.up_bps), 1, 1};
  st[kClientDown] = {transfer_s(s.response_bytes, s.client.down_bps), 1, 1};
  st[kEdgeNode] = {s.edge.service_s, 1 - p, s.edge.parallelism};
  st[kCloudDelay] = {2 * s.cloud.delay_s, p, 0};
  st[kCloudUp] = {transfer_s(s.request_bytes, s.cloud.up_bps), p, 1};
  st[kCloudDown] = {transfer_s(s.response_bytes, s.cloud.down_bps), p, 1};
  st[kCloudNode] = {s.cloud_node.service_s, p, s.cloud_node.parallelism};
  return st;
}

Status check_system(const EdgeCloudWorkload& w, const EdgeCloudSystem& s) {
  if (w.users < 1 || w.users > 100000) return make_error("users: must be 1..100000");
  if (!(w.think_s >= 0) || w.think_s > 1e6) return make_error("think: must be 0..1e6 s");
  for (const auto& [name, node] :
       {std::pair<const char*, const NodeModel*>{"edge", &s.edge}, {"cloud", &s.cloud_node}}) {
    if (!(node->service_s > 0) || node->service_s > 1e4)
      return make_error(std::string(name) + ".service_s: must be a positive time");
    if (!(node->parallelism > 0) || node->parallelism > 1e4)
      return make_error(std::string(name) + ".parallelism: must be positive");
    if (node->replicas < 1) return make_error(std::string(name) + ".replicas: must be >= 1");
  }
  for (const auto* l : {&s.client, &s.cloud}) {
    if (!(l->delay_s >= 0) || !(l->up_bps >= 0) || !(l->down_bps >= 0))
      return make_error("links: delays and bandwidths must not be negative");
  }
  if (!(s.request_bytes >= 0) || !(s.response_bytes >= 0))
    return make_error("request and response sizes must not be negative");
  return Ok{};
}

// alpha(j): how many requests' worth of service a node gives with j present: one alone at full
// speed, more at min(j, m).
double rate_multiplier(std::size_t j, double m) {
  return j == 1 ? 1.0 : std::min(static_cast<double>(j), m);
}

}  // namespace

double transfer_s(double bytes, double bps) {
  return bps > 0 ? bytes * 8 / bps : 0;
}

nlohmann::json EdgeCloudPrediction::to_json() const {
  return {{"mean_s", mean_s},
          {"edge_mean_s", edge_mean_s},
          {"cloud_mean_s", cloud_mean_s},
          {"p95_s", p95_s},
          {"throughput_rps", throughput_rps},
          {"offload_share", offload_share},
          {"edge_utilization", edge_utilization},
          {"cloud_utilization", cloud_utilization},
          {"uplink_utilization", uplink_utilization},
          {"method", method}};
}

// Exact MVA for load-dependent stations (Lazowska et al., "Quantitative System Performance",
// 1984, ch. 8; Reiser & Lavenberg 1980): the residence time at a station with j present is
// sum_j j / alpha(j) * D * P(j - 1 | n - 1), and its marginal distribution follows by the
// arrival theorem. Processor sharing with rate multiplier alpha(j) = min(j, m).
EdgeCloudPrediction mva_edge_cloud(const EdgeCloudWorkload& w, const EdgeCloudSystem& s, double p) {
  const auto st = stations_of(s, p);
  const std::size_t n_users = w.users;
  std::vector<std::vector<double>> marginal(kStations, std::vector<double>(n_users + 1, 0));
  for (auto& m : marginal) m[0] = 1;
  std::vector<double> residence(kStations, 0);
  double x = 0;
  for (std::size_t n = 1; n <= n_users; ++n) {
    double total = 0;
    for (int k = 0; k < kStations; ++k) {
      const double d = st[k].service * st[k].visits;
      if (d <= 0) {
        residence[k] = 0;
        continue;
      }
      if (st[k].capacity <= 0) {
        residence[k] = d;
      } else {
        double r = 0;
        for (std::size_t j = 1; j <= n; ++j)
          r += static_cast<double>(j) / rate_multiplier(j, st[k].capacity) * d * marginal[k][j - 1];
        residence[k] = r;
      }
      total += residence[k];
    }
    x = static_cast<double>(n) / (w.think_s + total);
    for (int k = 0; k < kStations; ++k) {
      const double d = st[k].service * st[k].visits;
      if (d <= 0 || st[k].capacity <= 0) continue;
      std::vector<double> next(n_users + 1, 0);
      double rest = 0;
      for (std::size_t j = 1; j <= n; ++j) {
        next[j] = x * d / rate_multiplier(j, st[k].capacity) * marginal[k][j - 1];
        rest += next[j];
      }
      next[0] = std::max(0.0, 1 - rest);
      marginal[k] = std::move(next);
    }
  }
  auto per_visit = [&](int k) { return st[k].visits > 0 ? residence[k] / st[k].visits : 0.0; };
  const double common = per_visit(kClientDelay) + per_visit(kClientUp) + per_visit(kClientDown);
  // Per-visit times of a tier with no visits: what one request alone would take there.
  const double edge_alone = p < 1 ? per_visit(kEdgeNode) : s.edge.service_s;
  const double cloud_alone =
      p > 0 ? per_visit(kCloudDelay) + per_visit(kCloudUp) + per_visit(kCloudDown) +
                  per_visit(kCloudNode)
            : 2 * s.cloud.delay_s + transfer_s(s.request_bytes, s.cloud.up_bps) +
                  transfer_s(s.response_bytes, s.cloud.down_bps) + s.cloud_node.service_s;
  EdgeCloudPrediction out;
  out.method = "mva";
  out.throughput_rps = x;
  out.offload_share = p;
  out.edge_mean_s = p < 1 ? common + edge_alone : 0;
  out.cloud_mean_s = p > 0 ? common + cloud_alone : 0;
  out.mean_s = (1 - p) * (common + edge_alone) + p * (common + cloud_alone);
  out.edge_utilization = x * (1 - p) * s.edge.service_s / s.edge.parallelism;
  out.cloud_utilization = x * p * s.cloud_node.service_s / s.cloud_node.parallelism;
  out.uplink_utilization = x * p * st[kCloudUp].service;
  return out;
}

namespace {

// The simulation: each station holds its requests; processor-sharing stations share their
// rate, delay stations hold each request for its own time.
struct Job {
  std::uint64_t user = 0;
  double remaining = 0;  // work (seconds at full speed) or, in a delay, the time it leaves
};

struct PsStation {
  double capacity = 1;       // m
  std::vector<Job> jobs;     // in service
  std::size_t slots = 0;     // at most this many in service (0: any number)
  std::deque<Job> waiting;   // for a slot, in order
  double busy_integral = 0;  // integral of min(k, m) / m over time
  double per_job_rate() const {
    const double k = static_cast<double>(jobs.size());
    if (k <= 1) return 1.0;
    return k <= capacity ? 1.0 : capacity / k;
  }
  void add(Job j) {
    if (slots == 0 || jobs.size() < slots) {
      jobs.push_back(j);
    } else {
      waiting.push_back(j);
    }
  }
  void started_next() {
    if (!waiting.empty() && (slots == 0 || jobs.size() < slots)) {
      jobs.push_back(waiting.front());
      waiting.pop_front();
    }
  }
  double next_done(double now) const {
    if (jobs.empty()) return INFINITY;
    double least = INFINITY;
    for (const auto& j : jobs) least = std::min(least, j.remaining);
    return now + least / per_job_rate();
  }
  void advance(double dt) {
    if (jobs.empty() || dt <= 0) return;
    const double r = per_job_rate();
    for (auto& j : jobs) j.remaining -= dt * r;
    busy_integral += dt * std::min(static_cast<double>(jobs.size()), capacity) / capacity;
  }
};

// Where a request is on its way.
enum class Step {
  kThink,
  kClientUp,
  kClientDelayIn,
  kAtGateway,
  kEdge,
  kCloudUp,
  kCloudDelayIn,
  kCloudNode,
  kCloudDown,
  kCloudDelayOut,
  kClientDown,
  kClientDelayOut
};

struct UserState {
  Step step = Step::kThink;
  double started = 0;     // when it left thinking (its request's start)
  double at_gateway = 0;  // when the gateway sent it to a tier
  runtime::Tier tier = runtime::Tier::kEdge;
};

}  // namespace

EdgeCloudPrediction simulate_edge_cloud(const EdgeCloudWorkload& w, const EdgeCloudSystem& s,
                                        std::uint64_t seed, std::uint64_t measured_requests) {
  std::mt19937_64 rng(seed);
  std::exponential_distribution<double> unit_exp(1.0);
  std::uniform_real_distribution<double> uniform(0, 1);
  const double client_up = transfer_s(s.request_bytes, s.client.up_bps);
  const double client_down = transfer_s(s.response_bytes, s.client.down_bps);
  const double cloud_up = transfer_s(s.request_bytes, s.cloud.up_bps);
  const double cloud_down = transfer_s(s.response_bytes, s.cloud.down_bps);
  const double cloud_extra = 2 * s.cloud.delay_s + cloud_up + cloud_down;

  PsStation up_client, down_client, edge, up_cloud, down_cloud, cloud;
  edge.capacity = s.edge.parallelism;
  edge.slots = static_cast<std::size_t>(std::max(0, s.edge.slots));
  cloud.capacity = s.cloud_node.parallelism;
  cloud.slots = static_cast<std::size_t>(std::max(0, s.cloud_node.slots));
  // A node's work: gamma with the node's mean and coefficient of variation (0: constant).
  auto work = [&](const NodeModel& node) {
    if (node.service_cv <= 0) return node.service_s;
    const double shape = 1 / (node.service_cv * node.service_cv);
    return std::gamma_distribution<double>(shape, node.service_s / shape)(rng);
  };
  PsStation* ps[] = {&up_client, &down_client, &edge, &up_cloud, &down_cloud, &cloud};
  // Timed steps (think, propagation): (time, user).
  using Timer = std::pair<double, std::uint64_t>;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers;
  std::vector<UserState> users(w.users);
  double now = 0;
  auto think = [&]() { return w.exponential_think ? w.think_s * unit_exp(rng) : w.think_s; };
  for (std::uint64_t u = 0; u < w.users; ++u) {
    // Spread the first requests over one think time so the users do not start in step.
    timers.push({w.think_s * uniform(rng), u});
  }
  int inflight[2] = {0, 0};
  double response_ewma[2] = {0, 0};
  const std::uint64_t warmup = std::max<std::uint64_t>(200, 10 * w.users);
  std::uint64_t done = 0;
  double measure_start = -1;
  double sum = 0, sum_tier[2] = {0, 0};
  std::uint64_t count_tier[2] = {0, 0};
  std::vector<double> times;
  times.reserve(measured_requests);
  double edge_busy0 = 0, cloud_busy0 = 0, uplink_busy0 = 0;

  auto enter_ps = [&](PsStation& st, std::uint64_t u, double amount) { st.add(Job{u, amount}); };
  // Moves user u to its next step (it just finished `from`).
  std::function<void(std::uint64_t)> next = [&](std::uint64_t u) {
    UserState& us = users[u];
    switch (us.step) {
      case Step::kThink:
        us.started = now;
        us.step = Step::kClientUp;
        if (client_up > 0) return enter_ps(up_client, u, client_up);
        return next(u);
      case Step::kClientUp:
        us.step = Step::kClientDelayIn;
        if (s.client.delay_s > 0) return timers.push({now + s.client.delay_s, u});
        return next(u);
      case Step::kClientDelayIn: {
        us.step = Step::kAtGateway;
        runtime::PlacementInput in;
        in.edge = runtime::TierLoad{s.edge.replicas, inflight[0], 0, response_ewma[0]};
        in.cloud = runtime::TierLoad{s.cloud_node.replicas, inflight[1], 0, response_ewma[1]};
        in.cloud_extra_s = cloud_extra;
        in.draw = uniform(rng);
        us.tier = runtime::decide_placement(s.placement, in).tier;
        us.at_gateway = now;
        ++inflight[static_cast<int>(us.tier)];
        if (us.tier == runtime::Tier::kEdge) {
          us.step = Step::kEdge;
          return enter_ps(edge, u, work(s.edge));
        }
        us.step = Step::kCloudUp;
        if (cloud_up > 0) return enter_ps(up_cloud, u, cloud_up);
        return next(u);
      }
      case Step::kCloudUp:
        us.step = Step::kCloudDelayIn;
        if (s.cloud.delay_s > 0) return timers.push({now + s.cloud.delay_s, u});
        return next(u);
      case Step::kCloudDelayIn:
        us.step = Step::kCloudNode;
        return enter_ps(cloud, u, work(s.cloud_node));
      case Step::kCloudNode:
        us.step = Step::kCloudDown;
        if (cloud_down > 0) return enter_ps(down_cloud, u, cloud_down);
        return next(u);
      case Step::kCloudDown:
        us.step = Step::kCloudDelayOut;
        if (s.cloud.delay_s > 0) return timers.push({now + s.cloud.delay_s, u});
        return next(u);
      case Step::kEdge:
      case Step::kCloudDelayOut: {
        const int t = static_cast<int>(us.tier);
        --inflight[t];
        const double took = now - us.at_gateway;
        response_ewma[t] = response_ewma[t] <= 0 ? took : 0.8 * response_ewma[t] + 0.2 * took;
        us.step = Step::kClientDown;
        if (client_down > 0) return enter_ps(down_client, u, client_down);
        return next(u);
      }
      case Step::kClientDown:
        us.step = Step::kClientDelayOut;
        if (s.client.delay_s > 0) return timers.push({now + s.client.delay_s, u});
        return next(u);
      case Step::kClientDelayOut: {
        ++done;
        if (done == warmup) {
          measure_start = now;
          edge_busy0 = edge.busy_integral;
          cloud_busy0 = cloud.busy_integral;
          uplink_busy0 = up_cloud.busy_integral;
        } else if (done > warmup) {
          const double r = now - us.started;
          sum += r;
          times.push_back(r);
          const int t = static_cast<int>(us.tier);
          sum_tier[t] += r;
          ++count_tier[t];
        }
        us.step = Step::kThink;
        return timers.push({now + think(), u});
      }
      case Step::kAtGateway:
        return;
    }
  };

  while (times.size() < measured_requests) {
    double t_next = timers.empty() ? INFINITY : timers.top().first;
    PsStation* which = nullptr;
    for (PsStation* st : ps) {
      const double t = st->next_done(now);
      if (t < t_next) {
        t_next = t;
        which = st;
      }
    }
    if (!std::isfinite(t_next)) break;  // cannot happen: some user is always somewhere
    for (PsStation* st : ps) st->advance(t_next - now);
    now = t_next;
    if (which) {
      auto it =
          std::min_element(which->jobs.begin(), which->jobs.end(),
                           [](const Job& a, const Job& b) { return a.remaining < b.remaining; });
      const std::uint64_t u = it->user;
      which->jobs.erase(it);
      which->started_next();
      next(u);
    } else {
      const std::uint64_t u = timers.top().second;
      timers.pop();
      next(u);
    }
  }
  EdgeCloudPrediction out;
  out.method = "des";
  const double span = now - measure_start;
  const double n = static_cast<double>(times.size());
  if (n > 0 && span > 0) {
    out.mean_s = sum / n;
    out.throughput_rps = n / span;
    out.offload_share = static_cast<double>(count_tier[1]) / n;
    out.edge_mean_s = count_tier[0] ? sum_tier[0] / static_cast<double>(count_tier[0]) : 0;
    out.cloud_mean_s = count_tier[1] ? sum_tier[1] / static_cast<double>(count_tier[1]) : 0;
    std::sort(times.begin(), times.end());
    out.p95_s = times[static_cast<std::size_t>(std::ceil(0.95 * n)) - 1];
    out.edge_utilization = (edge.busy_integral - edge_busy0) / span;
    out.cloud_utilization = (cloud.busy_integral - cloud_busy0) / span;
    out.uplink_utilization = (up_cloud.busy_integral - uplink_busy0) / span;
  }
  return out;
}

Result<EdgeCloudPrediction> predict_edge_cloud(const EdgeCloudWorkload& w, const EdgeCloudSystem& s,
                                               std::uint64_t seed,
                                               std::uint64_t measured_requests) {
  if (auto ok = check_system(w, s); !ok) return ok.error_value();
  switch (s.placement.policy) {
    case runtime::Placement::kEdgeOnly:
    case runtime::Placement::kCloudOnly:
    case runtime::Placement::kSplit: {
      const bool product_form = s.edge.slots == 0 && s.cloud_node.slots == 0 &&
                                s.edge.service_cv == 1 && s.cloud_node.service_cv == 1;
      const double p = s.placement.policy == runtime::Placement::kEdgeOnly    ? 0
                       : s.placement.policy == runtime::Placement::kCloudOnly ? 1
                                                                              : s.placement.split;
      if (product_form) return mva_edge_cloud(w, s, p);
      return simulate_edge_cloud(w, s, seed, std::max<std::uint64_t>(measured_requests, 1000));
    }
    case runtime::Placement::kEdgeFirst:
    case runtime::Placement::kModel:
      return simulate_edge_cloud(w, s, seed, std::max<std::uint64_t>(measured_requests, 1000));
    case runtime::Placement::kSpread:
    case runtime::Placement::kEdgeRetry:
      break;
  }
  return make_error("placement " + std::string(runtime::placement_name(s.placement.policy)) +
                    ": the edge–cloud model covers edge-only, cloud-only, split, edge-first and "
                    "model");
}

}  // namespace faaslab::model
