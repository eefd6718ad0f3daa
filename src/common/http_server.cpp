#include "common/http_server.h"

#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/json_error.h"
#include "common/not_processed.h"

namespace faaslab {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {
constexpr std::uint32_t kHeaderLimit = 16 * 1024;
// Beast reads at most the buffer's free capacity per call and the parser drains it as it goes:
// at the default 512 bytes a 2 MB upload takes 4000 reads (~7 ms per MB here).
constexpr std::size_t kReadBufferBytes = 256 * 1024;
}  // namespace

HttpServerResponse json_error_response(int status, const std::string& message, unsigned version) {
  HttpServerResponse res(static_cast<http::status>(status), version);
  res.set(http::field::content_type, "application/json");
  res.body() = json_error(message);
  return res;
}

struct HttpServer::Impl {
  Impl(HttpServerOptions o, HttpHandler h)
      : options(std::move(o)), handler(std::move(h)), acceptor(ioc) {}

  HttpServerOptions options;
  HttpHandler handler;
  asio::io_context ioc;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::atomic<bool> draining{false};
  std::atomic<std::uint64_t> served{0};

  mutable std::mutex mu;
  std::condition_variable idle;
  int in_flight = 0;  // guarded by mu

  void begin_request() {
    std::lock_guard lock(mu);
    ++in_flight;
  }
  void end_request() {
    {
      std::lock_guard lock(mu);
      --in_flight;
    }
    served.fetch_add(1, std::memory_order_relaxed);
    idle.notify_all();
  }
  void do_accept();
};

namespace {

class Session;

}  // namespace

struct Responder::State {
  std::shared_ptr<Session> session;
  std::atomic<bool> done{false};
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  // The server owns the io_context that owns every session, so it outlives them.
  Session(tcp::socket socket, HttpServer::Impl* server)
      : stream_(std::move(socket)), server_(server) {}

  void start() {
    buffer_.reserve(kReadBufferBytes);
    do_read_header();
  }

  // Called on this session's strand (Responder dispatches here).
  void write_response(HttpServerResponse res, bool counted) {
    if (server_->options.decorate) server_->options.decorate(res, received_);
    res.keep_alive(keep_alive_ && res.keep_alive() && !server_->draining);
    res.prepare_payload();
    auto owned = std::make_shared<HttpServerResponse>(std::move(res));
    stream_.expires_after(server_->options.write_timeout);
    http::async_write(
        stream_, *owned,
        [self = shared_from_this(), owned, counted](beast::error_code ec, std::size_t) {
          if (counted) self->server_->end_request();
          if (ec || !owned->keep_alive()) return self->close();
          self->do_read_header();
        });
  }

  asio::any_io_executor executor() { return stream_.get_executor(); }

 private:
  void do_read_header() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(server_->options.max_body_bytes);
    stream_.expires_after(server_->options.read_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
        ec == asio::error::eof) {
      return close();
    }
    received_ = SteadyClock::now();
    if (ec == http::error::header_limit) return reply_error(431, "request header too large");
    // Beast checks Content-Length against the body limit while parsing the header.
    if (ec == http::error::body_limit) {
      const auto len = parser_->content_length();
      return reply_error(413, body_too_large(len ? *len : server_->options.max_body_bytes + 1));
    }
    if (ec) return reply_error(400, "malformed HTTP request: " + ec.message());
    const auto& req = parser_->get();
    if (req[http::field::expect] == "100-continue") {
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_,
                                                                     req.version());
      http::async_write(stream_, *cont,
                        [self = shared_from_this(), cont](beast::error_code e, std::size_t) {
                          if (e) return self->close();
                          self->do_read_body();
                        });
      return;
    }
    do_read_body();
  }

  std::string body_too_large(std::uint64_t len) const {
    return "body of " + std::to_string(len) + " bytes is over the limit of " +
           std::to_string(server_->options.max_body_bytes) + " bytes";
  }

  void do_read_body() {
    if (parser_->is_done()) return on_body({});
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_body(ec); });
  }

  void on_body(beast::error_code ec) {
    if (ec == http::error::body_limit)
      return reply_error(413, body_too_large(server_->options.max_body_bytes + 1));
    if (ec) return close();  // timeout, reset, truncated body: nobody to answer
    IncomingRequest request{parser_->release(), received_};
    keep_alive_ = request.message.keep_alive();
    if (server_->draining) {
      // Marked as the server's own refusal (OpenFaaS's header for that): no handler saw the
      // request, so a gateway may send it elsewhere.
      return write_response(
          not_processed_response(503, "shutting down", request.message.version(), "faaslab"),
          false);
    }
    server_->begin_request();
    auto state = std::make_shared<Responder::State>();
    state->session = shared_from_this();
    try {
      server_->handler(std::move(request), Responder(state));
    } catch (const std::exception& e) {
      spdlog::error("request handler threw: {}", e.what());
      Responder{state}(json_error_response(500, std::string("internal error: ") + e.what()));
    }
  }

  // An error about an unreadable request: answered, then the connection is closed.
  void reply_error(int status, const std::string& message) {
    keep_alive_ = false;
    write_response(json_error_response(status, message), false);
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  SteadyClock::time_point received_ = SteadyClock::now();  // the current request's header arrived
  HttpServer::Impl* server_;
  bool keep_alive_ = true;
};

}  // namespace

