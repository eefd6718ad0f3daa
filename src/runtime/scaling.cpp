#include "runtime/scaling.h"

#include <strings.h>
#include <algorithm>
#include <charconv>
#include <cmath>

namespace faaslab::runtime {

std::string_view routing_name(Routing r) {
  switch (r) {
    case Routing::kRandom:
      return "random";
    case Routing::kRoundRobin:
      return "round-robin";
    case Routing::kLeastInflight:
      return "least-inflight";
    case Routing::kFifo:
      return "fifo";
  }
  return "?";
}

std::optional<Routing> routing_from_name(std::string_view name) {
  for (auto r : {Routing::kRandom, Routing::kRoundRobin, Routing::kLeastInflight, Routing::kFifo}) {
    const auto n = routing_name(r);
    if (n.size() == name.size() && strncasecmp(n.data(), name.data(), n.size()) == 0) return r;
  }
  return std::nullopt;
}

namespace {

Result<long> to_int(const std::string& key, const std::string& v, long lo, long hi) {
  long x = 0;
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || p != v.data() + v.size() || x < lo || x > hi) {
    return make_error(key + ": '" + v + "' is not an integer in [" + std::to_string(lo) + ", " +
                      std::to_string(hi) + "]");
  }
  return x;
}

Result<double> to_double(const std::string& key, const std::string& v, double lo, double hi) {
  try {
    std::size_t used = 0;
    const double x = std::stod(v, &used);
    if (used == v.size() && x >= lo && x <= hi) return x;
  } catch (const std::exception&) {
  }
  return make_error(key + ": '" + v + "' is not a number in [" + std::to_string(lo) + ", " +
                    std::to_string(hi) + "]");
}

}  // namespace

Result<ScalingPolicy> scaling_policy_from_labels(const std::map<std::string, std::string>& labels) {
  ScalingPolicy p;
  auto get = [&](const char* key) -> const std::string* {
    auto it = labels.find(key);
    return it == labels.end() ? nullptr : &it->second;
  };
  if (auto v = get("com.openfaas.scale.min")) {
    auto x = to_int("com.openfaas.scale.min", *v, 0, 1000);
    if (!x) return x.error_value();
    p.min = static_cast<int>(*x);
  }
  if (auto v = get("com.openfaas.scale.max")) {
    auto x = to_int("com.openfaas.scale.max", *v, 1, 1000);
    if (!x) return x.error_value();
    p.max = static_cast<int>(*x);
  }
  if (auto v = get("com.openfaas.scale.zero")) {
    auto x = parse_bool(*v);
    if (!x) return make_error("com.openfaas.scale.zero: " + x.error());
    p.zero = *x;
  }
  if (auto v = get("com.openfaas.scale.zero-duration")) {
    auto x = parse_duration(*v);
    if (!x) return make_error("com.openfaas.scale.zero-duration: " + x.error());
    p.zero_duration = *x;
  }
  if (auto v = get("com.openfaas.scale.type")) {
    if (*v == "rps")
      p.type = ScalingPolicy::Type::kRps;
    else if (*v == "capacity")
      p.type = ScalingPolicy::Type::kCapacity;
    else
      return make_error("com.openfaas.scale.type: '" + *v +
                        "' is not rps or capacity (cpu is not supported locally)");
  }
  if (auto v = get("com.openfaas.scale.target")) {
    auto x = to_double("com.openfaas.scale.target", *v, 0.001, 1e9);
    if (!x) return x.error_value();
    p.target = *x;
  }
  if (auto v = get("com.openfaas.scale.target-proportion")) {
    auto x = to_double("com.openfaas.scale.target-proportion", *v, 0.01, 10);
    if (!x) return x.error_value();
    p.target_proportion = *x;
  }
  if (auto v = get("com.openfaas.scale.down.window")) {
    auto x = parse_duration(*v);
    if (!x) return make_error("com.openfaas.scale.down.window: " + x.error());
    p.down_window = *x;
  }
  if (auto v = get("com.faaslab.routing")) {
    p.routing = routing_from_name(*v);
    if (!p.routing)
      return make_error("com.faaslab.routing: '" + *v +
                        "' is not random, round-robin, least-inflight or fifo");
  }
  if (auto v = get("com.faaslab.concurrency")) {
    auto x = to_int("com.faaslab.concurrency", *v, 1, 10000);
    if (!x) return x.error_value();
    p.concurrency = static_cast<int>(*x);
  }
  if (auto v = get("com.faaslab.queue")) {
    auto x = to_int("com.faaslab.queue", *v, 0, 1000000);
    if (!x) return x.error_value();
    p.queue = static_cast<int>(*x);
  }
  if (p.min > p.max)
    return make_error("com.openfaas.scale.min (" + std::to_string(p.min) +
                      ") is over com.openfaas.scale.max (" + std::to_string(p.max) + ")");
  if (p.min == 0 && !p.zero) p.zero = true;  // min 0 means the function may sit at zero
  return p;
}

int desired_replicas(const ScalingPolicy& p, double load) {
  const double per_replica = p.target * p.target_proportion;
  const int desired = static_cast<int>(std::ceil(std::max(0.0, load) / per_replica - 1e-9));
  // Never below one from load alone: going to zero is the idle rule's decision (zero-duration).
  return std::clamp(desired, std::max(1, p.min), p.max);
}

void RpsWindow::record(SteadyClock::time_point now) {
  const auto second =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (!starts_.empty() && starts_.back().first == second) {
    starts_.back().second++;
  } else {
    starts_.emplace_back(second, 1);
  }
  trim(second);
}

double RpsWindow::per_second(SteadyClock::time_point now) {
  trim(std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
  int total = 0;
  for (const auto& [second, n] : starts_) total += n;
  return static_cast<double>(total) / static_cast<double>(window_.count());
}

void RpsWindow::trim(std::int64_t second) {
  while (!starts_.empty() && starts_.front().first < second - window_.count()) starts_.pop_front();
}

int ScaleDownWindow::stabilise(int recommended, int current, SteadyClock::time_point now,
                               Micros window) {
  history_.emplace_back(now, recommended);
  while (!history_.empty() && now - history_.front().first > window) history_.pop_front();
  if (recommended >= current) return recommended;
  int highest = recommended;
  for (const auto& [t, r] : history_) highest = std::max(highest, r);
  return std::min(highest, current);
}

}  // namespace faaslab::runtime
