// HTTP mode, as of-watchdog's: the function process is started once and kept warm; requests
// are proxied to upstream_url over keep-alive connections. The watchdog reports ready only
// once the upstream accepts connections, so no request meets "connection refused". The
// process's `port` variable is set to upstream_url's port, so a function that reads `port`
// (faaslab-fn does) listens where it is proxied to. Its stdout and stderr go to the log. If it
// exits, the watchdog exits too (of-watchdog's behaviour), for its supervisor to restart.
//
// Outcomes: the upstream's response as it is; exec_timeout passed -> 504; upstream reset or
// closed the connection -> 502; upstream refused it (not running) -> 503 X-OpenFaaS-Internal.
#include <spdlog/spdlog.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <optional>
#include <vector>

#include "common/env.h"
#include "common/mutex.h"
#include "common/not_processed.h"
#include "runtime/async_process.h"
#include "runtime/command_line.h"
#include "runtime/line_log.h"
#include "runtime/upstream.h"
#include "runtime/watchdog.h"

namespace faaslab::runtime {
namespace {

namespace http = boost::beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr auto kProbeInterval = std::chrono::milliseconds(5);
// How long requests are held after a lost answer, waiting to see whether the function died.
constexpr auto kSuspectWait = std::chrono::milliseconds(500);

class HttpRunner : public Runner {
 public:
  HttpRunner(asio::io_context& ioc, const WatchdogConfig& config,
             std::function<void(std::string)> on_exit)
      : ioc_(ioc), config_(config), on_exit_(std::move(on_exit)) {}

  void start(std::function<void(Status)> ready) override {
    auto upstream = Upstream::create(ioc_, config_.upstream.host, config_.upstream.port);
    if (!upstream) return ready(upstream.error_value());
    upstream_ = *upstream;
    SpawnOptions options;
    options.argv = config_.fprocess;
    options.argv[0] = resolve_executable(options.argv[0]);
    options.env = function_environment();
    // Replace (not add: getenv() returns the first of duplicates) the watchdog's own port.
    std::erase_if(options.env, [](const std::string& e) { return e.rfind("port=", 0) == 0; });
    options.env.push_back("port=" + std::to_string(config_.upstream.port));
    options.pipe_stdin = false;
    // In the watchdog's process group: a supervisor that kills the group (the gateway, when a
    // replica does not stop in time) takes the function too, instead of orphaning it.
    options.new_process_group = false;
    auto process = AsyncProcess::spawn(ioc_, options);
    if (!process) return ready(process.error_value());
    process_ = *process;
    log_output(*process_, "fprocess: ");
    auto state = std::make_shared<ReadyState>();
    state->ready = std::move(ready);
    process_->wait_exit([this, state](ProcessExit e) {
      const std::string why = "function process exited (" + e.describe() + ")";
      if (state->ready) {
        auto cb = std::move(state->ready);
        state->ready = nullptr;
        return cb(make_error(why + " before accepting connections", Errc::kUnavailable));
      }
      // Unready first (on_exit_), then refuse: a gateway that re-checks health on the refusal
      // must not find this replica ready again and send the request straight back.
      if (!stopping_ && on_exit_) on_exit_(why);
      release_held(true);
    });
    probe(state);
  }

  void handle(IncomingRequest&& in, std::function<void(HttpServerResponse)> respond) override {
    {
      MutexLock lock(mu_);
      if (exited_) return respond(not_processed(in.message.version()));
      if (suspect_) {
        const unsigned version = in.message.version();
        held_.push_back(Held{std::move(in), version, std::move(respond)});
        return;
      }
    }
    forward(std::move(in), std::move(respond));
  }

  void stop() override {
    stopping_ = true;
    if (upstream_) upstream_->close_idle();
    if (process_) process_->kill(SIGTERM);
  }

 private:
  struct Held {
    std::optional<IncomingRequest> request;  // none: to be refused whatever happens
    unsigned version = 11;
    std::function<void(HttpServerResponse)> respond;
  };

  static HttpServerResponse not_processed(unsigned version) {
    return not_processed_response(503, "function not running", version, "faaslab-watchdog");
  }

  void forward(IncomingRequest&& in, std::function<void(HttpServerResponse)> respond) {
    const unsigned version = in.message.version();
    const Micros timeout =
        config_.exec_timeout.count() > 0 ? config_.exec_timeout : std::chrono::hours(24);
    upstream_->send(std::move(in.message), timeout,
                    [this, version, respond = std::move(respond)](Result<HttpServerResponse> r) {
                      if (r) {
                        r->version(version);
                        return respond(std::move(*r));
                      }
                      if (r.error_code() == Errc::kUnavailable) suspect_death();
                      if (r.error_code() == Errc::kConnectFailed) {
                        // Refused: the function is not listening (it is dying) and never saw
                        // the request. Answered 503 "not processed" once its exit is seen (so
                        // this replica is unready by then) or after kSuspectWait.
                        return refuse_when_settled(version, std::move(respond));
                      }
                      const auto status = r.error_code() == Errc::kTimeout ? 504 : 502;
                      if (status == 502) spdlog::warn("{}", r.error());
                      auto res = json_error_response(status, r.error(), version);
                      respond(std::move(res));
                    });
  }

