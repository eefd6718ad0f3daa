// The pool's state machine. Under the mutex: decisions (how many replicas, which one stops,
// which request goes where) and bookkeeping; what they imply (start a process, send a request,
// kill, answer, arm a timer) is collected as Actions and run after the mutex is released, so
// no I/O and no callback runs with it held.
#include "runtime/function_pool.h"
#include "runtime/nodes.h"
#include "runtime/placement.h"

#include <signal.h>

#include <spdlog/spdlog.h>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <random>

#include "common/mutex.h"
#include "common/not_processed.h"
#include "runtime/dispatcher.h"
#include "runtime/replica_process.h"
#include "runtime/restart_backoff.h"
#include "runtime/watchdog.h"

namespace faaslab::runtime {

namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

constexpr auto kProbeInterval = std::chrono::milliseconds(5);
constexpr auto kProbeTimeout = std::chrono::seconds(1);
constexpr auto kRecheckInterval = std::chrono::milliseconds(100);  // a broken replica's health
constexpr auto kKillAfter = std::chrono::seconds(15);  // after SIGTERM, if still running
constexpr auto kRpsWindow = std::chrono::seconds(10);

double seconds_between(SteadyClock::time_point a, SteadyClock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// A random version-4 UUID, as OpenFaaS's gateway puts in X-Call-Id.
std::string call_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t a = rng(), b = rng();
  a = (a & ~0xF000ull) | 0x4000ull;                          // version 4
  b = (b & ~0xC000000000000000ull) | 0x8000000000000000ull;  // variant 10
  std::string out(36, '-');
  int bit = 60;
  for (int i = 0; i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) continue;
    const std::uint64_t word = i < 18 ? a : b;
    out[static_cast<std::size_t>(i)] = kHex[(word >> bit) & 0xF];
    bit = i == 17 ? 60 : bit - 4;
  }
  return out;
}

using Actions = std::vector<std::function<void()>>;

void run(Actions& actions) {
  for (auto& a : actions) a();
  actions.clear();
}

// A replica's last line of output, written from its output callbacks (another strand), read
// to explain a failed start.
class LastLine {
 public:
  void set(const std::string& line) EXCLUDES(mu_) {
    MutexLock lock(mu_);
    line_ = line;
  }
  std::string get() const EXCLUDES(mu_) {
    MutexLock lock(mu_);
    return line_;
  }

 private:
  mutable Mutex mu_;
  std::string line_ GUARDED_BY(mu_);
};

// One replica's record. Reached only through the pool's `replicas`, so every field but the
// ones set once before the replica is published (id, name, tmpdir, last_line) and the handles
// set once when its process starts (process, upstream) is read and written under the pool's
// mutex.
struct Replica {
  enum class State { kStarting, kReady, kStopping };
  ReplicaId id = 0;
  std::string name;
  std::string tmpdir;
  State state = State::kStarting;
  SteadyClock::time_point started;
  SteadyClock::time_point ready_at;
  bool cold = false;                      // started while requests waited with no replica ready
  bool terminated = false;                // SIGTERM asked for (sent as soon as its process exists)
  std::string node;                       // on a topology: the node it runs on
  Tier tier = Tier::kEdge;                // and that node's role
  std::shared_ptr<AsyncProcess> process;  // null until started
  std::shared_ptr<Upstream> upstream;
  std::shared_ptr<void> route;  // on a topology: the gateway's route to it, undone when it goes
  std::shared_ptr<LastLine> last_line = std::make_shared<LastLine>();
};

// A request the pool holds: what the dispatcher sees, plus what answering it needs.
struct PoolRequest : PendingRequest {
  PoolRequest(IncomingRequest&& r, std::string p, Responder resp)
      : PendingRequest(r.received),
        request(std::move(r)),
        path(std::move(p)),
        respond(std::move(resp)) {}
  IncomingRequest request;
  std::string path;
  Responder respond;
  SteadyClock::time_point arrived = SteadyClock::now();  // at the pool: its wait counts from here
  std::string placement;  // where the placement policy sent it and why (empty: no policy)
  bool retried = false;   // edge-retry: already sent again to the cloud
};

PoolRequest& pool_request(const std::shared_ptr<PendingRequest>& p) {
  return static_cast<PoolRequest&>(*p);
}

std::function<void()> answer_error(std::shared_ptr<PendingRequest> p, int status, std::string why) {
  return [p = std::move(p), status, why = std::move(why)] {
    auto& r = pool_request(p);
    r.respond(json_error_response(status, why, r.request.message.version()));
  };
}

DispatchOptions dispatch_options(const ScalingPolicy& policy, const PoolSettings& settings) {
  DispatchOptions o;
  o.routing = policy.routing.value_or(settings.default_routing);
  o.concurrency = policy.concurrency;
  o.queue_limit = static_cast<std::size_t>(policy.queue);
  o.timeout = settings.upstream_timeout;
  return o;
}

