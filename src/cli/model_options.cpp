#include "cli/model_options.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "common/units.h"

namespace faaslab::cli {
namespace {

Result<double> seconds(const std::string& flag, const std::string& text) {
  auto d = parse_duration(text);
  if (!d) return make_error(flag + ": " + d.error());
  return to_seconds(*d);
}

Result<std::vector<double>> read_trace(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error("--trace: cannot read " + path);
  std::vector<double> times;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    const auto hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    const auto comma = line.find(',');
    if (comma != std::string::npos) line.resize(comma);
    std::istringstream s(line);
    double t;
    if (!(s >> t)) {
      if (times.empty() && line.find_first_not_of(" \t\r") != std::string::npos)
        continue;  // header
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      return make_error("--trace: " + path + ":" + std::to_string(n) + ": not a number of seconds");
    }
    times.push_back(t);
  }
  if (times.empty()) return make_error("--trace: " + path + " has no send times");
  return times;
}

}  // namespace

void add_workload_flags(CLI::App& app, ModelOptions& o) {
  app.add_option("--users,-u", o.users, "closed workload: concurrent users");
  app.add_option("--think", o.think, "closed: mean think time before each request (e.g. 1s)");
  app.add_option("--think-dist", o.think_dist, "closed: constant, exponential or uniform");
  app.add_option("--ramp-up", o.ramp_up, "closed: spread of the users' starts (simulated)");
  app.add_option("--requests", o.requests,
                 "closed: requests per user, a finite run (simulated); default steady state");
  app.add_option("--rate", o.rate, "open workload: requests per second");
  app.add_option("--arrival", o.arrival, "open: poisson or constant");
  app.add_option("--trace", o.trace_file, "open: file of send times in seconds, one per line");
  app.add_option("--duration", o.duration, "open: a finite run of this length (simulated)");
  app.add_option("--warmup", o.warmup, "finite runs: leading requests left out of the summary");
}

void add_system_flags(CLI::App& app, ModelOptions& o) {
  app.add_option("--calibration", o.calibration, "calibration file from `faaslab model fit`");
  app.add_option("--mode", o.mode, "watchdog mode: classic or http (default http)");
  app.add_option("--codec", o.codec, "calibration group: payload codec");
  app.add_option("--frame", o.frame, "calibration group: frame size WxH");
  app.add_option("--service-mean", o.service_mean, "handler service time, mean (e.g. 2s)");
  app.add_option("--service-scv", o.service_scv,
                 "squared coefficient of variation of the service time (1 = exponential)");
  app.add_option("--overhead", o.overhead, "per-request time outside the server (e.g. 3.9s)");
  app.add_option("--overhead-cpu", o.overhead_cpu,
                 "share of the overhead that is work on the cores (0 = pure delay)");
  app.add_option("--client", o.client, "the client's own time between requests");
  app.add_option("--replicas,-r", o.replicas, "replicas of the function");
  app.add_option("--concurrency", o.concurrency,
                 "requests one replica serves at once (workers); 0 = unlimited. Default: http "
                 "the calibration's workers or 1, classic unlimited, fifo routing 1");
  app.add_option("--max-inflight", o.max_inflight, "per replica, 429 beyond; 0 = unlimited");
  app.add_option("--cores", o.cores,
                 "cores the replicas share; 0 = unlimited (default: the "
                 "calibration's, else unlimited)");
  app.add_option("--routing", o.routing, "random, round-robin, least-inflight or fifo");
  app.add_option("--core-scheduling", o.core_scheduling,
                 "simulator: per-core (a run queue per core, as Linux) or shared (one "
                 "processor-sharing pool)");
  app.add_option("--queue-limit", o.queue_limit, "gateway queue length, 429 beyond; 0 = unlimited");
  app.add_option("--queue-timeout", o.queue_timeout,
                 "the gateway answers 504 after a request waited this long in its queue");
  app.add_option("--timeout", o.timeout, "the client's timeout per request; 0 = none");
  app.add_flag("--cancel-on-timeout", o.cancel_on_timeout,
               "a timed-out request stops using the server (default: it keeps running)");
  app.add_option("--cold-start", o.cold_start, "replica start time (default: the calibration's)");
  app.add_option("--initial-replicas", o.initial_replicas,
                 "replicas ready at the start, the others start cold; 0 = scale from zero");
  app.add_option("--autoscale", o.autoscale, "the runtime's autoscaler: rps or capacity");
  app.add_option("--scale-min", o.scale_min, "autoscaler: minimum replicas");
  app.add_option("--scale-max", o.scale_max, "autoscaler: maximum replicas");
  app.add_option("--scale-target", o.scale_target, "autoscaler: target load per replica");
  app.add_option("--scale-proportion", o.scale_proportion, "autoscaler: target proportion");
  app.add_option("--scale-down-window", o.scale_down_window, "autoscaler: scale-down window");
  app.add_option("--scale-zero-after", o.scale_zero_after,
                 "scale to zero after this long without a request; 0 = never");
}

