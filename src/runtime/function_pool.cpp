#include "runtime/function_pool.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <mutex>
#include <random>

#include "common/env.h"
#include "common/not_processed.h"
#include "runtime/async_process.h"
#include "runtime/line_log.h"
#include "runtime/resource_limits.h"
#include "runtime/restart_backoff.h"
#include "runtime/upstream.h"

namespace faaslab::runtime {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace fs = std::filesystem;

namespace {

constexpr auto kProbeInterval = std::chrono::milliseconds(5);
constexpr auto kProbeTimeout = std::chrono::seconds(1);
constexpr auto kKillAfter =
    std::chrono::seconds(15);  // after SIGTERM, if the watchdog is still running
constexpr auto kRpsWindow = std::chrono::seconds(10);

double seconds_between(SteadyClock::time_point a, SteadyClock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// A listening socket on 127.0.0.1 with a kernel-chosen port, to hand to a watchdog.
Result<std::pair<int, std::uint16_t>> listen_on_free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(std::string("socket: ") + std::strerror(errno), Errc::kUnavailable);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 1024) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    return make_error("cannot listen on 127.0.0.1: " + why, Errc::kUnavailable);
  }
  return std::make_pair(fd, ntohs(addr.sin_port));
}

// A port that was free a moment ago (for an http-mode function's upstream, which the function
// binds itself). If another process takes it meanwhile, the replica fails to start and is
// restarted on another port.
Result<std::uint16_t> free_port() {
  auto l = listen_on_free_port();
  if (!l) return l.error_value();
  ::close(l->first);
  return l->second;
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

}  // namespace

struct Replica {
  enum class State { kStarting, kReady, kStopping };
  int id = 0;
  std::string name;
  State state = State::kStarting;
  std::uint16_t port = 0;
  std::string tmpdir;
  std::shared_ptr<AsyncProcess> process;
  std::shared_ptr<Upstream> upstream;
  SteadyClock::time_point started;
  SteadyClock::time_point ready_at;
  int inflight = 0;
  bool terminated = false;  // SIGTERM sent
  bool cold = false;        // started while requests were waiting with no replica ready
  bool broken = false;      // refused a connection: dying; no more requests until its exit
  std::mutex log_mu;
  std::string last_log;  // guarded by log_mu: its last line of output, for failure reports
};

struct Pending {
  IncomingRequest request;
  std::string path;
  Responder respond;
  SteadyClock::time_point enqueued;
  bool cold = false;  // no replica was ready when it arrived
  int attempts = 0;   // replicas that refused it (it was not sent)
  Pending(IncomingRequest&& r, std::string p, Responder resp)
      : request(std::move(r)),
        path(std::move(p)),
        respond(std::move(resp)),
        enqueued(SteadyClock::now()) {}
};

struct FunctionPool::Impl {
  Impl(asio::io_context& io, FunctionSpec s, ScalingPolicy p, const PoolSettings& st, EventLog& ev,
       GatewayMetrics& m)
      : ioc(io),
        spec(std::move(s)),
        policy(std::move(p)),
        settings(st),
        events(ev),
        metrics(m.function(spec.name)) {}

  asio::io_context& ioc;
  mutable std::mutex mu;
  FunctionSpec spec;     // guarded by mu
  ScalingPolicy policy;  // guarded by mu
  const PoolSettings& settings;
  EventLog& events;
  FunctionMetrics& metrics;
  std::vector<std::shared_ptr<Replica>> replicas;  // guarded by mu
  std::deque<std::shared_ptr<Pending>> queue;      // guarded by mu
  int desired = 0;
  int next_id = 0;
  RestartBackoff backoff;
  bool restart_pending = false;
  bool stopping_all = false;
  int stop_status = 503;
  std::string stop_reason;
  std::string unhealthy;
  std::uint64_t invocations = 0;
  std::uint64_t round_robin = 0;
  std::int64_t created_unix_s = wall_us() / 1000000;
  SteadyClock::time_point last_invocation = SteadyClock::now();
  RpsWindow rps{kRpsWindow};
  ScaleDownWindow down_window;
  std::mt19937 rng{std::random_device{}()};

  Routing routing() const { return policy.routing.value_or(settings.default_routing); }