std::uint64_t routing_seed(const PoolSettings& settings) {
  return settings.routing_seed != 0 ? settings.routing_seed : std::random_device{}();
}

}  // namespace

struct FunctionPool::Impl : std::enable_shared_from_this<FunctionPool::Impl> {
  Impl(asio::io_context& io, FunctionSpec s, ScalingPolicy p, const PoolSettings& st, EventLog& ev,
       GatewayMetrics& m)
      : ioc(io),
        settings(st),
        events(ev),
        metrics(m.function(s.name)),
        name(s.name),
        spec(std::move(s)),
        policy(std::move(p)),
        dispatcher(dispatch_options(policy, settings), routing_seed(settings)) {}

  asio::io_context& ioc;
  const PoolSettings& settings;
  EventLog& events;
  FunctionMetrics& metrics;
  const std::string name;
  const std::int64_t created_unix_s = wall_us() / 1000000;

  mutable Mutex mu;
  FunctionSpec spec GUARDED_BY(mu);
  ScalingPolicy policy GUARDED_BY(mu);
  PlacementOptions placement GUARDED_BY(mu);  // on a topology: which tier serves each request
  double tier_response_s[2] GUARDED_BY(mu) = {0, 0};  // measured at the edge and in the cloud
  std::mt19937_64 placement_rng GUARDED_BY(mu){routing_seed(settings) ^ 0x9e3779b97f4a7c15ull};
  Dispatcher dispatcher GUARDED_BY(mu);
  std::vector<std::shared_ptr<Replica>> replicas GUARDED_BY(mu);
  RestartBackoff backoff GUARDED_BY(mu);
  int desired GUARDED_BY(mu) = 0;
  int next_id GUARDED_BY(mu) = 0;
  bool restart_pending GUARDED_BY(mu) = false;
  bool stopping_all GUARDED_BY(mu) = false;
  int stop_status GUARDED_BY(mu) = 503;
  std::string stop_reason GUARDED_BY(mu);
  std::string unhealthy GUARDED_BY(mu);        // why it is no longer restarted, or empty
  std::string unplaced_reason GUARDED_BY(mu);  // why the last replica found no node, or empty
  std::uint64_t invocations GUARDED_BY(mu) = 0;
  SteadyClock::time_point last_invocation GUARDED_BY(mu) = SteadyClock::now();
  RpsWindow rps GUARDED_BY(mu){kRpsWindow};
  ScaleDownWindow down_window GUARDED_BY(mu);

  // ---- under the mutex ----
  void event(std::string kind, const std::string& replica, double seconds = -1,
             std::string detail = {}, int from = -1, int to = -1) {
    ReplicaEvent e;
    e.function = name;
    e.replica = replica;
    e.kind = std::move(kind);
    e.seconds = seconds;
    e.detail = std::move(detail);
    e.from = from;
    e.to = to;
    events.record(std::move(e));
  }
  int count(Replica::State s) const REQUIRES(mu);
  void publish_gauges() REQUIRES(mu);
  void reconcile(Actions& after) REQUIRES(mu);
  bool plan_replica(Actions& after) REQUIRES(mu);
  void begin_stop(const std::shared_ptr<Replica>& r, const std::string& why, Actions& after)
      REQUIRES(mu);
  void terminate(const std::shared_ptr<Replica>& r, Actions& after) REQUIRES(mu);
  std::function<void()> stop_process(const std::shared_ptr<Replica>& r) REQUIRES(mu);
  void on_start_failure(const std::shared_ptr<Replica>& r, const std::string& why, Actions& after)
      REQUIRES(mu);
  void schedule_restart(Actions& after) REQUIRES(mu);
  void fail_waiting(int status, const std::string& why, Actions& after) REQUIRES(mu);
  void dispatch_waiting(Actions& after) REQUIRES(mu);
  std::function<void()> forward_action(Dispatcher::Assignment a) REQUIRES(mu);
  bool placing() const REQUIRES(mu) {
    return settings.nodes && placement.policy != Placement::kSpread;
  }
  void place(PoolRequest& p) REQUIRES(mu);
  // Edge-retry: sends a request that failed at the edge to the cloud; false if it does not apply.
  bool retry_in_cloud(const std::shared_ptr<PendingRequest>& request, const std::string& why,
                      Actions& after) REQUIRES(mu);
  void forget(const std::shared_ptr<Replica>& r) REQUIRES(mu);
  void autoscale(SteadyClock::time_point now, Actions& after) REQUIRES(mu);
  void scale_idle_to_zero(SteadyClock::time_point now, Actions& after) REQUIRES(mu);

