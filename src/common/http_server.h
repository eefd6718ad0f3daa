// An HTTP/1.1 server on Boost.Beast shared by every faaslab server (the function, the watchdog,
// the gateway): `threads` threads run one io_context; each connection lives on its own strand.
//
// Per connection: wait for the first byte (an idle connection holds no read buffer), read the
// header (so a Content-Length over max_body_bytes is refused with 413 before the body is read,
// and Expect: 100-continue is answered), then the body, then hand the request to the handler,
// write its response, and repeat while keep-alive. Malformed requests get 400, oversized
// headers 431, oversized bodies 413, a request not received within read_timeout of its first
// byte 408 (slowloris, a body that never ends), all as {"error": "..."}. A connection idle
// longer than idle_timeout, or whose client does not take its response within write_timeout,
// is closed. Beyond max_connections a new connection is answered 503 (marked not processed)
// and closed; when the process is out of file descriptors, accepting pauses briefly instead of
// spinning. So each connection costs a bounded amount: header_limit + body + one read buffer.
//
// The handler is called on the connection's strand and must eventually call its Responder
// exactly once, from any thread; calling it before returning (a synchronous handler) costs no
// thread hand-off. Every response, the server's own errors included, passes through
// options.decorate before it is written.
//
// Lifetime: start() listens and starts the threads; shutdown() stops accepting, waits for the
// requests in flight (read, not yet fully answered) up to a grace period, then stops. Requests
// read while draining get 503 with X-OpenFaaS-Internal (no handler saw them). The
// handler must stay callable until shutdown() returns. Methods are thread-safe.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/http.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "common/units.h"

namespace faaslab {

using HttpServerRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpServerResponse = boost::beast::http::response<boost::beast::http::string_body>;

struct IncomingRequest {
  HttpServerRequest message;
  SteadyClock::time_point received;  // when the header arrived
};

// Completes one request. Copyable; the first call writes the response, later calls do nothing.
class Responder {
 public:
  struct State;
  explicit Responder(std::shared_ptr<State> state) : state_(std::move(state)) {}
  void operator()(HttpServerResponse response) const;

 private:
  std::shared_ptr<State> state_;
};

using HttpHandler = std::function<void(IncomingRequest&& request, Responder respond)>;

struct HttpServerOptions {
  std::string bind = "127.0.0.1";
  std::uint16_t port = 0;  // 0 = any free port (see port())
  // An already-listening socket to serve instead of binding (socket activation); -1 = bind.
  int listen_fd = -1;
  int threads = 1;
  std::uint64_t max_body_bytes = 32ull << 20;
  std::uint32_t max_header_bytes = 16 * 1024;      // request line and headers together
  Micros read_timeout = std::chrono::seconds(10);  // a whole request, from its first byte
  Micros idle_timeout{0};  // a connection between requests; 0 = read_timeout (as Go's net/http)
  Micros write_timeout = std::chrono::seconds(10);  // to send a response
  // Open connections at most; more are answered 503 and closed (nginx's worker_connections).
  int max_connections = 4096;
  // Applied to every response just before it is written, with the time its request's header
  // arrived.
  std::function<void(HttpServerResponse& response, SteadyClock::time_point received)> decorate;
};

// A response with a JSON error body, {"error": message}.
HttpServerResponse json_error_response(int status, const std::string& message,
                                       unsigned version = 11);

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler);
  ~HttpServer();  // shutdown(0)
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  Status start();
  std::uint16_t port() const;

  // Stops accepting, waits up to `grace` for requests in flight, then closes every connection
  // and joins the threads. Returns the number of requests still in flight. Idempotent.
  int shutdown(Micros grace);
  // The first two steps of shutdown() on their own, for servers with more to stop in between
  // (the gateway stops its replicas while the io_context still runs).
  void stop_accepting();
  bool wait_idle(Micros grace);
  bool draining() const;

  int in_flight() const;
  std::uint64_t served() const;
  int connections() const;  // open now

  // The server's io_context, for handlers that continue asynchronously (e.g. a proxy).
  boost::asio::io_context& io_context();

  struct Impl;  // implementation detail (http_server.cpp)

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace faaslab
