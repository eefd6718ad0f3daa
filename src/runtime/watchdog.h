// The watchdog: an OpenFaaS-compatible front for a function process, in one of two modes
// (watchdog_classic.cpp, watchdog_http.cpp) behind one HTTP layer that does what both OpenFaaS
// watchdogs share: /_/health and /_/ready, the max_inflight limiter (429 with
// X-OpenFaaS-Internal), X-Duration-Seconds on every response, the lock file, and the
// SIGTERM sequence (lock removed and health 503 at once, keep serving for
// healthcheck_interval, then stop accepting and drain for up to write_timeout).
//
// Thread-safe. Lifetime: start() then run_until_signal() or shutdown(); children are killed
// when the watchdog is destroyed.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "common/http_server.h"
#include "runtime/watchdog_config.h"

namespace faaslab::runtime {

// One execution mode.
class Runner {
 public:
  virtual ~Runner() = default;
  // Brings the mode up; calls ready() once it can serve (http: the upstream accepts
  // connections), or with an error (the process could not start or died first).
  virtual void start(std::function<void(Status)> ready) = 0;
  // Serves one request; calls respond exactly once, from any thread.
  virtual void handle(IncomingRequest&& request,
                      std::function<void(HttpServerResponse)> respond) = 0;
  // Kills what start() started.
  virtual void stop() = 0;
};

std::unique_ptr<Runner> make_classic_runner(boost::asio::io_context& ioc,
                                            const WatchdogConfig& config);
// Fork mode (watchdog_fork.cpp): fprocess started once as a template (common/fork_server.h).
std::unique_ptr<Runner> make_fork_runner(boost::asio::io_context& ioc,
                                         const WatchdogConfig& config);
// How fork mode's log lines begin when its template dies and when a new one is ready: the
// gateway's pool turns them into the replica events template_exit and template_restart.
inline constexpr std::string_view kForkTemplateExited = "fork template exited";
inline constexpr std::string_view kForkTemplateRestarted = "fork template restarted";
// `on_exit` is called if the function process exits by itself (the watchdog then exits too,
// as of-watchdog does, so its supervisor restarts it).
std::unique_ptr<Runner> make_http_runner(boost::asio::io_context& ioc, const WatchdogConfig& config,
                                         std::function<void(std::string)> on_exit);

class Watchdog {
 public:
  explicit Watchdog(WatchdogConfig config);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Applies the limits, listens, starts the runner. Returns once listening; readiness follows
  // asynchronously (requests that arrive meanwhile wait for it, up to read_timeout).
  Status start();
  std::uint16_t port() const;
  bool ready() const;

  // Blocks until SIGTERM/SIGINT (which the caller must have blocked in every thread) or until
  // the function process dies in http mode; then shuts down. Returns the exit code.
  int run_until_signal();

  // The shutdown sequence (see the top of this file).
  void shutdown();

  struct Impl;

 private:
  // After the function died: waits until no request has been refused for `quiet` and none is in
  // flight, at most `limit`, so late requests get an answer rather than a reset.
  void refuse_until_quiet(Micros quiet, Micros limit);

  std::unique_ptr<Impl> impl_;
};

}  // namespace faaslab::runtime
