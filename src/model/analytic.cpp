#include "model/analytic.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <sstream>

#include "model/closed_network.h"
#include "model/open_queue.h"

namespace faaslab::model {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int kGrid = 64;                    // quadrature points over the service distribution
constexpr std::uint64_t kLdMvaLimit = 2000;  // exact load-dependent MVA up to this many users

// Regularised upper incomplete gamma Q(a, x) (Numerical Recipes §6.2: series below a + 1,
// Lentz's continued fraction above). P(Erlang(n, r) > t) = Q(n, r t).
double gamma_q(double a, double x) {
  if (x <= 0) return 1.0;
  const double log_front = a * std::log(x) - x - std::lgamma(a);
  if (x < a + 1) {
    double term = 1.0 / a, sum = term, ap = a;
    for (int i = 0; i < 10000; ++i) {
      ap += 1;
      term *= x / ap;
      sum += term;
      if (std::abs(term) < std::abs(sum) * 1e-15) break;
    }
    return std::clamp(1.0 - sum * std::exp(log_front), 0.0, 1.0);
  }
  const double tiny = 1e-300;
  double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
  for (int i = 1; i < 10000; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::abs(c) < tiny) c = tiny;
    d = 1 / d;
    const double delta = d * c;
    h *= delta;
    if (std::abs(delta - 1) < 1e-15) break;
  }
  return std::clamp(std::exp(log_front) * h, 0.0, 1.0);
}

// Fills the summary's percentiles, stddev, min and max from a survival function of the
// response time and its mean.
void fill_from_tail(SummaryRow& s, double mean, double low,
                    const std::function<double(double)>& survival) {
  s.mean_s = mean;
  auto q = [&](double p) {
    double lo = low, hi = std::max(mean, low) * 2 + 1e-9;
    for (int i = 0; i < 200 && survival(hi) > 1 - p; ++i) hi *= 2;
    for (int i = 0; i < 80; ++i) {
      const double mid = 0.5 * (lo + hi);
      (survival(mid) > 1 - p ? lo : hi) = mid;
    }
    return hi;
  };
  s.min_s = low;
  s.p50_s = q(0.50);
  s.p90_s = q(0.90);
  s.p95_s = q(0.95);
  s.p99_s = q(0.99);
  s.p999_s = q(0.999);
  s.max_s = q(0.9999);
  // E[R²] = ∫ 2t P(R > t) dt, by the trapezoid rule up to where the tail vanishes.
  const double top = std::max(q(0.999999), low + 1e-12);
  const int n = 2000;
  double m2 = 0;
  for (int i = 0; i <= n; ++i) {
    const double t = top * i / n;
    const double f = 2 * t * survival(t);
    m2 += (i == 0 || i == n ? 0.5 : 1.0) * f;
  }
  m2 *= top / n;
  s.stddev_s = std::sqrt(std::max(0.0, m2 - mean * mean));
}

int servers_of(int concurrency_total, int cores) {
  if (concurrency_total <= 0) return cores > 0 ? cores : 0;
  if (cores <= 0) return concurrency_total;
  return std::min(concurrency_total, cores);
}

}  // namespace

StationView station_view(const System& s) {
  StationView v;
  const double cpu = std::min(1.0, std::max(0.0, s.overhead_cpu));
  v.demand = s.service.mean() + cpu * s.overhead.mean();
  v.delay = (1 - cpu) * s.overhead.mean();
  const int c = s.replicas, w = s.concurrency, cores = s.cores;
  const bool unlimited_slots = w <= 0;
  const int slots = unlimited_slots ? 0 : c * w;
  std::ostringstream why;
  if (s.overhead_cpu > 1 && cores > 0) {
    // Background work: it takes cores from the requests; counted into the demand.
    v.demand += (s.overhead_cpu - 1) * s.overhead.mean();
    why << "work beyond the request's path (overhead_cpu > 1) counted as the request's own; ";
  }
  if (cpu > 0 && cores > 0 && !unlimited_slots && s.overhead.mean() > 0) {
    why << "overhead work that holds no slot is merged into the slot-holding service; ";
  }
  const bool single_equivalent =
      s.routing == Routing::kFifo || unlimited_slots || c == 1 || (cores > 0 && w >= cores);
  if (single_equivalent || s.routing == Routing::kLeastInflight) {
    if (!single_equivalent) why << "least-inflight routing taken as a central queue; ";
    v.single = true;
    v.servers = servers_of(slots, cores);
    v.processor_sharing = unlimited_slots;
    v.capacity_rps = v.servers > 0 ? v.servers / v.demand : kInf;
  } else {
    // Random (or round-robin, approximated as random) routing over per-replica queues.
    if (s.routing == Routing::kRoundRobin) why << "round-robin routing taken as random; ";
    v.single = false;
    v.replicas = c;
    v.per_replica = w;
    v.per_replica_demand = v.demand;
    if (cores > 0 && cores < slots) {
      // Cores bind but one replica cannot fill them: each replica gets its share.
      v.per_replica_demand = v.demand * static_cast<double>(slots) / cores;
      why << "cores shared between replicas as a fixed share each; ";
    }
    v.capacity_rps = c * w / v.per_replica_demand;
  }
  v.approximation = why.str();
  if (!v.approximation.empty()) v.approximation.resize(v.approximation.size() - 2);
  v.exact_means = v.approximation.empty();
  if (v.demand <= 0) v.capacity_rps = kInf;
  return v;
}