  // ---- callbacks and I/O: take the mutex themselves ----
  void launch(std::shared_ptr<Replica> r, ReplicaPlan plan) EXCLUDES(mu);
  void probe(std::shared_ptr<Replica> r) EXCLUDES(mu);
  void recheck(std::shared_ptr<Replica> r) EXCLUDES(mu);
  void on_ready(std::shared_ptr<Replica> r) EXCLUDES(mu);
  void on_exit(std::shared_ptr<Replica> r, ProcessExit e) EXCLUDES(mu);
  void forward(Dispatcher::Assignment a, std::shared_ptr<Replica> r) EXCLUDES(mu);
  void on_response(Dispatcher::Assignment a, std::shared_ptr<Replica> r,
                   Result<HttpServerResponse> result, SteadyClock::time_point sent) EXCLUDES(mu);
  void after(Micros delay, std::function<void(Impl&)> then);
};

// ---- decisions, under the mutex ----

int FunctionPool::Impl::count(Replica::State s) const {
  return static_cast<int>(std::count_if(replicas.begin(), replicas.end(),
                                        [s](const auto& r) { return r->state == s; }));
}

void FunctionPool::Impl::publish_gauges() {
  metrics.replicas(desired, count(Replica::State::kStarting), count(Replica::State::kReady),
                   count(Replica::State::kStopping));
  metrics.queue_length(static_cast<int>(dispatcher.waiting()));
  metrics.inflight(dispatcher.inflight());
}

// Starts replicas up to `desired`, or stops the extra ones.
void FunctionPool::Impl::reconcile(Actions& after) {
  if (!unhealthy.empty() || stopping_all) return;
  const int active = count(Replica::State::kStarting) + count(Replica::State::kReady);
  if (active < desired && !restart_pending) {
    for (int i = active; i < desired; ++i) {
      if (!plan_replica(after)) break;
    }
  } else if (active > desired) {
    std::vector<std::shared_ptr<Replica>> candidates;
    for (const auto& r : replicas) {
      if (r->state != Replica::State::kStopping) candidates.push_back(r);
    }
    // Stop the ones that are not serving yet first, then the least busy.
    std::sort(candidates.begin(), candidates.end(), [this](const auto& a, const auto& b) {
      mu.assert_held();
      if ((a->state == Replica::State::kStarting) != (b->state == Replica::State::kStarting)) {
        return a->state == Replica::State::kStarting;
      }
      return dispatcher.inflight(a->id) < dispatcher.inflight(b->id);
    });
    for (int i = 0; i < active - desired; ++i)
      begin_stop(candidates[static_cast<std::size_t>(i)], "scaled down", after);
  }
  publish_gauges();
}

// Records a new replica as starting; its process is started after the mutex is released.
// False when a topology has no node with room for it.
bool FunctionPool::Impl::plan_replica(Actions& after) {
  std::string node;
  if (settings.nodes) {
    // Spread over the nodes the function may run on, as Kubernetes spreads a Deployment's pods
    // over the nodes its selector allows; none with room: the replica is not started.
    std::map<std::string, int> of_function;
    for (const auto& existing : replicas) {
      if (existing->state != Replica::State::kStopping) ++of_function[existing->node];
    }
    auto reserved = settings.nodes->reserve(spec, of_function);
    if (!reserved) {
      if (unplaced_reason != reserved.error()) event("unplaced", name, -1, reserved.error());
      unplaced_reason = reserved.error();
      return false;
    }
    unplaced_reason.clear();
    node = *reserved;
  }
  auto r = std::make_shared<Replica>();
  r->node = node;
  if (!node.empty()) {
    const NodeSpec* spec_of_node = settings.nodes->topology().node(node);
    r->tier = spec_of_node && spec_of_node->role == NodeRole::kCloud ? Tier::kCloud : Tier::kEdge;
  }
  r->id = ++next_id;
  r->name = name + "-" + std::to_string(r->id);
  r->tmpdir = (fs::path(settings.state_dir) / r->name).string();
  r->started = SteadyClock::now();
  r->cold = count(Replica::State::kReady) == 0 && dispatcher.waiting() > 0;
  replicas.push_back(r);
  event("start", r->name, -1, node.empty() ? std::string() : "on node " + node);
  ReplicaPlan plan{r->id, r->name,        r->tmpdir, settings.watchdog_path, settings.bin_dir,
                   spec,  settings.nodes, node};
  after.push_back([self = shared_from_this(), r, plan = std::move(plan)]() mutable {
    self->launch(std::move(r), std::move(plan));
  });
  return true;
}

void FunctionPool::Impl::begin_stop(const std::shared_ptr<Replica>& r, const std::string& why,
                                    Actions& after) {
  if (r->state == Replica::State::kStopping) return;
  r->state = Replica::State::kStopping;
  dispatcher.retire_replica(r->id);
  event("stop", r->name, -1, why);
  if (dispatcher.inflight(r->id) == 0) terminate(r, after);
}