  // A connection closed or reset without an answer usually means the function is dying. A
  // dying process's connections close before its listening socket does, so for a moment new
  // connections are still accepted, then reset: a request sent then would fail as if the
  // function had processed it. So new requests wait until the process is seen to exit (then
  // they get 503 "not processed", for a gateway to send elsewhere) or, if it lives on, for
  // kSuspectWait, and are then sent.
  void suspect_death() {
    MutexLock lock(mu_);
    if (suspect_ || exited_) return;
    suspect_ = true;
    suspect_timer_.emplace(ioc_, kSuspectWait);
    suspect_timer_->async_wait([this](boost::system::error_code ec) {
      if (!ec) release_held(false);
    });
  }

  // The held requests: answered 503 if the function exited, else sent on.
  void release_held(bool exited) {
    std::vector<Held> held;
    bool refuse = false;
    {
      MutexLock lock(mu_);
      if (exited) {
        exited_ = true;
      } else if (!suspect_) {
        return;  // the timer of a suspicion the exit has already settled
      }
      suspect_ = false;
      held.swap(held_);
      refuse = exited_;
    }
    for (auto& h : held) {
      if (refuse || !h.request) {
        h.respond(not_processed(h.version));
      } else {
        forward(std::move(*h.request), std::move(h.respond));
      }
    }
  }

  void refuse_when_settled(unsigned version, std::function<void(HttpServerResponse)> respond) {
    suspect_death();
    {
      MutexLock lock(mu_);
      if (suspect_) {
        held_.push_back(Held{std::nullopt, version, std::move(respond)});
        return;
      }
    }
    respond(not_processed(version));  // the exit was seen already
  }

  struct ReadyState {
    std::function<void(Status)> ready;
    std::optional<asio::steady_timer> timer;
    std::shared_ptr<tcp::socket> socket;
  };

  // Tries a TCP connection to the upstream every few milliseconds until one is accepted.
  void probe(std::shared_ptr<ReadyState> state) {
    if (!state->ready) return;
    state->socket = std::make_shared<tcp::socket>(process_->executor());
    state->socket->async_connect(
        upstream_->endpoint(), [this, state](boost::system::error_code ec) {
          if (!state->ready) return;
          if (!ec) {
            boost::system::error_code ignored;
            state->socket->close(ignored);
            if (config_.ready_path.empty()) return become_ready(state);
            return probe_ready_path(state);
          }
          state->timer.emplace(process_->executor(), kProbeInterval);
          state->timer->async_wait([this, state](boost::system::error_code) { probe(state); });
        });
  }

  void become_ready(const std::shared_ptr<ReadyState>& state) {
    if (!state->ready) return;
    auto cb = std::move(state->ready);
    state->ready = nullptr;
    cb(Ok{});
  }

  // of-watchdog's ready_path: the upstream accepts connections; now wait for a 2xx there.
  void probe_ready_path(std::shared_ptr<ReadyState> state) {
    HttpServerRequest req(http::verb::get, config_.ready_path, 11);
    upstream_->send(std::move(req), std::chrono::seconds(1),
                    [this, state](Result<HttpServerResponse> r) {
                      if (!state->ready) return;
                      if (r && r->result_int() >= 200 && r->result_int() < 300)
                        return become_ready(state);
                      state->timer.emplace(process_->executor(), kProbeInterval);
                      state->timer->async_wait(
                          [this, state](boost::system::error_code) { probe_ready_path(state); });
                    });
  }

  asio::io_context& ioc_;
  const WatchdogConfig& config_;
  std::function<void(std::string)> on_exit_;
  std::shared_ptr<Upstream> upstream_;
  std::shared_ptr<AsyncProcess> process_;
  std::atomic<bool> stopping_{false};

  Mutex mu_;
  bool suspect_ GUARDED_BY(mu_) = false;  // an answer was lost; new requests are held
  bool exited_ GUARDED_BY(mu_) = false;   // the function process has exited
  std::vector<Held> held_ GUARDED_BY(mu_);
  std::optional<asio::steady_timer> suspect_timer_ GUARDED_BY(mu_);
};

}  // namespace

std::unique_ptr<Runner> make_http_runner(asio::io_context& ioc, const WatchdogConfig& config,
                                         std::function<void(std::string)> on_exit) {
  return std::make_unique<HttpRunner>(ioc, config, std::move(on_exit));
}

}  // namespace faaslab::runtime
