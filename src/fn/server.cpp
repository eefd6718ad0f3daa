#include "fn/server.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>

#include "common/http_server.h"

namespace faaslab::fn {

namespace http = boost::beast::http;

namespace {

HttpServerResponse to_http(FnResponse fr, unsigned version) {
  HttpServerResponse res(static_cast<http::status>(fr.status), version);
  res.set(http::field::content_type, fr.content_type);
  for (const auto& [k, v] : fr.headers) res.set(k, v);
  res.body() = std::move(fr.body);
  return res;
}

}  // namespace

struct FunctionServer::Impl {
  explicit Impl(ServerOptions o) : options(std::move(o)) {}

  ServerOptions options;
  std::unique_ptr<HttpServer> http;
  RequestHandler handler;  // written once, under mu, before `ready` is set
  std::atomic<bool> ready{false};
  std::mutex mu;
  std::condition_variable became_ready;

  // Blocks until set_handler() has run, for at most `timeout`; false if it has not.
  bool wait_ready(Micros timeout) {
    if (ready.load(std::memory_order_acquire)) return true;
    std::unique_lock lock(mu);
    return became_ready.wait_for(lock, timeout,
                                 [&] { return ready.load(std::memory_order_acquire); });
  }

  void handle(IncomingRequest&& in, const Responder& respond) {
    const auto& req = in.message;
    const auto target = req.target();
    const auto path = target.substr(0, target.find('?'));
    if (path == "/_/health" &&
        (req.method() == http::verb::get || req.method() == http::verb::head)) {
      if (ready && !http->draining()) {
        HttpServerResponse ok(http::status::ok, req.version());
        ok.set(http::field::content_type, "text/plain");
        ok.body() = "OK\n";
        return respond(std::move(ok));
      }
      return respond(json_error_response(
          503, http->draining() ? "shutting down" : "not ready: loading the model", req.version()));
    }
    FnRequest fr;
    fr.method = std::string(req.method_string());
    fr.target = std::string(target);
    fr.accept = std::string(req[http::field::accept]);
    fr.body = std::move(in.message.body());
    // A request that arrives while the model loads waits for it rather than failing: the first
    // request to a cold function is answered, not refused.
    if (!wait_ready(options.read_timeout)) {
      return respond(
          to_http(error_response(503, "not ready: the model did not load in time"), req.version()));
    }
    respond(to_http(handler(fr), req.version()));
  }
};

FunctionServer::FunctionServer(ServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {
  HttpServerOptions o;
  o.bind = impl_->options.bind;
  o.port = impl_->options.port;
  o.listen_fd = impl_->options.listen_fd;
  o.threads = impl_->options.workers;
  o.max_body_bytes = impl_->options.max_body_bytes;
  o.read_timeout = impl_->options.read_timeout;
  o.write_timeout = impl_->options.write_timeout;
  o.decorate = [](HttpServerResponse& res, SteadyClock::time_point received) {
    // The timing headers are on every response; zero where no frame was processed.
    for (const char* name : {"X-Faces", "X-ML-Seconds", "X-Handler-Seconds"}) {
      if (res.find(name) == res.end()) res.set(name, "0");
    }
    res.set("X-Duration-Seconds",
            format_seconds(std::chrono::duration<double>(SteadyClock::now() - received).count()));
  };
  impl_->http = std::make_unique<HttpServer>(
      std::move(o), [impl = impl_.get()](IncomingRequest&& r, Responder respond) {
        impl->handle(std::move(r), respond);
      });
}

FunctionServer::~FunctionServer() {
  shutdown(Micros(0));
}

Status FunctionServer::start() {
  return impl_->http->start();
}

std::uint16_t FunctionServer::port() const {
  return impl_->http->port();
}

void FunctionServer::set_handler(RequestHandler handler) {
  {
    std::lock_guard lock(impl_->mu);
    impl_->handler = std::move(handler);
    impl_->ready.store(true, std::memory_order_release);
  }
  impl_->became_ready.notify_all();
}

bool FunctionServer::ready() const {
  return impl_->ready && !impl_->http->draining();
}

int FunctionServer::shutdown(Micros grace) {
  return impl_->http->shutdown(grace);
}

std::uint64_t FunctionServer::requests_served() const {
  return impl_->http->served();
}

int FunctionServer::in_flight() const {
  return impl_->http->in_flight();
}

}  // namespace faaslab::fn