// SIGTERM (the watchdog drains), then SIGKILL if it is still there kKillAfter later. A replica
// whose process has not started yet is terminated as soon as it has (launch()).
void FunctionPool::Impl::terminate(const std::shared_ptr<Replica>& r, Actions& after) {
  if (r->terminated) return;
  r->terminated = true;
  if (r->process) after.push_back(stop_process(r));
}

std::function<void()> FunctionPool::Impl::stop_process(const std::shared_ptr<Replica>& r) {
  return [process = r->process, upstream = r->upstream, &ioc = ioc] {
    if (upstream) upstream->close_idle();
    process->kill(SIGTERM);
    auto timer = std::make_shared<asio::steady_timer>(ioc, kKillAfter);
    timer->async_wait([timer, process](boost::system::error_code ec) {
      if (!ec && process->running()) process->kill(SIGKILL);
    });
  };
}

void FunctionPool::Impl::on_start_failure(const std::shared_ptr<Replica>& r, const std::string& why,
                                          Actions& after) {
  backoff.start_failed();
  event("crash", r->name, -1, "did not start: " + why);
  if (backoff.start_failures() >= settings.max_start_failures) {
    unhealthy = "function " + name + " did not start " + std::to_string(backoff.start_failures()) +
                " times in a row; last: " + why;
    event("unhealthy", "", -1, unhealthy);
    fail_waiting(503, unhealthy, after);
    return;
  }
  schedule_restart(after);
}

void FunctionPool::Impl::schedule_restart(Actions& actions) {
  if (restart_pending) return;
  restart_pending = true;
  const Micros delay = backoff.delay();
  actions.push_back([self = shared_from_this(), delay] {
    self->after(delay, [](Impl& pool) {
      Actions later;
      {
        MutexLock lock(pool.mu);
        pool.restart_pending = false;
        pool.reconcile(later);
        if (!pool.unhealthy.empty()) return;
        pool.event("restart", "");
      }
      run(later);
    });
  });
}

void FunctionPool::Impl::fail_waiting(int status, const std::string& why, Actions& after) {
  for (auto& p : dispatcher.take_waiting()) after.push_back(answer_error(p, status, why));
}

void FunctionPool::Impl::dispatch_waiting(Actions& after) {
  for (auto& a : dispatcher.assign_waiting()) after.push_back(forward_action(std::move(a)));
  publish_gauges();
}

void FunctionPool::Impl::place(PoolRequest& p) {
  auto load = [this](Tier t) {
    mu.assert_held();
    const int g = static_cast<int>(t);
    return TierLoad{dispatcher.routable_in(g), dispatcher.inflight_in(g), dispatcher.waiting_for(g),
                    tier_response_s[g]};
  };
  PlacementInput in;
  in.edge = load(Tier::kEdge);
  in.cloud = load(Tier::kCloud);
  const std::uint64_t bytes = p.request.message.body().size();
  in.cloud_extra_s = settings.nodes->cloud_link_seconds(bytes, bytes);
  in.draw = std::uniform_real_distribution<double>(0, 1)(placement_rng);
  const PlacementDecision d = decide_placement(placement, in);
  p.group = static_cast<int>(d.tier);
  p.placement = std::string(tier_name(d.tier)) + "; " + d.reason;
}

bool FunctionPool::Impl::retry_in_cloud(const std::shared_ptr<PendingRequest>& request,
                                        const std::string& why, Actions& after) {
  auto& p = pool_request(request);
  if (placement.policy != Placement::kEdgeRetry || p.retried || stopping_all ||
      dispatcher.routable_in(static_cast<int>(Tier::kCloud)) == 0)
    return false;
  p.retried = true;
  p.group = static_cast<int>(Tier::kCloud);
  p.placement = "cloud; edge-retry: the edge failed (" + why + "), sent again to the cloud";
  if (auto a = dispatcher.route(request)) {
    after.push_back(forward_action(std::move(*a)));
  } else if (dispatcher.enqueue(request)) {
    dispatch_waiting(after);
  } else {
    return false;
  }
  return true;
}

std::function<void()> FunctionPool::Impl::forward_action(Dispatcher::Assignment a) {
  std::shared_ptr<Replica> r;
  for (const auto& x : replicas) {
    if (x->id == a.replica) r = x;
  }
  return [self = shared_from_this(), a = std::move(a), r] { self->forward(a, r); };
}

// Removes a replica that is gone from the records.
void FunctionPool::Impl::forget(const std::shared_ptr<Replica>& r) {
  if (settings.nodes && !r->node.empty()) settings.nodes->release(r->node);
  r->route.reset();
  replicas.erase(std::remove(replicas.begin(), replicas.end(), r), replicas.end());
  dispatcher.remove_replica(r->id);
}