  void event(std::string kind, const std::string& replica, double seconds = -1,
             std::string detail = {}, int from = -1, int to = -1) {
    ReplicaEvent e;
    e.function = spec.name;
    e.replica = replica;
    e.kind = std::move(kind);
    e.seconds = seconds;
    e.detail = std::move(detail);
    e.from = from;
    e.to = to;
    events.record(std::move(e));
  }

  void publish_gauges_locked() {
    int starting = 0, ready = 0, stopping = 0, inflight = 0;
    for (const auto& r : replicas) {
      (r->state == Replica::State::kStarting ? starting
       : r->state == Replica::State::kReady  ? ready
                                             : stopping)++;
      inflight += r->inflight;
    }
    metrics.replicas(desired, starting, ready, stopping);
    metrics.queue_length(static_cast<int>(queue.size()));
    metrics.inflight(inflight);
  }

  int count(Replica::State s) const {
    return static_cast<int>(std::count_if(replicas.begin(), replicas.end(),
                                          [s](const auto& r) { return r->state == s; }));
  }
};

using Actions = std::vector<std::function<void()>>;

namespace {

void run(Actions& actions) {
  for (auto& a : actions) a();
  actions.clear();
}

HttpServerResponse error_reply(int status, const std::string& message, unsigned version) {
  return json_error_response(status, message, version);
}

}  // namespace

// ---- the parts of FunctionPool that need the lock, written as free functions over Impl ----

namespace {

class PoolOps {
 public:
  PoolOps(std::shared_ptr<FunctionPool> self, FunctionPool::Impl& d)
      : self_(std::move(self)), d_(d) {}