namespace {

struct Tail {
  // P(R > t) given the number an arrival finds at its station (arrival theorem), FCFS with
  // `servers` of per-visit service time `service`; own service from the distribution.
  std::vector<double> found;  // P(j found), j = 0..
  int servers = 1;
  double visit_service = 0;
  double delay = 0;
  std::vector<double> own;  // service-time grid
  double operator()(double t) const {
    double total = 0;
    const double rate = servers > 0 ? servers / visit_service : kInf;
    for (std::size_t j = 0; j < found.size(); ++j) {
      const double pj = found[j];
      if (pj < 1e-14) continue;
      const double ahead = servers > 0 ? static_cast<double>(j) - servers + 1 : 0;
      double mean_over_s = 0;
      for (double s : own) {
        const double x = t - delay - s;
        if (x < 0) {
          mean_over_s += 1;
        } else if (ahead > 0) {
          mean_over_s += gamma_q(ahead, rate * x);
        }
      }
      total += pj * mean_over_s / static_cast<double>(own.size());
    }
    return std::clamp(total, 0.0, 1.0);
  }
};

// The station's own service time per visit, at full speed.
Distribution visit_service(const System& s, double demand) {
  if (s.service.mean() <= 0) return Distribution::constant(demand);
  return s.service.scaled(demand / s.service.mean());
}

Result<Prediction> closed_predict(const Workload& w, const System& s, Method method) {
  Prediction p;
  const StationView v = station_view(s);
  const double think = w.think_s + s.client_s + v.delay;
  const std::uint64_t n = w.users;
  ClosedResult r;
  Tail tail;
  tail.delay = v.delay;
  std::vector<Station> stations;
  if (v.single) {
    const Station st{v.demand, v.servers};
    stations.push_back(st);
    r = repairman(n, think, st);
    p.method = "repairman";
    tail.servers = v.servers;
    tail.visit_service = v.demand;
  } else {
    const double d = v.per_replica_demand / v.replicas;  // visit ratio 1/c
    stations.assign(static_cast<std::size_t>(v.replicas), Station{d, v.per_replica});
    if (v.per_replica == 1) {
      r = mva_exact(n, think, std::vector<double>(stations.size(), d));
      p.method = "mva";
      if (n <= kLdMvaLimit) {
        // The arrival distribution at one replica for the tails.
        r.arrival_distribution =
            mva_load_dependent(n, think, std::vector<Station>{stations.size(), Station{d, 1}})
                .arrival_distribution;
      }
    } else if (n <= kLdMvaLimit) {
      r = mva_load_dependent(n, think, stations);
      p.method = "mva-ld";
    } else {
      r = schweitzer(n, think, stations);
      p.method = "schweitzer";
      p.notes.push_back("Schweitzer-Bard approximate MVA for " + std::to_string(n) + " users");
    }
    tail.servers = v.per_replica;
    tail.visit_service = v.per_replica_demand;
  }
  (void)method;
  const Bounds b = asymptotic_bounds(think, stations);
  p.max_throughput = b.max_throughput;
  p.knee_users = b.knee_users;
  p.summary.throughput_rps = r.throughput;
  p.summary.success_rate = 1;
  const double response = r.response + v.delay;
  tail.own = visit_service(s, tail.visit_service).grid(kGrid);
  if (r.arrival_distribution.empty()) {
    // Large populations without marginals: the queue an arrival finds is about the mean one.
    const double q = v.single ? r.station_queue[0] : r.station_queue[0];
    tail.found.assign(static_cast<std::size_t>(std::max(0.0, std::round(q * (n - 1.0) / n))) + 1,
                      0.0);
    tail.found.back() = 1.0;
    p.percentiles_approximate = true;
  } else {
    tail.found = r.arrival_distribution;
  }
  fill_from_tail(p.summary, response, v.delay + visit_service(s, tail.visit_service).quantile(0),
                 tail);
  double queue = 0;
  for (double qk : r.station_queue) queue += qk;
  const double busy = r.throughput * v.demand;  // servers (or cores) busy on average
  const int capacity = v.single ? v.servers : v.replicas * v.per_replica;
  p.utilization =
      capacity > 0 ? std::min(1.0, busy / std::min(capacity, s.cores > 0 ? s.cores : capacity)) : 0;
  p.mean_in_service = busy;
  p.mean_queue = std::max(0.0, queue - busy);
  p.exact = v.exact_means && p.method != "schweitzer" &&
            (s.service.is_exponential() || v.processor_sharing || v.servers == 0);
  if (!v.exact_means) p.notes.push_back("approximate: " + v.approximation);
  if (v.processor_sharing || !s.service.is_exponential() || !s.overhead.is_constant() ||
      !v.exact_means) {
    p.percentiles_approximate = true;
  }
  if (w.requests_per_user > 0 || w.ramp_up_s > 0)
    p.notes.push_back("steady state: ramp-up and the run's length are not modelled by formulas");
  return p;
}

Result<Prediction> open_predict(const Workload& w, const System& s, Method /*method*/) {
  Prediction p;
  const StationView v = station_view(s);
  const double lambda = w.rate;
  const double ca2 = w.arrival == "constant" ? 0.0 : 1.0;
  const double cs2 = s.service.scv();
  p.max_throughput = v.capacity_rps;
  p.summary.throughput_rps = lambda;
  p.summary.success_rate = 1;
  double pw = 0, mean_wait = 0;  // waiting: P(W > 0) and E[W]
  double served = lambda;        // of the requests that got a server
  double unserved_share = 0;     // rejected or abandoned: no service time
  bool exact = v.exact_means;
  const bool no_wait = v.single && v.servers == 0;
  if (no_wait) {
    p.method = "infinite-server";
  } else if (s.max_inflight > 0) {
    // Per replica a finite queue of max_inflight; exact for exponential or processor sharing.
    const int c = v.single ? 1 : v.replicas;
    const double lam = v.single ? lambda : lambda / c;
    const int per = v.single ? v.servers : std::max(1, v.per_replica);
    const int k = v.single ? s.max_inflight * s.replicas : s.max_inflight;
    const int servers = std::max(1, std::min(per, k));
    const double svc = v.single ? v.demand : v.per_replica_demand;
    const FiniteResult f = mmck(lam, svc, servers, k);
    p.method = servers == 1 && k >= 1 ? "mm1k" : "mmck";
    p.rejected_rate = f.blocking;
    unserved_share = f.blocking;
    served = lambda * (1 - f.blocking);
    mean_wait = f.throughput > 0 ? f.mean_queue / f.throughput * (1 - f.blocking) : 0;
    pw = 1 - [&] {
      double free = 0;
      for (int j = 0; j < servers; ++j) free += f.distribution[static_cast<std::size_t>(j)];
      return free / std::max(1e-300, 1 - f.blocking);
    }();
    p.summary.success_rate = 1 - f.blocking;
    p.utilization = f.throughput * svc / servers;
    p.mean_queue = f.mean_queue * c;
    if (!s.service.is_exponential() && !v.processor_sharing) exact = false;
    if (!v.single && s.routing == Routing::kFifo) exact = false;
  } else {
    if (lambda >= v.capacity_rps && !(s.queue_timeout_s > 0 && v.single)) {
      std::ostringstream m;
      m << "unstable: " << lambda << " requests/s offered, capacity " << v.capacity_rps
        << " requests/s; the backlog grows by " << lambda - v.capacity_rps
        << " requests/s (no steady state; give a duration to simulate the transient)";
      return make_error(m.str());
    }
    const int c = v.single ? 1 : v.replicas;
    const double lam = v.single ? lambda : lambda / c;
    const int servers = v.single ? v.servers : v.per_replica;
    const double svc = v.single ? v.demand : v.per_replica_demand;
    if (s.queue_timeout_s > 0 && v.single) {
      // Requests leave the gateway's queue at its timeout: M/M/c+D.
      const AbandonResult a = mmc_deterministic_patience(lam, svc, servers, s.queue_timeout_s);
      p.method = "mmc+d";
      pw = a.wait_probability;
      mean_wait = a.mean_wait;
      p.timeout_rate = a.abandon_probability;
      unserved_share = a.abandon_probability;
      served = lambda * (1 - a.abandon_probability);
      p.summary.success_rate = 1 - a.abandon_probability;
      p.mean_queue = a.mean_queue * c;
      if (!s.service.is_exponential() && !v.processor_sharing) exact = false;
    } else {
      const MmcResult m = mmc(lam, svc, servers);
      pw = m.wait_probability;
      const bool exponential = s.service.is_exponential() || v.processor_sharing;
      if (exponential && ca2 == 1.0) {
        p.method = "erlang-c";
        mean_wait = m.mean_wait;
      } else if (servers == 1 && ca2 == 1.0) {
        p.method = "mg1";
        mean_wait = mg1_wait(lam, svc, cs2);
      } else {
        p.method = "allen-cunneen";
        mean_wait = allen_cunneen_wait(lam, svc, servers, ca2, exponential ? 1.0 : cs2);
        exact = false;
      }
      p.mean_queue = lam * mean_wait * c;
    }
    p.utilization =
        std::min(1.0, served * v.demand /
                          (v.single ? std::max(1, v.servers) : c * std::max(1, v.per_replica)));
    if (!v.single && s.cores > 0 && s.cores < s.replicas * s.concurrency)
      p.utilization = std::min(1.0, served * v.demand / s.cores);
  }
  const double svc = v.single ? v.demand : v.per_replica_demand;
  const Distribution own = visit_service(s, svc);
  const std::vector<double> g = own.grid(kGrid);
  const double delay = v.delay;
  const double cond_wait = pw > 0 ? mean_wait / pw : 0;
  auto survival = [&](double t) {
    double total = 0;
    for (double x : g) {
      const double r = t - delay - x;
      if (r < 0)
        total += 1;
      else if (pw > 0 && cond_wait > 0)
        total += pw * std::exp(-r / cond_wait);
    }
    return total / static_cast<double>(g.size());
  };
  // Means over every request: the unserved ones have no service time (and no wait if
  // rejected; their wait is in mean_wait when they abandoned).
  fill_from_tail(p.summary, delay + mean_wait + (1 - unserved_share) * svc, delay + own.quantile(0),
                 survival);
  p.mean_in_service = served * svc;
  p.exact = exact && p.method != "allen-cunneen";
  // The M/M/c waiting time is exponential given a wait; with other service times it is not.
  p.percentiles_approximate =
      !(p.method == "erlang-c" && s.service.is_exponential() && s.overhead.is_constant()) &&
      p.method != "infinite-server";
  if (!v.exact_means) p.notes.push_back("approximate: " + v.approximation);
  return p;
}

}  // namespace