// OpenFaaS Pro's formula, for functions with a scale type.
void FunctionPool::Impl::autoscale(SteadyClock::time_point now, Actions& after) {
  if (policy.type == ScalingPolicy::Type::kNone || desired == 0) return;
  const bool by_rps = policy.type == ScalingPolicy::Type::kRps;
  const double load = by_rps ? rps.per_second(now)
                             : static_cast<double>(dispatcher.inflight()) +
                                   static_cast<double>(dispatcher.waiting());
  const int next =
      down_window.stabilise(desired_replicas(policy, load), desired, now, policy.down_window);
  if (next == desired) return;
  char why[96];
  std::snprintf(why, sizeof why, "autoscaler: %s load %.2f", by_rps ? "rps" : "capacity", load);
  event("scale", "", -1, why, desired, next);
  desired = next;
  reconcile(after);
}

// Idle functions that may sit at zero go there after zero-duration.
void FunctionPool::Impl::scale_idle_to_zero(SteadyClock::time_point now, Actions& after) {
  if (!policy.zero || desired == 0 || dispatcher.waiting() > 0 || dispatcher.inflight() > 0 ||
      now - last_invocation < policy.zero_duration) {
    return;
  }
  event("scale", "", -1, "idle for " + format_duration(policy.zero_duration), desired, 0);
  desired = 0;
  reconcile(after);
}

// ---- callbacks and I/O ----

void FunctionPool::Impl::after(Micros delay, std::function<void(Impl&)> then) {
  auto timer = std::make_shared<asio::steady_timer>(ioc, delay);
  timer->async_wait(
      [weak = weak_from_this(), timer, then = std::move(then)](boost::system::error_code) {
        if (auto self = weak.lock()) then(*self);
      });
}

void FunctionPool::Impl::launch(std::shared_ptr<Replica> r, ReplicaPlan plan) {
  // A watchdog in fork mode logs its template's deaths and restarts (watchdog_fork.cpp): they
  // are replica events too (the replica stays up: its watchdog starts the template again).
  auto on_line = [last = r->last_line, weak = weak_from_this(),
                  replica = r->name](const std::string& line) {
    last->set(line);
    for (const auto& [marker, kind] : {std::pair{kForkTemplateExited, "template_exit"},
                                       std::pair{kForkTemplateRestarted, "template_restart"}}) {
      if (const auto at = line.find(marker); at != std::string::npos) {
        if (auto self = weak.lock()) self->event(kind, replica, -1, line.substr(at));
        return;
      }
    }
  };
  auto started = start_replica(ioc, plan, std::move(on_line));
  Actions actions;
  {
    MutexLock lock(mu);
    if (!started) {
      forget(r);
      if (r->state == Replica::State::kStopping) {
        event("exit", r->name, -1, "stopped before it started");
      } else {
        on_start_failure(r, started.error(), actions);
      }
    } else {
      r->process = started->process;
      r->upstream = started->upstream;
      r->route = started->route;
      std::weak_ptr<Impl> weak = weak_from_this();
      actions.push_back([weak, r, process = r->process] {
        process->wait_exit([weak, r](ProcessExit e) {
          if (auto self = weak.lock()) self->on_exit(r, e);
        });
      });
      if (r->terminated) {  // stopped while it was being started
        actions.push_back(stop_process(r));
      } else {
        actions.push_back([self = shared_from_this(), r] { self->probe(r); });
      }
    }
    publish_gauges();
  }
  run(actions);
}

// Health checks every kProbeInterval until the replica answers 200 or replica_start_timeout.
void FunctionPool::Impl::probe(std::shared_ptr<Replica> r) {
  Actions actions;
  {
    MutexLock lock(mu);
    if (r->state != Replica::State::kStarting) return;
    if (SteadyClock::now() - r->started > settings.replica_start_timeout) {
      r->state = Replica::State::kStopping;  // its exit is then not counted again as a crash
      terminate(r, actions);
      on_start_failure(r, "not healthy within " + format_duration(settings.replica_start_timeout),
                       actions);
      forget(r);
      publish_gauges();
    }
  }
  if (!actions.empty()) return run(actions);
  check_health(*r->upstream, kProbeTimeout, [weak = weak_from_this(), r](bool healthy) {
    auto self = weak.lock();
    if (!self) return;
    if (healthy) return self->on_ready(r);
    self->after(kProbeInterval, [r](Impl& pool) { pool.probe(r); });
  });
}