void Responder::operator()(HttpServerResponse response) const {
  if (state_->done.exchange(true)) return;
  auto session = state_->session;
  // Runs inline when called on the session's strand (a synchronous handler), else posts there.
  asio::dispatch(session->executor(), [session, response = std::move(response)]() mutable {
    session->write_response(std::move(response), true);
  });
}

void HttpServer::Impl::do_accept() {
  // Each connection gets its own strand: its handlers never run concurrently, whichever of the
  // threads picks them up (the Beast advanced-server pattern).
  acceptor.async_accept(asio::make_strand(ioc),
                        [self = this](beast::error_code ec, tcp::socket socket) {
                          if (ec == asio::error::operation_aborted || !self->acceptor.is_open())
                            return;
                          if (!ec) {
                            socket.set_option(tcp::no_delay(true), ec);
                            std::make_shared<Session>(std::move(socket), self)->start();
                          } else if (ec == asio::error::no_descriptors) {
                            spdlog::warn("accept: out of file descriptors");
                          }
                          self->do_accept();
                        });
}

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() {
  shutdown(Micros(0));
}

Status HttpServer::start() {
  beast::error_code ec;
  if (impl_->options.listen_fd >= 0) {
    impl_->acceptor.assign(tcp::v4(), impl_->options.listen_fd, ec);
    if (ec)
      return make_error("cannot use the inherited listening socket: " + ec.message(),
                        Errc::kUnavailable);
  } else {
    const auto address = asio::ip::make_address(impl_->options.bind, ec);
    if (ec) return make_error("invalid bind address '" + impl_->options.bind + "'");
    const tcp::endpoint endpoint(address, impl_->options.port);
    impl_->acceptor.open(endpoint.protocol(), ec);
    if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) impl_->acceptor.bind(endpoint, ec);
    if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return make_error("cannot listen on " + impl_->options.bind + ":" +
                            std::to_string(impl_->options.port) + ": " + ec.message(),
                        Errc::kUnavailable);
    }
  }
  impl_->work.emplace(impl_->ioc.get_executor());
  impl_->do_accept();
  for (int i = 0; i < std::max(1, impl_->options.threads); ++i) {
    impl_->threads.emplace_back([impl = impl_.get()] { impl->ioc.run(); });
  }
  return Ok{};
}

std::uint16_t HttpServer::port() const {
  beast::error_code ec;
  const auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

bool HttpServer::draining() const {
  return impl_->draining;
}

int HttpServer::in_flight() const {
  std::lock_guard lock(impl_->mu);
  return impl_->in_flight;
}

std::uint64_t HttpServer::served() const {
  return impl_->served.load();
}

asio::io_context& HttpServer::io_context() {
  return impl_->ioc;
}

void HttpServer::stop_accepting() {
  if (impl_->draining.exchange(true)) return;
  asio::post(impl_->ioc, [impl = impl_.get()] {
    beast::error_code ec;
    impl->acceptor.close(ec);
  });
}

bool HttpServer::wait_idle(Micros grace) {
  std::unique_lock lock(impl_->mu);
  return impl_->idle.wait_for(lock, grace, [&] { return impl_->in_flight == 0; });
}

int HttpServer::shutdown(Micros grace) {
  if (impl_->threads.empty()) return 0;
  stop_accepting();
  wait_idle(grace);
  const int left = in_flight();
  impl_->work.reset();
  impl_->ioc.stop();
  for (auto& t : impl_->threads) {
    if (t.get_id() == std::this_thread::get_id()) {
      t.detach();  // shutdown called from a handler: cannot join ourselves
    } else {
      t.join();
    }
  }
  impl_->threads.clear();
  return left;
}

}  // namespace faaslab