  // Starts replicas up to `desired`, or stops the extra ones. Locked.
  void reconcile(Actions& after) {
    if (!d_.unhealthy.empty() || d_.stopping_all) return;
    const int active = d_.count(Replica::State::kStarting) + d_.count(Replica::State::kReady);
    if (active < d_.desired && !d_.restart_pending) {
      for (int i = active; i < d_.desired; ++i) launch(after);
    } else if (active > d_.desired) {
      std::vector<std::shared_ptr<Replica>> candidates;
      for (const auto& r : d_.replicas) {
        if (r->state != Replica::State::kStopping) candidates.push_back(r);
      }
      // Stop the ones that are not serving yet first, then the least busy.
      std::sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) {
        if ((a->state == Replica::State::kStarting) != (b->state == Replica::State::kStarting)) {
          return a->state == Replica::State::kStarting;
        }
        return a->inflight < b->inflight;
      });
      for (int i = 0; i < active - d_.desired; ++i)
        begin_stop(candidates[static_cast<std::size_t>(i)], "scaled down", after);
    }
    d_.publish_gauges_locked();
  }

  void begin_stop(const std::shared_ptr<Replica>& r, const std::string& why, Actions& after) {
    if (r->state == Replica::State::kStopping) return;
    r->state = Replica::State::kStopping;
    d_.event("stop", r->name, -1, why);
    if (r->inflight == 0) terminate(r, after);
  }

  void terminate(const std::shared_ptr<Replica>& r, Actions& after) {
    if (r->terminated) return;
    r->terminated = true;
    auto process = r->process;
    auto upstream = r->upstream;
    auto& ioc = d_.ioc;
    after.push_back([process, upstream, &ioc] {
      if (upstream) upstream->close_idle();
      if (!process) return;
      process->kill(SIGTERM);
      auto timer = std::make_shared<asio::steady_timer>(ioc, kKillAfter);
      timer->async_wait([timer, process](boost::system::error_code ec) {
        if (!ec && process->running()) process->kill(SIGKILL);
      });
    });
  }

  void launch(Actions& after) {
    auto r = std::make_shared<Replica>();
    r->id = ++d_.next_id;
    r->name = d_.spec.name + "-" + std::to_string(r->id);
    r->started = SteadyClock::now();
    r->cold = d_.count(Replica::State::kReady) == 0 && !d_.queue.empty();
    d_.replicas.push_back(r);
    d_.event("start", r->name);
    auto fail_start = [&](const std::string& why) {
      d_.replicas.erase(std::remove(d_.replicas.begin(), d_.replicas.end(), r), d_.replicas.end());
      on_start_failure(r, why, after);
    };

    auto listener = listen_on_free_port();
    if (!listener) return fail_start(listener.error());
    const int fd = listener->first;
    r->port = listener->second;
    r->tmpdir = (fs::path(d_.settings.state_dir) / r->name).string();
    std::error_code ec;
    fs::create_directories(r->tmpdir, ec);

    SpawnOptions o;
    o.argv = {d_.settings.watchdog_path};
    o.env = replica_environment(*r);
    o.pipe_stdin = false;
    o.pass_fd = fd;
    auto process = AsyncProcess::spawn(d_.ioc, o);
    ::close(fd);
    if (!process) return fail_start(process.error());
    r->process = *process;
    auto upstream = Upstream::create(d_.ioc, "127.0.0.1", r->port);
    if (!upstream) return fail_start(upstream.error());
    r->upstream = *upstream;

    auto remember = [r](const std::string& line) {
      std::lock_guard lock(r->log_mu);
      r->last_log = line;
    };
    auto out = std::make_shared<LineLog>("[" + r->name + "] ", remember);
    auto err = std::make_shared<LineLog>("[" + r->name + "] ", remember);
    std::weak_ptr<FunctionPool> weak = self_;
    after.push_back([weak, r, out, err, &d = d_] {
      r->process->read_stdout([out](std::string_view s) { out->feed(s); }, [out] { out->flush(); });
      r->process->read_stderr([err](std::string_view s) { err->feed(s); }, [err] { err->flush(); });
      r->process->wait_exit([weak, r](ProcessExit e) {
        if (auto self = weak.lock()) on_exit(self, r, e);
      });
      probe(weak, r, d.ioc);
    });
  }

  std::vector<std::string> replica_environment(const Replica& r) {
    std::vector<std::string> env;
    const Env parent(current_environment());
    const std::string path =
        d_.settings.bin_dir + ":" + parent.get_or("PATH", "/usr/local/bin:/usr/bin:/bin");
    env.push_back("PATH=" + path);
    for (const char* keep :
         {"HOME", "USER", "LANG", "LC_ALL", "TZ", "FAASLAB_MODELS_DIR", "LD_LIBRARY_PATH"}) {
      if (auto v = parent.get(keep)) env.push_back(std::string(keep) + "=" + *v);
    }
    std::map<std::string, std::string> vars = d_.spec.environment;
    vars["fprocess"] = d_.spec.fprocess;
    vars["LISTEN_FDS"] = "1";
    vars["port"] = std::to_string(r.port);
    vars["TMPDIR"] = r.tmpdir;
    // The gateway stops routing to a replica before it stops it, so no orchestrator grace.
    vars.emplace("healthcheck_interval", "0");
    if (vars.count("mode") && vars["mode"] == "http") {
      if (auto p = free_port()) vars["upstream_url"] = "http://127.0.0.1:" + std::to_string(*p);
    }
    if (!d_.spec.limits.cpu.empty()) {
      if (auto cpus = parse_cpu_quantity(d_.spec.limits.cpu)) {
        vars["faaslab_cpus"] = d_.spec.limits.cpu;
        // Spread replicas over the cores: replica k starts at core k * ceil(cpus).
        const int n = static_cast<int>(std::ceil(*cpus));
        const int cores = available_cores();
        std::vector<int> list;
        for (int i = 0; i < std::min(n, cores); ++i) list.push_back((r.id * n + i) % cores);
        vars["faaslab_cpu_list"] = format_cpu_list(list);
      }
    }
    if (!d_.spec.limits.memory.empty()) vars["faaslab_memory"] = d_.spec.limits.memory;
    for (const auto& [k, v] : vars) env.push_back(k + "=" + v);
    return env;
  }

  void on_start_failure(const std::shared_ptr<Replica>& r, const std::string& why, Actions& after) {
    d_.backoff.start_failed();
    d_.event("crash", r->name, -1, "did not start: " + why);
    if (d_.backoff.start_failures() >= d_.settings.max_start_failures) {
      d_.unhealthy = "function " + d_.spec.name + " did not start " +
                     std::to_string(d_.backoff.start_failures()) + " times in a row; last: " + why;
      d_.event("unhealthy", "", -1, d_.unhealthy);
      fail_queue(503, d_.unhealthy, after);
      return;
    }
    schedule_restart(after);
  }

  void schedule_restart(Actions& after) {
    if (d_.restart_pending) return;
    d_.restart_pending = true;
    const auto backoff = d_.backoff.delay();
    std::weak_ptr<FunctionPool> weak = self_;
    auto& ioc = d_.ioc;
    after.push_back([weak, backoff, &ioc] {
      auto timer = std::make_shared<asio::steady_timer>(ioc, backoff);
      timer->async_wait([weak, timer](boost::system::error_code) {
        auto self = weak.lock();
        if (!self) return;
        Actions later;
        {
          std::lock_guard lock(self->impl().mu);
          self->impl().restart_pending = false;
          PoolOps(self, self->impl()).reconcile(later);
          if (!self->impl().unhealthy.empty()) return;
          self->impl().event("restart", "");
        }
        run(later);
      });
    });
  }

  void fail_queue(int status, const std::string& why, Actions& after) {
    for (auto& p : d_.queue) {
      after.push_back(
          [p, status, why] { p->respond(error_reply(status, why, p->request.message.version())); });
    }
    d_.queue.clear();
  }

  // Picks a ready replica for the next request, or null. Locked.
  std::shared_ptr<Replica> pick() {
    std::vector<std::shared_ptr<Replica>> ready;
    const Routing routing = d_.routing();
    for (const auto& r : d_.replicas) {
      if (r->state != Replica::State::kReady || r->broken) continue;
      if (routing == Routing::kFifo && r->inflight >= d_.policy.concurrency) continue;
      ready.push_back(r);
    }
    if (ready.empty()) return nullptr;
    switch (routing) {
      case Routing::kRandom:
        return ready[std::uniform_int_distribution<std::size_t>(0, ready.size() - 1)(d_.rng)];
      case Routing::kRoundRobin:
        return ready[d_.round_robin++ % ready.size()];
      case Routing::kLeastInflight:
      case Routing::kFifo: {
        // Fewest in flight; ties broken at random so no replica is favoured.
        int least = ready.front()->inflight;
        for (const auto& r : ready) least = std::min(least, r->inflight);
        std::vector<std::shared_ptr<Replica>> best;
        for (const auto& r : ready) {
          if (r->inflight == least) best.push_back(r);
        }
        return best[std::uniform_int_distribution<std::size_t>(0, best.size() - 1)(d_.rng)];
      }
    }
    return nullptr;
  }

  // Sends queued requests to replicas while there are free ones. Locked.
  void dispatch(Actions& after) {
    while (!d_.queue.empty()) {
      auto r = pick();
      if (!r) break;
      auto p = d_.queue.front();
      d_.queue.pop_front();
      r->inflight++;
      after.push_back([self = self_, r, p] { forward(self, r, p); });
    }
    d_.publish_gauges_locked();
  }

  void record_start(SteadyClock::time_point now) {
    d_.last_invocation = now;
    d_.rps.record(now);
  }

  static void forward(std::shared_ptr<FunctionPool> self, std::shared_ptr<Replica> r,
                      std::shared_ptr<Pending> p);
  static void recheck(std::weak_ptr<FunctionPool> weak, std::shared_ptr<Replica> r,
                      asio::io_context& ioc);
  static void on_exit(std::shared_ptr<FunctionPool> self, std::shared_ptr<Replica> r,
                      ProcessExit e);
  static void probe(std::weak_ptr<FunctionPool> weak, std::shared_ptr<Replica> r,
                    asio::io_context& ioc);
  static void on_ready(std::shared_ptr<FunctionPool> self, std::shared_ptr<Replica> r);
  static void on_response(std::shared_ptr<FunctionPool> self, std::shared_ptr<Replica> r,
                          std::shared_ptr<Pending> p, Result<HttpServerResponse> result,
                          SteadyClock::time_point sent);

 private:
  std::shared_ptr<FunctionPool> self_;
  FunctionPool::Impl& d_;
};