// A replica out of rotation (it refused or reset a connection) is checked every
// kRecheckInterval and returns once healthy, or is replaced when its process ends.
void FunctionPool::Impl::recheck(std::shared_ptr<Replica> r) {
  if (!r->process || !r->process->running()) return;
  check_health(*r->upstream, kProbeTimeout, [weak = weak_from_this(), r](bool healthy) {
    auto self = weak.lock();
    if (!self) return;
    if (!healthy) return self->after(kRecheckInterval, [r](Impl& pool) { pool.recheck(r); });
    Actions actions;
    {
      MutexLock lock(self->mu);
      self->dispatcher.set_broken(r->id, false);
      self->dispatch_waiting(actions);
    }
    run(actions);
  });
}

void FunctionPool::Impl::on_ready(std::shared_ptr<Replica> r) {
  Actions actions;
  {
    MutexLock lock(mu);
    if (r->state != Replica::State::kStarting) return;
    r->state = Replica::State::kReady;
    r->ready_at = SteadyClock::now();
    backoff.started();
    const double took = seconds_between(r->started, r->ready_at);
    event("ready", r->name, took);
    if (r->cold) {
      event("cold_start", r->name, took, "started for a waiting request");
      metrics.cold_start(took);
    }
    dispatcher.add_replica(r->id, static_cast<int>(r->tier));
    dispatch_waiting(actions);
  }
  run(actions);
}

void FunctionPool::Impl::on_exit(std::shared_ptr<Replica> r, ProcessExit e) {
  Actions actions;
  actions.push_back([tmpdir = r->tmpdir] {
    std::error_code ec;
    fs::remove_all(tmpdir, ec);
  });
  {
    MutexLock lock(mu);
    const auto now = SteadyClock::now();
    const bool known = std::find(replicas.begin(), replicas.end(), r) != replicas.end();
    forget(r);
    if (!known || r->state == Replica::State::kStopping) {
      event("exit", r->name, seconds_between(r->started, now), e.describe());
    } else if (r->state == Replica::State::kStarting) {
      const std::string last = r->last_line->get();
      on_start_failure(r,
                       "exited before becoming healthy (" + e.describe() + ")" +
                           (last.empty() ? "" : ": " + last),
                       actions);
    } else {
      backoff.crashed(r->ready_at, now);
      event("crash", r->name, seconds_between(r->started, now), e.describe());
      schedule_restart(actions);
    }
    publish_gauges();
  }
  run(actions);
}

void FunctionPool::Impl::forward(Dispatcher::Assignment a, std::shared_ptr<Replica> r) {
  auto& p = pool_request(a.request);
  const auto now = SteadyClock::now();
  Micros edge_timeout{0};
  {
    MutexLock lock(mu);
    if (placing() && placement.policy == Placement::kEdgeRetry)
      edge_timeout = placement.edge_timeout.count() > 0 ? placement.edge_timeout
                                                        : settings.upstream_timeout / 2;
  }
  Micros left =
      settings.upstream_timeout - std::chrono::duration_cast<Micros>(now - p.request.received);
  if (edge_timeout.count() > 0 && a.request->group == static_cast<int>(Tier::kEdge) && !p.retried)
    left = std::min(left, edge_timeout);  // edge-retry: leave the cloud time for a second try
  if (!r || left.count() <= 0) {
    return on_response(std::move(a), std::move(r),
                       make_error("timed out before a replica was free", Errc::kTimeout), now);
  }
  // A copy, not a move: a replica that refuses the connection gets the request retried elsewhere.
  HttpServerRequest req = p.request.message;
  req.target(p.path);
  if (req.find("X-Call-Id") == req.end()) req.set("X-Call-Id", call_id());
  p.request.message.set("X-Call-Id", req["X-Call-Id"]);  // kept for the response
  req.set("X-Start-Time", std::to_string(wall_us() * 1000));
  p.request.message.set("X-Start-Time", req["X-Start-Time"]);
  r->upstream->send(std::move(req), left,
                    [self = shared_from_this(), a, r, sent = now](Result<HttpServerResponse> res) {
                      self->on_response(a, r, std::move(res), sent);
                    });
}

