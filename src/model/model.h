// The performance model of a function behind a gateway: what response time, throughput and
// success rate a workload gets from a deployment, predicted instead of measured.
//
//   Workload  who sends requests: closed (users thinking between requests) or open (a rate).
//   System    what serves them: replicas, per-replica concurrency, cores, watchdog mode,
//             routing, timeouts, cold starts and autoscaling, and the request's own times.
//   predict() picks a method (exact or approximate formulas, or the discrete-event simulator)
//             and returns a Prediction in the summary schema measurements use.
//
// Calibration from measurements is model/calibration.h, validation against a campaign
// model/validate.h, capacity planning model/plan.h. Everything here is a value type or a pure
// function: safe to call from several threads at once. Methods and formulas: docs/model.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "common/summary.h"
#include "model/distribution.h"
#include "runtime/scaling.h"
#include "runtime/watchdog_config.h"

namespace faaslab::model {

// The watchdog's modes: classic, a new process per request; http, one warm process serving
// `concurrency` at once; fork, a child of a loaded template per request (the service is fork +
// handler, the cold start is the template's start).
using Mode = runtime::WatchdogMode;
// A process per request (classic, fork): as many at once as arrive, each killed at
// exec_timeout.
inline bool process_per_request(Mode m) {
  return m != Mode::kHttp;
}
// The gateway's routing policies: the model predicts the runtime's own.
using Routing = runtime::Routing;
enum class Method { kAuto, kMva, kErlang, kDes };
// kShared: one processor-sharing pool; with k pieces of work each progresses at min(1, C/k).
// kPerCore: a run queue per core, as Linux keeps them: new work goes to the core with the fewest
// pieces, a core shares its time among its own, and when a departure leaves two cores two or more
// pieces apart one piece moves (idle balancing). Both keep every core busy while work waits, so
// with exponential work the number in the system evolves the same; what differs is who finishes
// first — with little variance in work, shared cores keep requests that start together in
// step (they finish together, think together, start together), per-core queues break the step.
enum class CoreScheduling { kShared, kPerCore };

Result<Mode> parse_mode(const std::string& text);
Result<Routing> parse_routing(const std::string& text);
Result<Method> parse_method(const std::string& text);
Result<CoreScheduling> parse_core_scheduling(const std::string& text);
std::string to_string(Mode m);
std::string to_string(Routing r);

struct Workload {
  // Closed when users > 0: each user thinks, sends, waits for the answer (or its timeout).
  std::uint64_t users = 0;
  double think_s = 0;
  std::string think_dist = "exponential";  // constant | exponential | uniform (on [0, 2Z])
  double ramp_up_s = 0;                    // user i starts at i × ramp_up / users
  std::uint64_t requests_per_user = 0;     // 0 = steady state
  // Open when rate > 0 or a trace is given.
  double rate = 0;                  // requests per second
  std::string arrival = "poisson";  // poisson | constant | trace
  std::vector<double> trace;        // send times, seconds from the start, non-decreasing
  // A finite run of this length (0 = steady state). Open: arrivals stop at it. Closed (with
  // requests_per_user 0): a user sends no request whose send time (its think's end) would be at
  // or past it, as `faaslab load --duration` ends its users; requests in flight finish.
  double duration_s = 0;
  std::uint64_t warmup_requests = 0;  // finite runs: leading requests left out of the summary

