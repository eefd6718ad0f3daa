#include "runtime/upstream.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <poll.h>

#include <algorithm>
#include <optional>
#include <vector>

namespace faaslab::runtime {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {
constexpr auto kMaxIdleAge = std::chrono::seconds(4);
constexpr std::size_t kMaxIdle = 256;

// An idle HTTP connection has nothing to read: readable means the peer closed it (or sent
// something unasked), so it must not carry a request. One poll() with no wait, like curl's
// check before reusing a connection; asio has no non-blocking "is it closed" query.
bool closed_by_peer(int fd) {
  pollfd p{fd, POLLIN | POLLRDHUP, 0};
  return ::poll(&p, 1, 0) != 0;
}
}  // namespace

namespace {
// Removes hop-by-hop headers (Connection, Keep-Alive, Proxy-*, TE, Trailer, Upgrade) before a
// message is forwarded, as RFC 7230 section 6.1 requires of proxies.
void strip_hop_by_hop(http::fields& f) {
  // Expect too: the 100-continue exchange happened on the incoming connection already.
  for (auto field :
       {http::field::connection, http::field::keep_alive, http::field::proxy_authenticate,
        http::field::proxy_authorization, http::field::proxy_connection, http::field::te,
        http::field::trailer, http::field::upgrade, http::field::expect}) {
    f.erase(field);
  }
}
}  // namespace

struct Upstream::Connection {
  explicit Connection(asio::io_context& ioc) : stream(asio::make_strand(ioc)) {
    buffer.reserve(256 * 1024);
  }
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  std::optional<http::response_parser<http::string_body>> parser;
  bool connected = false;
  SteadyClock::time_point idle_since;
};

Result<std::shared_ptr<Upstream>> Upstream::create(asio::io_context& ioc, std::string host,
                                                   std::uint16_t port,
                                                   std::uint64_t max_response_body) {
  beast::error_code ec;
  tcp::resolver resolver(ioc);
  const auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec || results.empty()) {
    return make_error("cannot resolve upstream host '" + host + "': " + ec.message(),
                      Errc::kUnavailable);
  }
  std::shared_ptr<Upstream> u(new Upstream(ioc, std::move(host), port, max_response_body));
  u->endpoint_ = results.begin()->endpoint();
  return u;
}

std::shared_ptr<Upstream::Connection> Upstream::take_idle() {
  MutexLock lock(mu_);
  const auto now = SteadyClock::now();
  while (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    if (now - c->idle_since < kMaxIdleAge && !closed_by_peer(c->stream.socket().native_handle()))
      return c;
    beast::error_code ec;
    c->stream.socket().close(ec);
  }
  return nullptr;
}

void Upstream::give_back(std::shared_ptr<Connection> conn) {
  const auto now = SteadyClock::now();
  conn->idle_since = now;
  std::vector<std::shared_ptr<Connection>> expired;
  {
    MutexLock lock(mu_);
    // idle_ is oldest first, and reuse takes the newest: after a burst, the connections a
    // steadier load no longer needs sink to the front. They are closed here once too old to be
    // reused, as nginx's upstream keepalive cache drops its least recently used, rather than
    // each holding a descriptor (half-closed once the replica times it out) until the next burst.
    const auto fresh = std::find_if(idle_.begin(), idle_.end(), [now](const auto& c) {
      return now - c->idle_since < kMaxIdleAge;
    });
    expired.assign(std::make_move_iterator(idle_.begin()), std::make_move_iterator(fresh));
    idle_.erase(idle_.begin(), fresh);
    if (idle_.size() < kMaxIdle) idle_.push_back(std::move(conn));
  }
  for (auto& c : expired) {  // idle: no operation of theirs is pending
    beast::error_code ec;
    c->stream.socket().close(ec);
  }
}

void Upstream::close_idle() {
  std::vector<std::shared_ptr<Connection>> idle;
  {
    MutexLock lock(mu_);
    idle.swap(idle_);
  }
  for (auto& c : idle) {
    asio::post(c->stream.get_executor(), [c] {
      beast::error_code ec;
      c->stream.socket().close(ec);
    });
  }
}

