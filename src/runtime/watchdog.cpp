#include "runtime/watchdog.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <optional>
#include <thread>

#include "common/env.h"
#include "common/lock_file.h"
#include "common/mutex.h"
#include "common/not_processed.h"
#include "common/shutdown_signals.h"
#include "runtime/resource_limits.h"

namespace faaslab::runtime {

namespace http = boost::beast::http;

namespace {

HttpServerResponse text_response(http::status status, const std::string& body, unsigned version) {
  HttpServerResponse res(status, version);
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.body() = body;
  return res;
}

}  // namespace

struct Watchdog::Impl {
  std::optional<ShutdownSignals> signals;  // from start()
  explicit Impl(WatchdogConfig c) : config(std::move(c)), lock(temp_dir() + "/.lock") {}

  WatchdogConfig config;
  std::unique_ptr<HttpServer> http;
  std::unique_ptr<Runner> runner;
  LockFile lock;
  LimitsReport limits;

  std::atomic<bool> ready{false};
  std::atomic<bool> stopping{false};  // SIGTERM received: health 503
  std::atomic<int> inflight{0};
  Mutex mu;
  CondVar state_changed;
  std::string fatal GUARDED_BY(mu);  // why the watchdog must exit (function process died)
  std::atomic<std::int64_t> last_refused_ns{0};  // steady clock: the last request refused as
                                                 // not ready (health probes not counted)

  bool wait_ready(Micros timeout) {
    if (ready) return true;
    MutexLock l(mu);
    return state_changed.wait_for(mu, timeout, [&] {
      mu.assert_held();
      return ready.load() || !fatal.empty();
    }) && ready;
  }

  void handle(IncomingRequest&& in, const Responder& respond) {
    const auto& req = in.message;
    const auto target = req.target();
    const auto path = target.substr(0, target.find('?'));
    const bool probe = req.method() == http::verb::get || req.method() == http::verb::head;
    if (probe && path == "/_/health") {
      if (ready && !stopping) return respond(text_response(http::status::ok, "OK", req.version()));
      return respond(text_response(http::status::service_unavailable,
                                   stopping ? "shutting down" : "not ready", req.version()));
    }
    if (probe && path == "/_/ready") {
      if (!ready || stopping) {
        return respond(
            text_response(http::status::service_unavailable, "not ready", req.version()));
      }
      if (config.max_inflight > 0 && inflight.load() >= config.max_inflight) {
        return respond(text_response(http::status::too_many_requests, "saturated", req.version()));
      }
      return respond(text_response(http::status::ok, "OK", req.version()));
    }
    // The concurrency limiter, as of-watchdog's: over max_inflight -> 429 at once.
    if (config.max_inflight > 0 && inflight.fetch_add(1) >= config.max_inflight) {
      inflight.fetch_sub(1);
      auto res = text_response(http::status::too_many_requests,
                               "Concurrent request limit exceeded. Max concurrent requests: " +
                                   std::to_string(config.max_inflight) + "\n",
                               req.version());
      mark_not_processed(res, "faaslab-watchdog");
      return respond(std::move(res));
    }
    if (config.max_inflight <= 0) inflight.fetch_add(1);
    auto done = [this, respond](HttpServerResponse res) {
      inflight.fetch_sub(1);
      respond(std::move(res));
    };
    if (!wait_ready(config.read_timeout)) {
      // Marked as the watchdog's own answer: the function never saw the request, so a gateway
      // may send it to another replica.
      last_refused_ns = SteadyClock::now().time_since_epoch().count();
      auto res =
          text_response(http::status::service_unavailable, "function not ready", req.version());
      mark_not_processed(res, "faaslab-watchdog");
      return done(std::move(res));
    }
    runner->handle(std::move(in), std::move(done));
  }

