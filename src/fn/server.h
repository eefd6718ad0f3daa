// faaslab-fn's HTTP server (Boost.Beast): `workers` threads share one io_context; each reads
// requests, runs the handler inline and writes the response, so at most `workers` frames are
// processed at once and a request is never handed between threads. Health checks are answered
// by any thread not busy with a frame.
//
// Routes: GET /_/health (200 once a handler is set, 503 before and while draining); anything
// else goes to the handler. Limits are checked before work is done: a Content-Length over
// max_body_bytes is refused with 413 before the body is read. Every response carries
// X-Duration-Seconds (header received -> response ready).
//
// Lifetime: start() binds and starts the threads; set_handler() makes the server ready;
// shutdown() stops accepting, waits for in-flight requests, then stops. The handler and
// anything it references must outlive shutdown(). Methods are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/result.h"
#include "common/units.h"
#include "fn/handler.h"

namespace faaslab::fn {

struct ServerOptions {
  std::string bind = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 = any free port (see port())
  int workers = 1;
  std::uint64_t max_body_bytes = 32ull << 20;
  Micros read_timeout = std::chrono::seconds(10);
  Micros write_timeout = std::chrono::seconds(10);
};

using RequestHandler = std::function<FnResponse(const FnRequest&)>;

class FunctionServer {
 public:
  explicit FunctionServer(ServerOptions options);
  ~FunctionServer();
  FunctionServer(const FunctionServer&) = delete;
  FunctionServer& operator=(const FunctionServer&) = delete;

  Status start();
  std::uint16_t port() const;

  // Call once; the server is ready (health 200) from then on.
  void set_handler(RequestHandler handler);
  bool ready() const;

  // Stops accepting and reports not ready, waits up to `grace` for requests being processed or
  // written, then closes every connection. Returns how many requests were still in flight.
  int shutdown(Micros grace);

  std::uint64_t requests_served() const;
  // Requests read and not yet fully answered (queued, being processed or being written).
  int in_flight() const;

  struct Impl;  // implementation detail (server.cpp)

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace faaslab::fn