void PoolOps::probe(std::weak_ptr<FunctionPool> weak, std::shared_ptr<Replica> r,
                    asio::io_context& ioc) {
  auto self = weak.lock();
  if (!self) return;
  {
    std::lock_guard lock(self->impl().mu);
    if (r->state != Replica::State::kStarting) return;
    if (SteadyClock::now() - r->started > self->impl().settings.replica_start_timeout) {
      Actions after;
      PoolOps ops(self, self->impl());
      r->state = Replica::State::kStopping;  // its exit is then not counted again as a crash
      ops.terminate(r, after);
      ops.on_start_failure(
          r, "not healthy within " + format_duration(self->impl().settings.replica_start_timeout),
          after);
      self->impl().replicas.erase(
          std::remove(self->impl().replicas.begin(), self->impl().replicas.end(), r),
          self->impl().replicas.end());
      run(after);
      return;
    }
  }
  HttpServerRequest health(http::verb::get, "/_/health", 11);
  r->upstream->send(
      std::move(health), kProbeTimeout, [weak, r, &ioc](Result<HttpServerResponse> res) {
        auto self = weak.lock();
        if (!self) return;
        if (res && res->result_int() == 200) return on_ready(self, r);
        auto timer = std::make_shared<asio::steady_timer>(ioc, kProbeInterval);
        timer->async_wait(
            [weak, r, timer, &ioc](boost::system::error_code) { probe(weak, r, ioc); });
      });
}

