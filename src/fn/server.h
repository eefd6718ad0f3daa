// faaslab-fn's HTTP front: the shared HttpServer (common/http_server.h) with `workers` threads,
// each running the handler inline on the request it read, so at most `workers` frames are
// processed at once and a request is never handed between threads. Health checks are answered
// by any thread not busy with a frame.
//
// Routes: GET /_/health (200 once a handler is set, 503 before and while draining); anything
// else goes to the handler. A request that arrives before the handler is set waits for it (up
// to read_timeout, then 503), so the first request to a cold function is answered. Every
// response carries X-Duration-Seconds (header received -> response ready) and the timing
// headers X-Faces, X-ML-Seconds, X-Handler-Seconds (zero where no frame was processed).
//
// Lifetime: start() listens and starts the threads; set_handler() makes the server ready;
// shutdown() stops accepting, waits for in-flight requests, then stops. The handler and
// anything it references must outlive shutdown(). Methods are thread-safe.
#pragma once

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
  int listen_fd = -1;         // inherited listening socket (LISTEN_FDS), instead of bind/port
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
  // Requests read and not yet fully answered (being processed or being written).
  int in_flight() const;

  struct Impl;  // implementation detail (server.cpp)

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace faaslab::fn