void add_method_flags(CLI::App& app, ModelOptions& o) {
  app.add_option("--method", o.method, "auto, mva, erlang or des");
  app.add_option("--replications", o.replications,
                 "simulator: replications (confidence intervals)");
  app.add_option("--seed", o.seed, "simulator: random seed");
  app.add_option("--measured", o.measured, "simulator, steady state: requests per replication");
}

namespace {

Status apply_group(model::System& s, const model::GroupCalibration& g, int cores) {
  s.service = g.handler;
  s.overhead = g.overhead;
  s.overhead_cpu = g.overhead_cpu;
  s.client_s = g.client_s;
  s.cores = cores;
  if (g.cold_start) s.cold_start = *g.cold_start;
  return Ok{};
}

}  // namespace

Result<model::System> build_system(const ModelOptions& o, const BuiltModel& base, model::Mode mode,
                                   int replicas) {
  model::System s = base.system;
  s.mode = mode;
  s.replicas = replicas;
  const model::GroupCalibration* g = nullptr;
  if (base.calibration) {
    int fw = 0, fh = 0;
    if (!o.frame.empty()) std::sscanf(o.frame.c_str(), "%dx%d", &fw, &fh);
    g = base.calibration->find(model::to_string(mode), o.codec, fw, fh);
    if (!g)
      return make_error("--calibration: no calibration for mode " + model::to_string(mode) +
                        " in " + o.calibration);
    if (auto st = apply_group(s, *g, base.calibration->cores); !st) return st.error_value();
    if (o.given("--cores")) s.cores = o.cores;
    if (o.given("--service-mean") || o.given("--service-scv")) s.service = base.system.service;
    if (o.given("--overhead")) s.overhead = base.system.overhead;
    if (o.given("--overhead-cpu")) s.overhead_cpu = o.overhead_cpu;
    if (o.given("--client")) s.client_s = base.system.client_s;
    if (o.given("--cold-start")) s.cold_start = base.system.cold_start;
  }
  if (o.given("--concurrency")) {
    s.concurrency = o.concurrency;
  } else if (s.routing == model::Routing::kFifo) {
    s.concurrency = 1;  // the gateway's com.faaslab.concurrency
  } else if (mode == model::Mode::kClassic) {
    s.concurrency = 0;  // a process per request
  } else {
    const int workers = g && g->workers > 0 ? g->workers : (g ? s.cores : 1);
    s.concurrency = std::max(1, workers);
  }
  return s;
}