void PoolOps::recheck(std::weak_ptr<FunctionPool> weak, std::shared_ptr<Replica> r,
                      asio::io_context& ioc) {
  if (!weak.lock() || !r->process || !r->process->running()) return;
  HttpServerRequest health(http::verb::get, "/_/health", 11);
  r->upstream->send(
      std::move(health), kProbeTimeout, [weak, r, &ioc](Result<HttpServerResponse> res) {
        auto self = weak.lock();
        if (!self) return;
        if (res && res->result_int() == 200) {
          Actions after;
          {
            std::lock_guard lock(self->impl().mu);
            r->broken = false;
            PoolOps(self, self->impl()).dispatch(after);
          }
          return run(after);
        }
        auto timer = std::make_shared<asio::steady_timer>(ioc, std::chrono::milliseconds(100));
        timer->async_wait(
            [weak, r, timer, &ioc](boost::system::error_code) { recheck(weak, r, ioc); });
      });
}

void PoolOps::on_ready(std::shared_ptr<FunctionPool> self, std::shared_ptr<Replica> r) {
  Actions after;
  {
    std::lock_guard lock(self->impl().mu);
    auto& d = self->impl();
    if (r->state != Replica::State::kStarting) return;
    r->state = Replica::State::kReady;
    d.backoff.started();
    r->ready_at = SteadyClock::now();
    const double took = seconds_between(r->started, SteadyClock::now());
    d.event("ready", r->name, took);
    if (r->cold) {
      d.event("cold_start", r->name, took, "started for a waiting request");
      d.metrics.cold_start(took);
    }
    PoolOps(self, d).dispatch(after);
  }
  run(after);
}

void PoolOps::on_exit(std::shared_ptr<FunctionPool> self, std::shared_ptr<Replica> r,
                      ProcessExit e) {
  Actions after;
  {
    std::lock_guard lock(self->impl().mu);
    auto& d = self->impl();
    std::error_code ec;
    fs::remove_all(r->tmpdir, ec);
    const bool known = std::find(d.replicas.begin(), d.replicas.end(), r) != d.replicas.end();
    d.replicas.erase(std::remove(d.replicas.begin(), d.replicas.end(), r), d.replicas.end());
    PoolOps ops(self, d);
    if (!known || r->state == Replica::State::kStopping) {
      d.event("exit", r->name, seconds_between(r->started, SteadyClock::now()), e.describe());
    } else if (r->state == Replica::State::kStarting) {
      std::string last;
      {
        std::lock_guard log_lock(r->log_mu);
        last = r->last_log;
      }
      ops.on_start_failure(r,
                           "exited before becoming healthy (" + e.describe() + ")" +
                               (last.empty() ? "" : ": " + last),
                           after);
    } else {
      d.backoff.crashed(r->ready_at, SteadyClock::now());
      d.event("crash", r->name, seconds_between(r->started, SteadyClock::now()), e.describe());
      ops.schedule_restart(after);
    }
    d.publish_gauges_locked();
  }
  run(after);
}