  bool closed() const { return users > 0; }
  bool finite() const {
    return closed() ? requests_per_user > 0 || duration_s > 0 : duration_s > 0 || !trace.empty();
  }
};

struct Autoscaling {
  bool enabled = false;
  std::string type = "rps";  // rps (requests/s over 10 s) | capacity (in flight + queued)
  double target = 50, proportion = 0.9;
  int min_replicas = 1, max_replicas = 20;
  double down_window_s = 30;
  double zero_after_s = 0;  // > 0: scale to zero after this long without a request
};

// How long the machine must have had nothing in flight for a request to count as arriving
// after an idle gap (System::idle_penalty_s; the calibration classifies requests by it too).
inline constexpr double kIdleGapSeconds = 0.005;

struct System {
  Mode mode = Mode::kHttp;
  int replicas = 1;
  // Requests one replica serves at once; 0 = unlimited (a process per request: classic, fork).
  int concurrency = 1;
  int max_inflight = 0;  // per replica, over it 429 at once; 0 = unlimited
  int cores = 0;         // cores shared by every replica; 0 = unlimited
  // How the cores share work among the pieces running (the simulator's; formulas assume kShared).
  CoreScheduling core_scheduling = CoreScheduling::kPerCore;
  Routing routing = Routing::kRandom;
  int queue_limit = 0;  // the gateway's queue (fifo, no ready replica): 429 beyond; 0 = unlimited
  // The gateway answers 504 to a request that waited in its queue this long (its
  // upstream_timeout): patience in the queue, M/M/c+D. 0 = none.
  double queue_timeout_s = 0;
  // Work of the function's handler per request, core-seconds (one core at a time).
  Distribution service = Distribution::exponential(1.0);
  // Time per request outside the handler at light load (transfer, gateway, watchdog, process
  // start in classic mode) and the share of it that is work on the machine's cores
  // (0 = pure delay; above 1: work beyond the request's own path, e.g. the client's).
  Distribution overhead = Distribution::constant(0);
  double overhead_cpu = 0;
  double client_s = 0;  // the client's own time between a response and its next think
  // Extra handler work of a request that finds the machine idle — nothing in flight for at
  // least idle_gap_s — as a request after a think time does: its cores and caches are cold
  // (on these VMs ~1-5 ms more than back to back; docs/model.md, "Calibration"). 0 = none.
  double idle_penalty_s = 0;
  double idle_gap_s = kIdleGapSeconds;
  double timeout_s = 0;            // the client's timeout per request; 0 = none
  bool cancel_on_timeout = false;  // a timed-out request stops using the server
  // Replica start (cold start) time, and how many replicas are ready at the start (-1 = all).
  Distribution cold_start = Distribution::constant(0);
  int initial_replicas = -1;
  Autoscaling autoscaling;
};

// Checks a workload and system for values no method accepts (negative or zero rates, c = 0,
// ...). The message names the field.
Status check(const Workload& w, const System& s);

struct PredictOptions {
  Method method = Method::kAuto;
  std::uint64_t seed = 1;
  int replications = 5;                     // simulator
  std::uint64_t measured_requests = 20000;  // simulator, steady state, per replication
};

struct Prediction {
  // The summary schema (count … max_s; CIs over replications for the simulator).
  SummaryRow summary;
  double timeout_rate = 0, rejected_rate = 0;  // of requests issued: timeouts and 429s
  double utilization = 0;      // busy share of the serving capacity (cores, or servers if fewer)
  double mean_queue = 0;       // requests waiting for a server
  double mean_in_service = 0;  // requests being served
  bool stable = true;
  double growth_rps = 0;  // unstable open systems: how fast the backlog grows
  std::string method;     // e.g. "repairman", "mva", "mva-ld", "schweitzer", "erlang-c", "des"
  bool exact = false;     // the method is exact for this input (up to simulation noise)
  bool percentiles_approximate = false;
  std::vector<std::string> notes;
  // Asymptotic bounds (closed) or capacity (open).
  double max_throughput = 0;
  std::optional<double> knee_users;
  std::uint64_t events = 0;  // simulator events processed
  int replications = 0;

  // Flat: the summary's fields, utilisation, method and the rest (docs/model.md).
  nlohmann::json to_json() const;
};

// An unstable open system asked for its steady state is an error naming its growth rate
// (use a finite duration to simulate the transient instead).
Result<Prediction> predict(const Workload& w, const System& s, const PredictOptions& o = {});

}  // namespace faaslab::model
