#include "cli/model_options.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <span>
#include <sstream>
#include <variant>

#include "common/units.h"

namespace faaslab::cli {
namespace {

// A flag: its names, the member of ModelOptions it sets, its help. Registered in this order,
// which is the order of `--help`.
struct Flag {
  template <class T>
  using Member = T ModelOptions::*;
  const char* names;
  std::variant<Member<std::string>, Member<double>, Member<int>, Member<std::uint64_t>,
               Member<bool>>
      member;
  const char* help;
};

const Flag kWorkloadFlags[] = {
    {"--users,-u", &ModelOptions::users, "closed workload: concurrent users"},
    {"--think", &ModelOptions::think, "closed: mean think time before each request (e.g. 1s)"},
    {"--think-dist", &ModelOptions::think_dist, "closed: constant, exponential or uniform"},
    {"--ramp-up", &ModelOptions::ramp_up, "closed: spread of the users' starts (simulated)"},
    {"--requests", &ModelOptions::requests,
     "closed: requests per user, a finite run (simulated); default steady state"},
    {"--rate", &ModelOptions::rate, "open workload: requests per second"},
    {"--arrival", &ModelOptions::arrival, "open: poisson or constant"},
    {"--trace", &ModelOptions::trace_file, "open: file of send times in seconds, one per line"},
    {"--duration", &ModelOptions::duration, "open: a finite run of this length (simulated)"},
    {"--warmup", &ModelOptions::warmup, "finite runs: leading requests left out of the summary"},
};

const Flag kSystemFlags[] = {
    {"--calibration", &ModelOptions::calibration, "calibration file from `faaslab model fit`"},
    {"--mode", &ModelOptions::mode, "watchdog mode: classic, http or fork (default http)"},
    {"--codec", &ModelOptions::codec, "calibration group: payload codec"},
    {"--frame", &ModelOptions::frame, "calibration group: frame size WxH"},
    {"--service-mean", &ModelOptions::service_mean, "handler service time, mean (e.g. 2s)"},
    {"--service-scv", &ModelOptions::service_scv,
     "squared coefficient of variation of the service time (1 = exponential)"},
    {"--overhead", &ModelOptions::overhead, "per-request time outside the server (e.g. 3.9s)"},
    {"--overhead-cpu", &ModelOptions::overhead_cpu,
     "share of the overhead that is work on the cores (0 = pure delay)"},
    {"--client", &ModelOptions::client, "the client's own time between requests"},
    {"--replicas,-r", &ModelOptions::replicas, "replicas of the function"},
    {"--concurrency", &ModelOptions::concurrency,
     "requests one replica serves at once (workers); 0 = unlimited. Default: http the "
     "calibration's workers or 1, classic and fork unlimited, fifo routing 1"},
    {"--max-inflight", &ModelOptions::max_inflight, "per replica, 429 beyond; 0 = unlimited"},
    {"--cores", &ModelOptions::cores,
     "cores the replicas share; 0 = unlimited (default: the calibration's, else unlimited)"},
    {"--routing", &ModelOptions::routing, "random, round-robin, least-inflight or fifo"},
    {"--core-scheduling", &ModelOptions::core_scheduling,
     "simulator: per-core (a run queue per core, as Linux) or shared (one processor-sharing "
     "pool)"},
    {"--queue-limit", &ModelOptions::queue_limit,
     "gateway queue length, 429 beyond; 0 = unlimited"},
    {"--queue-timeout", &ModelOptions::queue_timeout,
     "the gateway answers 504 after a request waited this long in its queue"},
    {"--timeout", &ModelOptions::timeout, "the client's timeout per request; 0 = none"},
    {"--cancel-on-timeout", &ModelOptions::cancel_on_timeout,
     "a timed-out request stops using the server (default: it keeps running)"},
    {"--cold-start", &ModelOptions::cold_start, "replica start time (default: the calibration's)"},
    {"--initial-replicas", &ModelOptions::initial_replicas,
     "replicas ready at the start, the others start cold; 0 = scale from zero"},
    {"--autoscale", &ModelOptions::autoscale, "the runtime's autoscaler: rps or capacity"},
    {"--scale-min", &ModelOptions::scale_min, "autoscaler: minimum replicas"},
    {"--scale-max", &ModelOptions::scale_max, "autoscaler: maximum replicas"},
    {"--scale-target", &ModelOptions::scale_target, "autoscaler: target load per replica"},
    {"--scale-proportion", &ModelOptions::scale_proportion, "autoscaler: target proportion"},
    {"--scale-down-window", &ModelOptions::scale_down_window, "autoscaler: scale-down window"},
    {"--scale-zero-after", &ModelOptions::scale_zero_after,
     "scale to zero after this long without a request; 0 = never"},
};

const Flag kMethodFlags[] = {
    {"--method", &ModelOptions::method, "auto, mva, erlang or des"},
    {"--replications", &ModelOptions::replications,
     "simulator: replications (confidence intervals)"},
    {"--seed", &ModelOptions::seed, "simulator: random seed"},
    {"--measured", &ModelOptions::measured, "simulator, steady state: requests per replication"},
};

void add_flags(CLI::App& app, ModelOptions& o, std::span<const Flag> flags) {
  for (const auto& f : flags) {
    std::visit(
        [&](auto member) {
          if constexpr (std::is_same_v<decltype(member), Flag::Member<bool>>)
            app.add_flag(f.names, o.*member, f.help);
          else
            app.add_option(f.names, o.*member, f.help);
        },
        f.member);
  }
}

// --- Values.

Result<double> seconds(const std::string& flag, const std::string& text) {
  auto d = parse_duration(text);
  if (!d) return make_error(flag + ": " + d.error());
  return to_seconds(*d);
}

// A duration flag into `out`, in seconds.
Status set_seconds(double& out, const std::string& flag, const std::string& text) {
  auto s = seconds(flag, text);
  if (!s) return s.error_value();
  out = *s;
  return Ok{};
}

// A duration flag that may be left out into a constant distribution (kept when left out).
Status set_constant(model::Distribution& out, const std::string& flag, const std::string& text) {
  if (text.empty()) return Ok{};
  auto s = seconds(flag, text);
  if (!s) return s.error_value();
  out = model::Distribution::constant(*s);
  return Ok{};
}

// --frame "WxH" as sscanf reads it: 0 from where it stops; `complete` when it read both.
struct Frame {
  int width = 0, height = 0;
  bool complete = true;  // also when not given
};

Frame frame_of(const ModelOptions& o) {
  Frame f;
  if (!o.frame.empty())
    f.complete = std::sscanf(o.frame.c_str(), "%dx%d", &f.width, &f.height) == 2;
  return f;
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

// --- The parts of build(), in the order it checks them.

// Closed (--users) or open (--rate or --trace), and the run's length.
Result<model::Workload> workload_from(const ModelOptions& o) {
  model::Workload w;
  const bool open = o.rate != 0 || !o.trace_file.empty() || o.given("--rate");
  if (o.users > 0 && open)
    return make_error("--users and --rate/--trace: a workload is closed or open, not both");
  if (o.users == 0 && !open)
    return make_error("give --users (closed workload) or --rate/--trace (open)");
  if (o.given("--users") && o.users == 0) return make_error("--users: must be >= 1");
  w.users = o.users;
  if (auto st = set_seconds(w.think_s, "--think", o.think); !st) return st.error_value();
  w.think_dist = o.think_dist;
  if (auto st = set_seconds(w.ramp_up_s, "--ramp-up", o.ramp_up); !st) return st.error_value();
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
  if (auto st = set_seconds(w.duration_s, "--duration", o.duration); !st) return st.error_value();
  return w;
}

// Mode, routing, scheduling and the sizes of the deployment.
Status set_deployment(const ModelOptions& o, model::System& s) {
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
  return Ok{};
}

// The request's own times: service, overhead, the client's time.
Status set_request_times(const ModelOptions& o, model::System& s) {
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
  if (auto st = set_constant(s.overhead, "--overhead", o.overhead); !st) return st;
  if (!(o.overhead_cpu >= 0)) return make_error("--overhead-cpu: must be >= 0");
  s.overhead_cpu = o.overhead_cpu;
  if (!o.client.empty()) return set_seconds(s.client_s, "--client", o.client);
  return Ok{};
}

// Timeouts, cold starts and scaling.
Status set_timeouts_and_scaling(const ModelOptions& o, model::System& s) {
  if (auto st = set_seconds(s.timeout_s, "--timeout", o.timeout); !st) return st;
  s.cancel_on_timeout = o.cancel_on_timeout;
  if (auto st = set_seconds(s.queue_timeout_s, "--queue-timeout", o.queue_timeout); !st) return st;
  if (auto st = set_constant(s.cold_start, "--cold-start", o.cold_start); !st) return st;
  s.initial_replicas = o.initial_replicas;
  if (!o.autoscale.empty()) {
    auto& a = s.autoscaling;
    a.enabled = true;
    a.type = o.autoscale;
    a.min_replicas = o.scale_min;
    a.max_replicas = o.scale_max;
    a.target = o.scale_target;
    a.proportion = o.scale_proportion;
    if (auto st = set_seconds(a.down_window_s, "--scale-down-window", o.scale_down_window); !st)
      return st;
  }
  return set_seconds(s.autoscaling.zero_after_s, "--scale-zero-after", o.scale_zero_after);
}

// The system the flags give, before a calibration fills what they leave out.
Result<model::System> system_from_flags(const ModelOptions& o) {
  model::System s;
  if (auto st = set_deployment(o, s); !st) return st.error_value();
  if (auto st = set_request_times(o, s); !st) return st.error_value();
  if (auto st = set_timeouts_and_scaling(o, s); !st) return st.error_value();
  return s;
}

Result<model::PredictOptions> predict_options_from(const ModelOptions& o) {
  model::PredictOptions p;
  auto method = model::parse_method(o.method);
  if (!method) return make_error("--method: " + method.error());
  p.method = *method;
  if (o.replications < 1) return make_error("--replications: must be >= 1");
  p.replications = o.replications;
  p.seed = o.seed;
  p.measured_requests = o.measured;
  return p;
}

// The calibration's times for one group, then the flags that override them.
void apply_group(model::System& s, const model::GroupCalibration& g, int cores,
                 const ModelOptions& o, const model::System& flags) {
  s.service = g.handler;
  s.overhead = g.overhead;
  s.overhead_cpu = g.overhead_cpu;
  s.client_s = g.client_s;
  s.cores = cores;
  if (g.cold_start) s.cold_start = *g.cold_start;
  if (o.given("--cores")) s.cores = o.cores;
  if (o.given("--service-mean") || o.given("--service-scv")) s.service = flags.service;
  if (o.given("--overhead")) s.overhead = flags.overhead;
  if (o.given("--overhead-cpu")) s.overhead_cpu = o.overhead_cpu;
  if (o.given("--client")) s.client_s = flags.client_s;
  if (o.given("--cold-start")) s.cold_start = flags.cold_start;
}

}  // namespace

void add_workload_flags(CLI::App& app, ModelOptions& o) {
  add_flags(app, o, kWorkloadFlags);
}

void add_system_flags(CLI::App& app, ModelOptions& o) {
  add_flags(app, o, kSystemFlags);
}

void add_method_flags(CLI::App& app, ModelOptions& o) {
  add_flags(app, o, kMethodFlags);
}

Result<model::System> build_system(const ModelOptions& o, const BuiltModel& base, model::Mode mode,
                                   int replicas) {
  model::System s = base.system;
  s.mode = mode;
  s.replicas = replicas;
  const model::GroupCalibration* g = nullptr;
  if (base.calibration) {
    const Frame frame = frame_of(o);
    g = base.calibration->find(model::to_string(mode), o.codec, frame.width, frame.height);
    if (!g)
      return make_error("--calibration: no calibration for mode " + model::to_string(mode) +
                        " in " + o.calibration);
    apply_group(s, *g, base.calibration->cores, o, base.system);
  }
  if (o.given("--concurrency")) {
    s.concurrency = o.concurrency;
  } else if (s.routing == model::Routing::kFifo) {
    s.concurrency = 1;  // the gateway's com.faaslab.concurrency
  } else if (model::process_per_request(mode)) {
    s.concurrency = 0;  // a process per request
  } else {
    const int workers = g && g->workers > 0 ? g->workers : (g ? s.cores : 1);
    s.concurrency = std::max(1, workers);
  }
  return s;
}

Result<BuiltModel> build(const ModelOptions& o) {
  BuiltModel b;
  auto workload = workload_from(o);
  if (!workload) return workload.error_value();
  b.workload = std::move(*workload);
  auto system = system_from_flags(o);
  if (!system) return system.error_value();
  b.system = std::move(*system);

  // The calibration's group fills what the flags leave out.
  if (!o.calibration.empty()) {
    auto cal = model::Calibration::load(o.calibration);
    if (!cal) return make_error("--calibration: " + cal.error());
    b.calibration = std::move(*cal);
  } else if (o.service_mean.empty()) {
    return make_error("give --service-mean (and --service-scv) or --calibration FILE");
  }
  auto built = build_system(o, b, b.system.mode, b.system.replicas);
  if (!built) return built.error_value();
  b.system = *built;
  if (b.calibration) {
    const Frame frame = frame_of(o);
    if (!frame.complete) return make_error("--frame: expected WxH, e.g. 1308x888");
    b.group =
        b.calibration->find(model::to_string(b.system.mode), o.codec, frame.width, frame.height);
  }

  auto predict = predict_options_from(o);
  if (!predict) return predict.error_value();
  b.predict = *predict;
  return b;
}

}  // namespace faaslab::cli