void PoolOps::forward(std::shared_ptr<FunctionPool> self, std::shared_ptr<Replica> r,
                      std::shared_ptr<Pending> p) {
  auto& d = self->impl();
  auto& msg = p->request.message;
  const auto elapsed = std::chrono::duration_cast<Micros>(SteadyClock::now() - p->request.received);
  const Micros left = d.settings.upstream_timeout - elapsed;
  if (left.count() <= 0) {
    return on_response(self, r, p,
                       make_error("timed out before a replica was free", Errc::kTimeout),
                       SteadyClock::now());
  }
  // A copy, not a move: a replica that refuses the connection gets the request retried elsewhere.
  HttpServerRequest req = msg;
  req.target(p->path);
  if (req.find("X-Call-Id") == req.end()) req.set("X-Call-Id", call_id());
  p->request.message.set("X-Call-Id", req["X-Call-Id"]);  // kept for the response
  req.set("X-Start-Time", std::to_string(wall_us() * 1000));
  p->request.message.set("X-Start-Time", req["X-Start-Time"]);
  const auto sent = SteadyClock::now();
  r->upstream->send(std::move(req), left, [self, r, p, sent](Result<HttpServerResponse> res) {
    on_response(self, r, p, std::move(res), sent);
  });
}

void PoolOps::on_response(std::shared_ptr<FunctionPool> self, std::shared_ptr<Replica> r,
                          std::shared_ptr<Pending> p, Result<HttpServerResponse> result,
                          SteadyClock::time_point sent) {
  auto& d = self->impl();
  Actions after;
  std::string function;
  bool requeued = false;
  {
    std::lock_guard lock(d.mu);
    r->inflight--;
    // A replica that refused the connection is dying (its function crashed): the request was
    // not sent, so it waits for another replica instead of failing.
    // Not sent (refused), or refused by the watchdog itself (503 marked X-OpenFaaS-Internal:
    // its function is not running): either way the function never saw the request.
    const bool refused = (!result && result.error_code() == Errc::kConnectFailed) ||
                         (result && was_refused_unprocessed(*result));
    if (refused && p->attempts < 3 && !d.stopping_all) {
      p->attempts++;
      p->cold = true;  // it now waits for a replica to start
      d.queue.push_front(p);
      requeued = true;
    } else {
      d.invocations++;
    }
    // A replica that refused or reset a connection leaves the rotation until its health check
    // passes again (or its process ends and it is replaced), as an outlier detector would.
    if ((refused || (!result && result.error_code() == Errc::kUnavailable)) && !r->broken) {
      r->broken = true;
      after.push_back(
          [weak = std::weak_ptr<FunctionPool>(self), r, &ioc = d.ioc] { recheck(weak, r, ioc); });
    }
    function = d.spec.name;
    PoolOps ops(self, d);
    if (r->state == Replica::State::kStopping && r->inflight == 0) ops.terminate(r, after);
    ops.dispatch(after);
  }
  run(after);
  if (requeued) return;
  const unsigned version = p->request.message.version();
  HttpServerResponse res;
  if (result) {
    res = std::move(*result);
    res.version(version);
  } else {
    const int status = result.error_code() == Errc::kTimeout ? 504 : 502;
    res = error_reply(status, result.error(), version);
  }
  res.set("X-Call-Id", p->request.message["X-Call-Id"]);
  res.set("X-Start-Time", p->request.message["X-Start-Time"]);
  res.set("X-Faaslab-Replica", r->name);
  const double waited = seconds_between(p->enqueued, sent);
  if (waited > 0.0005) res.set("X-Faaslab-Queue-Seconds", format_seconds(waited));
  if (p->cold) res.set("X-Faaslab-Cold-Start-Seconds", format_seconds(waited));
  d.metrics.invocation_finished(res.result_int(),
                                seconds_between(p->request.received, SteadyClock::now()));
  p->respond(std::move(res));
}

}  // namespace