Result<BuiltModel> build(const ModelOptions& o) {
  BuiltModel b;
  auto& w = b.workload;
  auto& s = b.system;
  // Workload.
  const bool open = o.rate != 0 || !o.trace_file.empty() || o.given("--rate");
  if (o.users > 0 && open)
    return make_error("--users and --rate/--trace: a workload is closed or open, not both");
  if (o.users == 0 && !open)
    return make_error("give --users (closed workload) or --rate/--trace (open)");
  if (o.given("--users") && o.users == 0) return make_error("--users: must be >= 1");
  w.users = o.users;
  auto think = seconds("--think", o.think);
  if (!think) return think.error_value();
  w.think_s = *think;
  w.think_dist = o.think_dist;
  auto ramp = seconds("--ramp-up", o.ramp_up);
  if (!ramp) return ramp.error_value();
  w.ramp_up_s = *ramp;
  w.requests_per_user = o.requests;
  w.warmup_requests = o.warmup;
  w.rate = o.rate;
  if (open && o.trace_file.empty() && !(o.rate > 0))
    return make_error("--rate: must be > 0 requests/s");
  w.arrival = o.arrival;
  if (!o.trace_file.empty()) {
    auto t = read_trace(o.trace_file);
    if (!t) return t.error_value();
    w.trace = std::move(*t);
    w.arrival = "trace";
    w.rate = 0;
  }
  auto duration = seconds("--duration", o.duration);
  if (!duration) return duration.error_value();
  w.duration_s = *duration;

  // System: the calibration's group, then the flags.
  auto mode = model::parse_mode(o.mode.empty() ? "http" : o.mode);
  if (!mode) return make_error("--mode: " + mode.error());
  auto routing = model::parse_routing(o.routing);
  if (!routing) return make_error("--routing: " + routing.error());
  s.mode = *mode;
  s.routing = *routing;
  auto scheduling = model::parse_core_scheduling(o.core_scheduling);
  if (!scheduling) return make_error("--core-scheduling: " + scheduling.error());
  s.core_scheduling = *scheduling;
  s.replicas = o.replicas;
  if (o.replicas < 1) return make_error("--replicas: must be >= 1");
  if (o.given("--concurrency") && o.concurrency < 0)
    return make_error("--concurrency: must be >= 0 (0 = unlimited)");
  if (o.given("--cores") && o.cores < 0) return make_error("--cores: must be >= 0 (0 = unlimited)");
  s.max_inflight = o.max_inflight;
  if (o.max_inflight < 0) return make_error("--max-inflight: must be >= 0");
  s.queue_limit = o.queue_limit;
  if (o.queue_limit < 0) return make_error("--queue-limit: must be >= 0");
  s.cores = o.cores >= 0 ? o.cores : 0;
  s.service = model::Distribution();  // none yet
  if (!o.service_mean.empty()) {
    auto m = seconds("--service-mean", o.service_mean);
    if (!m) return m.error_value();
    if (!(*m > 0)) return make_error("--service-mean: must be > 0");
    if (!(o.service_scv >= 0)) return make_error("--service-scv: must be >= 0");
    s.service = model::Distribution::two_moment(*m, o.service_scv);
  } else if (o.given("--service-scv")) {
    return make_error("--service-scv needs --service-mean");
  }
  if (!o.overhead.empty()) {
    auto v = seconds("--overhead", o.overhead);
    if (!v) return v.error_value();
    s.overhead = model::Distribution::constant(*v);
  }
  if (!(o.overhead_cpu >= 0)) return make_error("--overhead-cpu: must be >= 0");
  s.overhead_cpu = o.overhead_cpu;
  if (!o.client.empty()) {
    auto v = seconds("--client", o.client);
    if (!v) return v.error_value();
    s.client_s = *v;
  }
  auto timeout = seconds("--timeout", o.timeout);
  if (!timeout) return timeout.error_value();
  s.timeout_s = *timeout;
  s.cancel_on_timeout = o.cancel_on_timeout;
  auto qt = seconds("--queue-timeout", o.queue_timeout);
  if (!qt) return qt.error_value();
  s.queue_timeout_s = *qt;
  if (!o.cold_start.empty()) {
    auto v = seconds("--cold-start", o.cold_start);
    if (!v) return v.error_value();
    s.cold_start = model::Distribution::constant(*v);
  }
  s.initial_replicas = o.initial_replicas;
  if (!o.autoscale.empty()) {
    auto& a = s.autoscaling;
    a.enabled = true;
    a.type = o.autoscale;
    a.min_replicas = o.scale_min;
    a.max_replicas = o.scale_max;
    a.target = o.scale_target;
    a.proportion = o.scale_proportion;
    auto window = seconds("--scale-down-window", o.scale_down_window);
    if (!window) return window.error_value();
    a.down_window_s = *window;
  }
  auto zero = seconds("--scale-zero-after", o.scale_zero_after);
  if (!zero) return zero.error_value();
  s.autoscaling.zero_after_s = *zero;

  if (!o.calibration.empty()) {
    auto cal = model::Calibration::load(o.calibration);
    if (!cal) return make_error("--calibration: " + cal.error());
    b.calibration = std::move(*cal);
  } else if (o.service_mean.empty()) {
    return make_error("give --service-mean (and --service-scv) or --calibration FILE");
  }
  auto built = build_system(o, b, s.mode, s.replicas);
  if (!built) return built.error_value();
  s = *built;
  if (b.calibration) {
    int fw = 0, fh = 0;
    if (!o.frame.empty() && std::sscanf(o.frame.c_str(), "%dx%d", &fw, &fh) != 2)
      return make_error("--frame: expected WxH, e.g. 1308x888");
    b.group = b.calibration->find(model::to_string(s.mode), o.codec, fw, fh);
  }

  auto method = model::parse_method(o.method);
  if (!method) return make_error("--method: " + method.error());
  b.predict.method = *method;
  if (o.replications < 1) return make_error("--replications: must be >= 1");
  b.predict.replications = o.replications;
  b.predict.seed = o.seed;
  b.predict.measured_requests = o.measured;
  return b;
}

}  // namespace faaslab::cli