void Upstream::send(HttpServerRequest request, Micros timeout, Callback done) {
  auto req = std::make_shared<HttpServerRequest>(std::move(request));
  strip_hop_by_hop(req->base());
  req->version(11);
  req->keep_alive(true);
  req->set(http::field::host, host_ + ":" + std::to_string(port_));
  req->prepare_payload();
  auto conn = take_idle();
  const Attempt kind = conn ? Attempt::kReused : Attempt::kNew;
  if (!conn) conn = std::make_shared<Connection>(ioc_);
  attempt(std::move(conn), kind, std::move(req), SteadyClock::now() + timeout, timeout,
          std::move(done));
}

void Upstream::attempt(std::shared_ptr<Connection> conn, Attempt kind,
                       std::shared_ptr<HttpServerRequest> req, SteadyClock::time_point deadline,
                       Micros timeout, Callback done) {
  auto self = shared_from_this();
  asio::dispatch(conn->stream.get_executor(), [self, conn, kind, req, deadline, timeout,
                                               done = std::move(done)]() mutable {
    auto fail = [self, conn, kind, req, deadline, timeout, done](
                    beast::error_code ec, const char* stage, bool got_response_bytes) mutable {
      beast::error_code ignored;
      conn->stream.socket().close(ignored);
      if (kind == Attempt::kReused && !got_response_bytes && ec != beast::error::timeout) {
        // The upstream closed this idle connection as the request went out: retry once.
        return self->attempt(std::make_shared<Connection>(self->ioc_), Attempt::kRetry, req,
                             deadline, timeout, std::move(done));
      }
      const std::string where = self->host_ + ":" + std::to_string(self->port_);
      if (ec == http::error::body_limit) {
        return done(make_error("upstream " + where + ": the response is larger than " +
                                   std::to_string(self->max_response_body_) + " bytes, the limit",
                               Errc::kTooLarge));
      }
      if (ec == beast::error::timeout) {
        return done(
            make_error("upstream " + where + " did not answer within " + format_duration(timeout),
                       Errc::kTimeout));
      }
      const bool refused = std::string_view(stage) == "connecting";
      if (refused && kind == Attempt::kRetry) {
        return done(make_error("upstream " + where +
                                   ": closed the connection before answering, then refused a "
                                   "new one: " +
                                   ec.message(),
                               Errc::kUnavailable));
      }
      done(make_error(std::string("upstream ") + where + ": " + stage + ": " + ec.message(),
                      refused ? Errc::kConnectFailed : Errc::kUnavailable));
    };

    auto exchange = [self, conn, req, fail, done]() mutable {
      http::async_write(conn->stream, *req,
                        [self, conn, fail, done](beast::error_code ec, std::size_t) mutable {
                          if (ec) return fail(ec, "sending", false);
                          read_response(self, conn, std::move(fail), std::move(done));
                        });
    };

    conn->stream.expires_at(deadline);
    if (conn->connected) return exchange();
    conn->stream.async_connect(self->endpoint_,
                               [conn, exchange, fail](beast::error_code ec) mutable {
                                 if (ec) return fail(ec, "connecting", false);
                                 conn->connected = true;
                                 beast::error_code ignored;
                                 conn->stream.socket().set_option(tcp::no_delay(true), ignored);
                                 exchange();
                               });
  });
}

void Upstream::read_response(std::shared_ptr<Upstream> self, std::shared_ptr<Connection> conn,
                             Fail fail, Callback done) {
  conn->parser.emplace();
  conn->parser->body_limit(self->max_response_body_);
  conn->parser->header_limit(64 * 1024);
  http::async_read(conn->stream, conn->buffer, *conn->parser,
                   [self, conn, fail, done](beast::error_code ec, std::size_t) mutable {
                     if (ec) return fail(ec, "reading the response", conn->parser->got_some());
                     auto res = conn->parser->release();
                     if (res.result_int() >= 100 && res.result_int() < 200) {
                       return read_response(self, conn, std::move(fail), std::move(done));
                     }
                     const bool keep = res.keep_alive();
                     strip_hop_by_hop(res.base());
                     if (keep) {
                       conn->stream.expires_never();
                       self->give_back(conn);
                     } else {
                       beast::error_code ignored;
                       conn->stream.socket().close(ignored);
                     }
                     done(std::move(res));
                   });
}

}  // namespace faaslab::runtime