Result<std::shared_ptr<FunctionPool>> FunctionPool::create(asio::io_context& ioc, FunctionSpec spec,
                                                           const PoolSettings& settings,
                                                           EventLog& events,
                                                           GatewayMetrics& metrics) {
  if (spec.fprocess.empty()) {
    return make_error("function " + spec.name +
                      ": no fprocess (set `fprocess:` or the fprocess environment variable)");
  }
  auto policy = scaling_policy_from_labels(spec.labels);
  if (!policy) return make_error("function " + spec.name + ": " + policy.error());
  std::shared_ptr<FunctionPool> pool(new FunctionPool(spec.name));
  pool->impl_ =
      std::make_unique<Impl>(ioc, std::move(spec), std::move(*policy), settings, events, metrics);
  return pool;
}

FunctionPool::FunctionPool(std::string name) : name_(std::move(name)) {}
FunctionPool::~FunctionPool() = default;

void FunctionPool::start() {
  Actions after;
  {
    std::lock_guard lock(impl_->mu);
    impl_->event("deploy", "", -1,
                 "image " + impl_->spec.image + ", fprocess \"" + impl_->spec.fprocess + "\"");
    impl_->desired =
        impl_->policy.zero && impl_->policy.min == 0 ? 0 : std::max(1, impl_->policy.min);
    PoolOps(shared_from_this(), *impl_).reconcile(after);
  }
  run(after);
}

void FunctionPool::invoke(IncomingRequest&& request, std::string path_and_query,
                          Responder respond) {
  auto& d = *impl_;
  d.metrics.invocation_started();
  auto p =
      std::make_shared<Pending>(std::move(request), std::move(path_and_query), std::move(respond));
  Actions after;
  {
    std::lock_guard lock(d.mu);
    PoolOps ops(shared_from_this(), d);
    ops.record_start(SteadyClock::now());
    const unsigned version = p->request.message.version();
    if (d.stopping_all) {
      after.push_back(
          [p, version, &d] { p->respond(error_reply(d.stop_status, d.stop_reason, version)); });
    } else if (!d.unhealthy.empty()) {
      after.push_back(
          [p, version, why = d.unhealthy] { p->respond(error_reply(503, why, version)); });
    } else if (auto r = d.routing() != Routing::kFifo && d.queue.empty() ? ops.pick() : nullptr) {
      r->inflight++;
      after.push_back([self = shared_from_this(), r, p] { PoolOps::forward(self, r, p); });
    } else if (d.desired == 0 && !d.settings.scale_from_zero) {
      after.push_back([p, version, name = d.spec.name] {
        p->respond(error_reply(
            503, "function " + name + " is scaled to zero (scale from zero is off)", version));
      });
    } else if (static_cast<int>(d.queue.size()) >= d.policy.queue) {
      after.push_back([p, version, n = d.policy.queue] {
        p->respond(not_processed_response(
            429, "queue full: " + std::to_string(n) + " requests already wait for a replica",
            version, "faaslab-gateway"));
      });
    } else {
      p->cold = d.count(Replica::State::kReady) == 0;
      d.queue.push_back(p);
      if (d.desired == 0) {
        d.event("scale", "", -1, "scale from zero for a waiting request", 0, 1);
        d.desired = 1;
        ops.reconcile(after);
      }
      ops.dispatch(after);
    }
    d.publish_gauges_locked();
  }
  run(after);
}

void FunctionPool::scale(int replicas, const std::string& reason) {
  Actions after;
  {
    std::lock_guard lock(impl_->mu);
    auto& d = *impl_;
    if (d.stopping_all) return;
    const int to = std::clamp(replicas, 0, d.settings.max_replicas);
    if (to != d.desired) d.event("scale", "", -1, reason, d.desired, to);
    d.desired = to;
    if (to > 0 && !d.unhealthy.empty()) {  // an explicit scale up retries an unhealthy function
      d.unhealthy.clear();
      d.backoff.forgive_start_failures();
    }
    PoolOps(shared_from_this(), d).reconcile(after);
  }
  run(after);
}

Status FunctionPool::update(FunctionSpec spec) {
  if (spec.fprocess.empty()) return make_error("function " + spec.name + ": no fprocess");
  auto policy = scaling_policy_from_labels(spec.labels);
  if (!policy) return make_error("function " + spec.name + ": " + policy.error());
  Actions after;
  {
    std::lock_guard lock(impl_->mu);
    auto& d = *impl_;
    PoolOps ops(shared_from_this(), d);
    for (const auto& r : std::vector<std::shared_ptr<Replica>>(d.replicas))
      ops.begin_stop(r, "redeployed", after);
    d.spec = std::move(spec);
    d.policy = std::move(*policy);
    d.unhealthy.clear();
    d.backoff.forgive_start_failures();
    d.event("deploy", "", -1,
            "updated: image " + d.spec.image + ", fprocess \"" + d.spec.fprocess + "\"");
    if (d.desired == 0 && !(d.policy.zero && d.policy.min == 0))
      d.desired = std::max(1, d.policy.min);
    ops.reconcile(after);
  }
  run(after);
  return Ok{};
}

