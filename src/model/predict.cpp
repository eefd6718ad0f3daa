// predict(): input checks, the choice of method, the simulator's replications, and the
// prediction's JSON.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "common/summary.h"
#include "model/analytic.h"
#include "model/model.h"
#include "model/simulator.h"

namespace faaslab::model {
namespace {

Error bad(const std::string& field, const std::string& what) {
  return make_error(field + ": " + what);
}

bool finite_non_negative(double x) {
  return std::isfinite(x) && x >= 0;
}

}  // namespace

Result<Mode> parse_mode(const std::string& t) {
  if (auto m = runtime::watchdog_mode_from_name(t)) return *m;
  return make_error("unknown watchdog mode '" + t + "' (classic, http or fork)");
}

Result<Routing> parse_routing(const std::string& t) {
  // The names exactly as written (the runtime's labels also accept other letter cases).
  if (auto r = runtime::routing_from_name(t); r && runtime::routing_name(*r) == t) return *r;
  return make_error("unknown routing '" + t + "' (random, round-robin, least-inflight or fifo)");
}

Result<Method> parse_method(const std::string& t) {
  if (t == "auto") return Method::kAuto;
  if (t == "mva") return Method::kMva;
  if (t == "erlang") return Method::kErlang;
  if (t == "des") return Method::kDes;
  return make_error("unknown method '" + t + "' (auto, mva, erlang or des)");
}

Result<CoreScheduling> parse_core_scheduling(const std::string& t) {
  if (t == "per-core") return CoreScheduling::kPerCore;
  if (t == "shared") return CoreScheduling::kShared;
  return make_error("unknown core scheduling '" + t + "' (per-core or shared)");
}

std::string to_string(Mode m) {
  return std::string(runtime::watchdog_mode_name(m));
}

std::string to_string(Routing r) {
  return std::string(runtime::routing_name(r));
}

Status check(const Workload& w, const System& s) {
  if (w.users > 0 && (w.rate > 0 || !w.trace.empty()))
    return make_error("a workload is closed (users) or open (rate, trace), not both");
  if (w.users == 0) {
    if (w.arrival == "trace") {
      if (w.trace.empty()) return bad("trace", "no send times");
      for (std::size_t i = 0; i < w.trace.size(); ++i) {
        if (!finite_non_negative(w.trace[i])) return bad("trace", "send times must be >= 0");
        if (i > 0 && w.trace[i] < w.trace[i - 1])
          return bad("trace", "send times must not decrease");
      }
    } else {
      if (!std::isfinite(w.rate) || w.rate <= 0)
        return bad("rate", "must be > 0 requests/s (or give users for a closed workload)");
      if (w.arrival != "poisson" && w.arrival != "constant")
        return bad("arrival", "'" + w.arrival + "' (poisson, constant or trace)");
    }
    if (!finite_non_negative(w.duration_s)) return bad("duration", "must be >= 0");
  } else {
    if (!finite_non_negative(w.think_s)) return bad("think", "must be >= 0");
    if (w.think_dist != "constant" && w.think_dist != "exponential" && w.think_dist != "uniform")
      return bad("think-dist", "'" + w.think_dist + "' (constant, exponential or uniform)");
    if (!finite_non_negative(w.ramp_up_s)) return bad("ramp-up", "must be >= 0");
  }
  if (s.replicas < 1) return bad("replicas", "must be >= 1");
  if (s.replicas > 100000) return bad("replicas", "at most 100000");
  if (s.concurrency < 0) return bad("concurrency", "must be >= 0 (0 = unlimited)");
  if (s.max_inflight < 0) return bad("max-inflight", "must be >= 0 (0 = unlimited)");
  if (s.cores < 0) return bad("cores", "must be >= 0 (0 = unlimited)");
  if (s.queue_limit < 0) return bad("queue-limit", "must be >= 0 (0 = unlimited)");
  if (!(s.service.mean() > 0) || !std::isfinite(s.service.mean()))
    return bad("service-mean", "must be > 0 seconds");
  if (!finite_non_negative(s.service.scv())) return bad("service-scv", "must be >= 0");
  if (!finite_non_negative(s.overhead.mean())) return bad("overhead", "must be >= 0");
  if (!finite_non_negative(s.overhead_cpu)) return bad("overhead-cpu", "must be >= 0");
  if (!finite_non_negative(s.client_s)) return bad("client", "must be >= 0");
  if (!finite_non_negative(s.timeout_s)) return bad("timeout", "must be >= 0 (0 = none)");
  if (!finite_non_negative(s.queue_timeout_s))
    return bad("queue-timeout", "must be >= 0 (0 = none)");
  if (!finite_non_negative(s.cold_start.mean())) return bad("cold-start", "must be >= 0");
  if (s.initial_replicas > s.replicas) return bad("initial-replicas", "more than the replicas");
  const auto& a = s.autoscaling;
  if (a.enabled) {
    if (a.type != "rps" && a.type != "capacity")
      return bad("autoscale", "'" + a.type + "' (rps or capacity)");
    if (!(a.target > 0) || !(a.proportion > 0) || a.proportion > 1)
      return bad("scale-target", "target must be > 0 and proportion in (0, 1]");
    if (a.min_replicas < 0 || a.max_replicas < 1 || a.min_replicas > a.max_replicas)
      return bad("scale-min/scale-max", "need 0 <= min <= max, max >= 1");
    if (!finite_non_negative(a.down_window_s)) return bad("scale-down-window", "must be >= 0");
  }
  if (!finite_non_negative(a.zero_after_s)) return bad("scale-zero-after", "must be >= 0");
  return Ok{};
}

namespace {

Result<Prediction> simulate_prediction(const Workload& w, const System& s,
                                       const PredictOptions& o) {
  Prediction p;
  p.method = "des";
  std::vector<SummaryRow> rows;
  double timeouts = 0, rejected = 0, util = 0, queue = 0, service = 0;
  const int reps = std::max(1, o.replications);
  SimulationLimits limits;
  limits.measured_requests = std::max<std::uint64_t>(100, o.measured_requests);
  bool truncated = false;
  for (int r = 0; r < reps; ++r) {
    const auto res = simulate(w, s, Rng::derive(o.seed, static_cast<std::uint64_t>(r)), limits);
    rows.push_back(res.summary);
    const double n = std::max<double>(1, static_cast<double>(res.summary.count));
    timeouts += static_cast<double>(res.timeouts) / n;
    rejected += static_cast<double>(res.rejected) / n;
    util += res.utilization;
    queue += res.mean_queue;
    service += res.mean_in_service;
    p.events += res.events;
    truncated = truncated || res.truncated;
  }
  p.summary = summarise_repetitions(rows);
  p.summary.label = "*";
  p.replications = reps;
  p.timeout_rate = timeouts / reps;
  p.rejected_rate = rejected / reps;
  p.utilization = util / reps;
  p.mean_queue = queue / reps;
  p.mean_in_service = service / reps;
  p.exact = true;  // up to the confidence intervals
  if (truncated) {
    p.exact = false;
    p.notes.push_back("the simulation hit its event limit; figures cover what was simulated");
  }
  std::ostringstream m;
  m << reps << " replications, seed " << o.seed << "; ± are 95% confidence half-widths";
  p.notes.push_back(m.str());
  return p;
}

}  // namespace

Result<Prediction> predict(const Workload& w, const System& s, const PredictOptions& o) {
  if (auto st = check(w, s); !st) return st.error_value();
  const StationView v = station_view(s);
  // Open steady state: unstable systems have no answer but their growth rate.
  const bool sheds = s.max_inflight > 0 || (s.cancel_on_timeout && s.timeout_s > 0) ||
                     ((s.queue_limit > 0 || s.queue_timeout_s > 0) && s.routing == Routing::kFifo);
  if (!w.closed() && !w.finite() && w.rate >= v.capacity_rps && !sheds) {
    std::ostringstream m;
    m << "unstable: " << w.rate << " requests/s offered, capacity " << v.capacity_rps
      << " requests/s; the backlog grows by " << w.rate - v.capacity_rps
      << " requests/s (no steady state; give --duration to simulate the transient)";
    return make_error(m.str());
  }
  Method method = o.method;
  std::string why;
  if (method == Method::kAuto) method = formulas_exact(w, s, &why) ? Method::kMva : Method::kDes;
  if (method == Method::kDes) {
    auto p = simulate_prediction(w, s, o);
    if (!p) return p;
    if (!why.empty()) p->notes.insert(p->notes.begin(), "simulated: " + why);
    // The formulas beside it, where they apply, as a cross-check.
    if (!w.finite() && (w.closed() || w.arrival != "trace")) {
      if (auto a = analytic_predict(w, s, Method::kAuto)) {
        std::ostringstream m;
        m << "cross-check " << a->method << (a->exact ? " (exact means)" : " (approximate)")
          << ": throughput " << a->summary.throughput_rps << "/s, mean " << a->summary.mean_s
          << " s";
        p->notes.push_back(m.str());
        p->max_throughput = a->max_throughput;
        p->knee_users = a->knee_users;
      }
    } else {
      p->max_throughput = v.capacity_rps;
    }
    if (!w.closed() && w.rate >= v.capacity_rps) {
      p->stable = false;
      p->growth_rps = w.rate - v.capacity_rps;
      p->notes.push_back("overloaded: the offered rate exceeds the capacity of " +
                         std::to_string(v.capacity_rps) + " requests/s");
    }
    return p;
  }
  if (w.finite() && !w.closed() && w.arrival == "trace")
    return make_error("a trace can only be simulated (--method des or auto)");
  auto p = analytic_predict(w, s, method);
  if (!p) return p;
  if (w.finite()) p->notes.push_back("steady state of the formulas; the run's length is ignored");
  if (!why.empty() && o.method != Method::kAuto) p->notes.push_back("formulas not exact: " + why);
  return p;
}

nlohmann::json Prediction::to_json() const {
  nlohmann::json j = summary_to_json(summary);
  auto finite_or_null = [](double x) -> nlohmann::json {
    return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr);
  };
  j["timeout_rate"] = timeout_rate;
  j["rejected_rate"] = rejected_rate;
  j["utilization"] = utilization;
  j["mean_queue"] = mean_queue;
  j["mean_in_service"] = mean_in_service;
  j["stable"] = stable;
  if (!stable) j["growth_rps"] = growth_rps;
  j["method"] = method;
  j["exact"] = exact;
  j["percentiles_approximate"] = percentiles_approximate;
  j["max_throughput_rps"] = finite_or_null(max_throughput);
  j["knee_users"] = knee_users ? finite_or_null(*knee_users) : nlohmann::json(nullptr);
  if (replications > 0) {
    j["replications"] = replications;
    j["events"] = events;
  }
  j["notes"] = notes;
  return j;
}

}  // namespace faaslab::model