void FunctionPool::Impl::on_response(Dispatcher::Assignment a, std::shared_ptr<Replica> r,
                                     Result<HttpServerResponse> result,
                                     SteadyClock::time_point sent) {
  // Not sent (refused), or refused by the watchdog itself: the function never saw it.
  const bool refused = (!result && result.error_code() == Errc::kConnectFailed) ||
                       (result && was_refused_unprocessed(*result));
  const bool lost = !result && result.error_code() == Errc::kUnavailable;  // reset, closed
  Actions actions;
  bool requeued = false;
  {
    MutexLock lock(mu);
    requeued = dispatcher.finish(a, refused, !stopping_all);
    if (!requeued && r && placing()) {
      const bool failed = !result || result->result_int() >= 500;
      if (!failed) {
        double& mean = tier_response_s[static_cast<int>(r->tier)];
        const double took = seconds_between(sent, SteadyClock::now());
        mean = mean <= 0 ? took : 0.8 * mean + 0.2 * took;  // recent requests count most
      } else if (r->tier == Tier::kEdge) {
        requeued = retry_in_cloud(
            a.request, result ? "status " + std::to_string(result->result_int()) : result.error(),
            actions);
      }
    }
    if (!requeued) invocations++;
    // A replica that refused or reset a connection leaves the rotation until its health check
    // passes again (or its process ends and it is replaced), as an outlier detector would.
    if (r && (refused || lost) && dispatcher.set_broken(r->id, true)) {
      actions.push_back([self = shared_from_this(), r] { self->recheck(r); });
    }
    if (r && r->state == Replica::State::kStopping && dispatcher.inflight(r->id) == 0) {
      terminate(r, actions);
    }
    dispatch_waiting(actions);
  }
  run(actions);
  if (requeued) return;
  auto& p = pool_request(a.request);
  const unsigned version = p.request.message.version();
  HttpServerResponse res;
  if (result) {
    res = std::move(*result);
    res.version(version);
  } else {
    res = json_error_response(result.error_code() == Errc::kTimeout ? 504 : 502, result.error(),
                              version);
  }
  res.set("X-Call-Id", p.request.message["X-Call-Id"]);
  res.set("X-Start-Time", p.request.message["X-Start-Time"]);
  if (r) res.set("X-Faaslab-Replica", r->name);
  if (r && !r->node.empty()) res.set("X-Faaslab-Node", r->node);
  if (!p.placement.empty()) res.set("X-Faaslab-Placement", p.placement);
  const double waited = seconds_between(p.arrived, sent);
  if (waited > 0.0005) res.set("X-Faaslab-Queue-Seconds", format_seconds(waited));
  if (p.cold) res.set("X-Faaslab-Cold-Start-Seconds", format_seconds(waited));
  metrics.invocation_finished(res.result_int(), seconds_between(p.received, SteadyClock::now()));
  p.respond(std::move(res));
}

// ---- the public face ----

Status FunctionPool::validate(const FunctionSpec& spec) {
  if (spec.fprocess.empty()) {
    return make_error("function " + spec.name +
                      ": no fprocess (set `fprocess:` or the fprocess environment variable)");
  }
  if (auto policy = scaling_policy_from_labels(spec.labels); !policy)
    return make_error("function " + spec.name + ": " + policy.error());
  if (auto placement = placement_from_labels(spec.labels); !placement)
    return make_error("function " + spec.name + ": " + placement.error());
  return Ok{};
}

Result<std::shared_ptr<FunctionPool>> FunctionPool::create(asio::io_context& ioc, FunctionSpec spec,
                                                           const PoolSettings& settings,
                                                           EventLog& events,
                                                           GatewayMetrics& metrics) {
  if (auto valid = validate(spec); !valid) return valid.error_value();
  auto policy = *scaling_policy_from_labels(spec.labels);
  std::string name = spec.name;
  auto placement = *placement_from_labels(spec.labels);
  auto impl =
      std::make_shared<Impl>(ioc, std::move(spec), std::move(policy), settings, events, metrics);
  {
    MutexLock lock(impl->mu);
    impl->placement = placement;
  }
  return std::shared_ptr<FunctionPool>(new FunctionPool(std::move(name), std::move(impl)));
}

FunctionPool::FunctionPool(std::string name, std::shared_ptr<Impl> impl)
    : name_(std::move(name)), impl_(std::move(impl)) {}
FunctionPool::~FunctionPool() = default;

void FunctionPool::start() {
  auto& d = *impl_;
  Actions actions;
  {
    MutexLock lock(d.mu);
    d.event("deploy", "", -1, "image " + d.spec.image + ", fprocess \"" + d.spec.fprocess + "\"");
    d.desired = d.policy.zero && d.policy.min == 0 ? 0 : std::max(1, d.policy.min);
    d.reconcile(actions);
  }
  run(actions);
}