void FunctionPool::stop_all(int status, const std::string& why) {
  Actions after;
  {
    std::lock_guard lock(impl_->mu);
    auto& d = *impl_;
    d.stopping_all = true;
    d.stop_status = status;
    d.stop_reason = why;
    d.desired = 0;
    PoolOps ops(shared_from_this(), d);
    ops.fail_queue(status, why, after);
    for (const auto& r : std::vector<std::shared_ptr<Replica>>(d.replicas))
      ops.begin_stop(r, why, after);
    d.publish_gauges_locked();
  }
  run(after);
}

bool FunctionPool::stopped() const {
  std::lock_guard lock(impl_->mu);
  return impl_->replicas.empty();
}

void FunctionPool::tick() {
  Actions after;
  {
    std::lock_guard lock(impl_->mu);
    auto& d = *impl_;
    const auto now = SteadyClock::now();
    // Requests that waited past upstream_timeout for a replica.
    while (!d.queue.empty() &&
           now - d.queue.front()->request.received >= d.settings.upstream_timeout) {
      auto p = d.queue.front();
      d.queue.pop_front();
      after.push_back([p, t = d.settings.upstream_timeout] {
        p->respond(error_reply(
            504, "no replica became free within upstream_timeout (" + format_duration(t) + ")",
            p->request.message.version()));
      });
    }
    if (!d.stopping_all && d.unhealthy.empty()) {
      PoolOps ops(shared_from_this(), d);
      // The autoscaler (OpenFaaS Pro's formula) for functions with a scale type.
      if (d.policy.type != ScalingPolicy::Type::kNone && d.desired > 0) {
        double load = 0;
        if (d.policy.type == ScalingPolicy::Type::kRps) {
          load = d.rps.per_second(now);
        } else {
          for (const auto& r : d.replicas) load += r->inflight;
          load += static_cast<double>(d.queue.size());
        }
        const int recommended = desired_replicas(d.policy, load);
        const int next = d.down_window.stabilise(recommended, d.desired, now, d.policy.down_window);
        if (next != d.desired) {
          char why[96];
          std::snprintf(why, sizeof why, "autoscaler: %s load %.2f",
                        d.policy.type == ScalingPolicy::Type::kRps ? "rps" : "capacity", load);
          d.event("scale", "", -1, why, d.desired, next);
          d.desired = next;
          ops.reconcile(after);
        }
      }
      // Idle functions that may sit at zero go there after zero-duration.
      int inflight = 0;
      for (const auto& r : d.replicas) inflight += r->inflight;
      if (d.policy.zero && d.desired > 0 && d.queue.empty() && inflight == 0 &&
          now - d.last_invocation >= d.policy.zero_duration) {
        d.event("scale", "", -1, "idle for " + format_duration(d.policy.zero_duration), d.desired,
                0);
        d.desired = 0;
        ops.reconcile(after);
      }
    }
    d.publish_gauges_locked();
  }
  run(after);
}

PoolStatus FunctionPool::status() const {
  std::lock_guard lock(impl_->mu);
  const auto& d = *impl_;
  PoolStatus s;
  s.spec = d.spec;
  s.desired = d.desired;
  s.ready = d.count(Replica::State::kReady);
  s.starting = d.count(Replica::State::kStarting);
  s.stopping = d.count(Replica::State::kStopping);
  s.queued = static_cast<int>(d.queue.size());
  for (const auto& r : d.replicas) {
    s.inflight += r->inflight;
    s.replica_names.push_back(r->name);
  }
  s.invocations = d.invocations;
  s.created_unix_s = d.created_unix_s;
  s.unhealthy = d.unhealthy;
  s.routing = d.routing();
  return s;
}

}  // namespace faaslab::runtime
