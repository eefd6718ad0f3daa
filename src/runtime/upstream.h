// An asynchronous HTTP/1.1 client for one upstream (host:port) with a pool of keep-alive
// connections: what the http-mode watchdog uses to reach its function, and the gateway to
// reach a replica. Requests are sent whole and responses read whole (bodies are frames of a few
// MB at most).
//
// Thread-safe. Callbacks run on the connection's strand of the io_context given. Lifetime: a
// shared_ptr; connections in flight keep it alive. Idle connections older than
// kMaxIdleAge are dropped rather than reused, staying under the servers' idle timeouts.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>
#include "common/mutex.h"

#include "common/http_server.h"
#include "common/result.h"
#include "common/units.h"

namespace faaslab::runtime {

class Upstream : public std::enable_shared_from_this<Upstream> {
 public:
  // A response's body is held in memory whole, so it has a limit; twice the classic watchdog's
  // 64 MiB output limit would be no limit at all for memory, so the same.
  static constexpr std::uint64_t kDefaultMaxResponseBody = 64ull << 20;

  // Resolves host once, now. Errors if it cannot be resolved.
  static Result<std::shared_ptr<Upstream>> create(
      boost::asio::io_context& ioc, std::string host, std::uint16_t port,
      std::uint64_t max_response_body = kDefaultMaxResponseBody);

  // Errors: Errc::kTimeout (no whole response within `timeout`), Errc::kConnectFailed (refused:
  // nothing was sent, safe to send elsewhere), Errc::kUnavailable (reset, closed before
  // answering, malformed response), Errc::kTooLarge (a body over max_response_body: refused
  // from its Content-Length, or once that many bytes came; the connection is closed). An idle
  // connection the upstream has closed is never reused (checked before each reuse, as curl does). A
  // reused connection that still fails before any response byte (closed while the request was on
  // its way) is retried once on a new one; if that one is refused the error is kUnavailable, not
  // kConnectFailed, because the first attempt may have reached the upstream.
  using Callback = std::function<void(Result<HttpServerResponse>)>;
  void send(HttpServerRequest request, Micros timeout, Callback done);

  // Closes pooled idle connections (the upstream is going away).
  void close_idle();

  // Where it connects (resolved once, by create()).
  const boost::asio::ip::tcp::endpoint& endpoint() const { return endpoint_; }

 private:
  struct Connection;
  // Fails an attempt: the error, the stage it failed in, whether any response byte came.
  using Fail = std::function<void(boost::system::error_code, const char* stage, bool)>;

  Upstream(boost::asio::io_context& ioc, std::string host, std::uint16_t port,
           std::uint64_t max_response_body)
      : ioc_(ioc), host_(std::move(host)), port_(port), max_response_body_(max_response_body) {}
  enum class Attempt { kNew, kReused, kRetry };
  void attempt(std::shared_ptr<Connection> conn, Attempt kind,
               std::shared_ptr<HttpServerRequest> request, SteadyClock::time_point deadline,
               Micros timeout, Callback done);
  std::shared_ptr<Connection> take_idle();
  void give_back(std::shared_ptr<Connection> conn);
  // Reads the response to the request just written, skipping interim 1xx responses.
  static void read_response(std::shared_ptr<Upstream> self, std::shared_ptr<Connection> conn,
                            Fail fail, Callback done);

  boost::asio::io_context& ioc_;
  const std::string host_;
  const std::uint16_t port_;
  const std::uint64_t max_response_body_;
  boost::asio::ip::tcp::endpoint endpoint_;
  Mutex mu_;
  std::vector<std::shared_ptr<Connection>> idle_ GUARDED_BY(mu_);
};

}  // namespace faaslab::runtime