  void set_fatal(std::string why) {
    {
      MutexLock l(mu);
      if (fatal.empty()) fatal = std::move(why);
    }
    ready = false;
    state_changed.notify_all();
    ::kill(::getpid(), SIGUSR1);  // wakes run_until_signal() at once
  }
};

Watchdog::Watchdog(WatchdogConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}

Watchdog::~Watchdog() {
  if (impl_->runner) impl_->runner->stop();
  if (impl_->http) impl_->http->shutdown(Micros(0));
  impl_->runner.reset();
  release_limits(impl_->limits);
}

Status Watchdog::start() {
  auto& c = impl_->config;
  // Shutdown signals are taken by run_until_signal(); block them before any thread exists.
  impl_->signals.emplace(std::initializer_list<int>{SIGUSR1});  // SIGUSR1: set_fatal()'s wake-up

  impl_->limits = apply_limits(c.cpus, c.cpu_list, c.memory_bytes, c.node_cgroups);
  for (const auto& e : impl_->limits.enforced) spdlog::info("limit enforced: {}", e);
  for (const auto& e : impl_->limits.not_enforced) spdlog::warn("limit NOT enforced: {}", e);

  HttpServerOptions o;
  o.bind = c.bind;
  o.port = c.port;
  o.listen_fd = c.listen_fd;
  o.threads = c.threads > 0 ? c.threads : available_cores();
  o.max_body_bytes = c.max_body_bytes;
  o.read_timeout = c.read_timeout;
  o.write_timeout = c.write_timeout;
  o.decorate = [](HttpServerResponse& res, SteadyClock::time_point received) {
    res.set("X-Duration-Seconds",
            format_seconds(std::chrono::duration<double>(SteadyClock::now() - received).count()));
  };
  impl_->http = std::make_unique<HttpServer>(
      std::move(o), [impl = impl_.get()](IncomingRequest&& r, Responder respond) {
        impl->handle(std::move(r), respond);
      });
  auto& ioc = impl_->http->io_context();
  if (c.mode == WatchdogMode::kClassic) {
    impl_->runner = make_classic_runner(ioc, c);
  } else if (c.mode == WatchdogMode::kFork) {
    impl_->runner = make_fork_runner(ioc, c);
  } else {
    impl_->runner = make_http_runner(
        ioc, c, [impl = impl_.get()](std::string why) { impl->set_fatal(std::move(why)); });
  }
  if (auto st = impl_->http->start(); !st) return st;
  impl_->runner->start([impl = impl_.get()](Status st) {
    if (!st) {
      spdlog::error("function did not start: {}", st.error());
      impl->set_fatal(st.error());
      return;
    }
    {
      MutexLock l(impl->mu);
      impl->ready = true;
    }
    impl->state_changed.notify_all();
    if (!impl->config.suppress_lock) {
      if (auto lock = impl->lock.create(); !lock) spdlog::warn("{}", lock.error());
    }
    spdlog::info("watchdog ready on 127.0.0.1:{} (mode {}, fprocess \"{}\")", impl->http->port(),
                 watchdog_mode_name(impl->config.mode), impl->config.fprocess_text);
  });
  return Ok{};
}

std::uint16_t Watchdog::port() const {
  return impl_->http ? impl_->http->port() : 0;
}

bool Watchdog::ready() const {
  return impl_->ready && !impl_->stopping;
}

int Watchdog::run_until_signal() {
  for (;;) {
    const auto sig = impl_->signals->wait_for(std::chrono::milliseconds(100));
    if (sig == SIGTERM || sig == SIGINT) {
      spdlog::info("received {}; shutting down", ShutdownSignals::name(*sig));
      shutdown();
      return 0;
    }
    // The gateway that started this replica is gone (killed: it had no chance to stop its
    // replicas): nobody routes here any more, so stop as if told to, taking the function with
    // it, instead of living on orphaned. Polled with getppid() rather than asked of the kernel
    // with PR_SET_PDEATHSIG: posix_spawn cannot set that between fork and exec, and it fires
    // when the *thread* that spawned the child ends, which for a gateway is any of its I/O
    // threads; getppid() changes only when the parent process is gone, and a parent that died
    // before this watchdog started is seen too.
    if (impl_->config.parent_pid > 0 && ::getppid() != impl_->config.parent_pid) {
      spdlog::warn("the gateway (pid {}) that started this replica is gone; shutting down",
                   impl_->config.parent_pid);
      shutdown();
      return 1;
    }
    std::string fatal;
    {
      MutexLock l(impl_->mu);
      fatal = impl_->fatal;
    }
    if (!fatal.empty()) {
      spdlog::error("exiting: {}", fatal);
      impl_->lock.remove();
      impl_->runner->stop();
      // Requests still arriving (a gateway has not yet seen this replica go, or sends on a
      // keep-alive connection) get 503 "not processed" from handle() rather than a reset,
      // until none has come for a moment; at most 2 s.
      refuse_until_quiet(std::chrono::milliseconds(250), std::chrono::seconds(2));
      impl_->http->shutdown(Micros(0));
      return 1;
    }
  }
}

void Watchdog::refuse_until_quiet(Micros quiet, Micros limit) {
  const auto start = SteadyClock::now();
  impl_->last_refused_ns = start.time_since_epoch().count();
  for (int i = 0; i < 10'000; ++i) {  // bounded twice: by `limit` and by count
    const auto now = SteadyClock::now();
    const SteadyClock::time_point last{SteadyClock::duration{impl_->last_refused_ns.load()}};
    if (now - start >= limit || (now - last >= quiet && impl_->http->in_flight() == 0)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void Watchdog::shutdown() {
  auto& c = impl_->config;
  impl_->stopping = true;
  impl_->lock.remove();
  // Keep serving while an orchestrator notices the failing health check (of-watchdog).
  if (c.healthcheck_interval.count() > 0) std::this_thread::sleep_for(c.healthcheck_interval);
  const int left = impl_->http->shutdown(c.write_timeout);
  if (left > 0) spdlog::warn("{} requests still in flight after the drain", left);
  impl_->runner->stop();
  spdlog::info("served {} requests", impl_->http->served());
}

}  // namespace faaslab::runtime