Result<Prediction> analytic_predict(const Workload& w, const System& s, Method method) {
  auto p = w.closed() ? closed_predict(w, s, method) : open_predict(w, s, method);
  if (!p) return p;
  if (s.timeout_s > 0 && p->timeout_rate == 0) {
    // The formulas do not model the timeout; what share of responses would pass it.
    const double mean = p->summary.mean_s;
    double share = 0;
    if (p->summary.p999_s > s.timeout_s) share = 0.001;
    if (p->summary.p99_s > s.timeout_s) share = 0.01;
    if (p->summary.p95_s > s.timeout_s) share = 0.05;
    if (p->summary.p50_s > s.timeout_s) share = 0.5;
    if (share > 0) {
      p->notes.push_back("timeouts not modelled by the formulas: at least " +
                         std::to_string(share * 100).substr(0, 4) + "% of responses exceed " +
                         std::to_string(s.timeout_s) + " s (mean " + std::to_string(mean) + " s)");
      p->exact = false;
    }
  }
  return p;
}

bool formulas_exact(const Workload& w, const System& s, std::string* why) {
  auto say = [&](const std::string& text) {
    if (why) *why = text;
    return false;
  };
  if (w.finite()) return say("a finite run (ramp-up, requests per user, duration, warm-up)");
  if (!w.closed() && w.arrival != "poisson") return say(w.arrival + " arrivals");
  if (s.initial_replicas >= 0 && s.initial_replicas != s.replicas) return say("cold starts");
  if (s.autoscaling.enabled || s.autoscaling.zero_after_s > 0) return say("autoscaling");
  const StationView v = station_view(s);
  if (!v.exact_means) return say(v.approximation);
  if (s.max_inflight > 0 && w.closed()) return say("max_inflight in a closed loop");
  if (!w.closed() && w.rate >= v.capacity_rps && !(s.queue_timeout_s > 0 && v.single))
    return say("an overloaded system that sheds load");
  if (w.closed() && s.queue_timeout_s > 0) return say("a queue timeout in a closed loop");
  if (!v.single && s.queue_timeout_s > 0) return say("a queue timeout without a central queue");
  if (!s.overhead.is_constant()) return say("a variable overhead (percentiles)");
  const bool waits = !(v.single && v.servers == 0);
  if (waits && !s.service.is_exponential())
    return say("a non-exponential service time (percentiles)");
  if (waits && v.processor_sharing) return say("processor sharing (percentiles)");
  if (s.timeout_s > 0) {
    auto p = analytic_predict(w, s, Method::kAuto);
    if (!p || !p->exact) return say("timeouts");
  }
  return true;
}

}  // namespace faaslab::model