void FunctionPool::invoke(IncomingRequest&& request, std::string path_and_query,
                          Responder respond) {
  auto& d = *impl_;
  d.metrics.invocation_started();
  auto p = std::make_shared<PoolRequest>(std::move(request), std::move(path_and_query),
                                         std::move(respond));
  const unsigned version = p->request.message.version();
  Actions actions;
  {
    MutexLock lock(d.mu);
    const auto now = SteadyClock::now();
    d.last_invocation = now;
    d.rps.record(now);
    if (d.placing()) d.place(*p);  // the tier it may go to; its replica is picked below
    if (d.stopping_all) {
      actions.push_back(answer_error(p, d.stop_status, d.stop_reason));
    } else if (!d.unhealthy.empty()) {
      actions.push_back(answer_error(p, 503, d.unhealthy));
    } else if (auto a = d.dispatcher.route(p)) {
      actions.push_back(d.forward_action(std::move(*a)));
    } else if (d.desired == 0 && !d.settings.scale_from_zero) {
      actions.push_back(answer_error(
          p, 503, "function " + d.name + " is scaled to zero (scale from zero is off)"));
    } else {
      p->cold = d.count(Replica::State::kReady) == 0;
      if (!d.dispatcher.enqueue(p)) {
        const auto n = d.dispatcher.options().queue_limit;
        actions.push_back([p, version, n] {
          p->respond(not_processed_response(
              429, "queue full: " + std::to_string(n) + " requests already wait for a replica",
              version, "faaslab-gateway"));
        });
      } else {
        if (d.desired == 0) {
          d.event("scale", "", -1, "scale from zero for a waiting request", 0, 1);
          d.desired = 1;
          d.reconcile(actions);
        }
        d.dispatch_waiting(actions);
      }
    }
    d.publish_gauges();
  }
  run(actions);
}

void FunctionPool::scale(int replicas, const std::string& reason) {
  auto& d = *impl_;
  Actions actions;
  {
    MutexLock lock(d.mu);
    if (d.stopping_all) return;
    const int to = std::clamp(replicas, 0, d.settings.max_replicas);
    if (to != d.desired) d.event("scale", "", -1, reason, d.desired, to);
    d.desired = to;
    if (to > 0 && !d.unhealthy.empty()) {  // an explicit scale up retries an unhealthy function
      d.unhealthy.clear();
      d.backoff.forgive_start_failures();
    }
    d.reconcile(actions);
  }
  run(actions);
}

Status FunctionPool::update(FunctionSpec spec) {
  if (auto valid = validate(spec); !valid) return valid;
  auto policy = *scaling_policy_from_labels(spec.labels);
  auto& d = *impl_;
  Actions actions;
  {
    MutexLock lock(d.mu);
    for (const auto& r : std::vector<std::shared_ptr<Replica>>(d.replicas))
      d.begin_stop(r, "redeployed", actions);
    d.placement = *placement_from_labels(spec.labels);
    d.spec = std::move(spec);
    d.policy = std::move(policy);
    d.dispatcher.set_options(dispatch_options(d.policy, d.settings));
    d.unhealthy.clear();
    d.backoff.forgive_start_failures();
    d.event("deploy", "", -1,
            "updated: image " + d.spec.image + ", fprocess \"" + d.spec.fprocess + "\"");
    if (d.desired == 0 && !(d.policy.zero && d.policy.min == 0))
      d.desired = std::max(1, d.policy.min);
    d.reconcile(actions);
  }
  run(actions);
  return Ok{};
}

void FunctionPool::stop_all(int status, const std::string& why) {
  auto& d = *impl_;
  Actions actions;
  {
    MutexLock lock(d.mu);
    d.stopping_all = true;
    d.stop_status = status;
    d.stop_reason = why;
    d.desired = 0;
    d.fail_waiting(status, why, actions);
    for (const auto& r : std::vector<std::shared_ptr<Replica>>(d.replicas))
      d.begin_stop(r, why, actions);
    d.publish_gauges();
  }
  run(actions);
}

bool FunctionPool::stopped() const {
  MutexLock lock(impl_->mu);
  return impl_->replicas.empty();
}

void FunctionPool::tick() {
  auto& d = *impl_;
  Actions actions;
  {
    MutexLock lock(d.mu);
    const auto now = SteadyClock::now();
    for (auto& p : d.dispatcher.expire(now)) {
      actions.push_back(answer_error(p, 504,
                                     "no replica became free within upstream_timeout (" +
                                         format_duration(d.settings.upstream_timeout) + ")"));
    }
    if (!d.stopping_all && d.unhealthy.empty()) {
      d.autoscale(now, actions);
      d.scale_idle_to_zero(now, actions);
    }
    d.publish_gauges();
  }
  run(actions);
}

PoolStatus FunctionPool::status() const {
  const auto& d = *impl_;
  MutexLock lock(d.mu);
  PoolStatus s;
  s.spec = d.spec;
  s.desired = d.desired;
  s.ready = d.count(Replica::State::kReady);
  s.starting = d.count(Replica::State::kStarting);
  s.stopping = d.count(Replica::State::kStopping);
  s.queued = static_cast<int>(d.dispatcher.waiting());
  s.inflight = d.dispatcher.inflight();
  for (const auto& r : d.replicas) s.replica_names.push_back(r->name);
  s.invocations = d.invocations;
  s.created_unix_s = d.created_unix_s;
  s.unhealthy = d.unhealthy;
  s.routing = d.dispatcher.options().routing;
  return s;
}

}  // namespace faaslab::runtime
