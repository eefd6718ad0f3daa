#include "common/http_server.h"

#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>

#include <atomic>
#include <optional>
#include <thread>
#include <vector>

#include "common/json_error.h"
#include "common/mutex.h"
#include "common/not_processed.h"
#include "common/open_file_limit.h"

namespace faaslab {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {
// Beast reads at most the buffer's free capacity per call and the parser drains it as it goes:
// at the default 512 bytes a 2 MB upload takes 4000 reads (~7 ms per MB here). Reserved only
// for a body this large, and given back between requests, so idle connections cost no buffer.
constexpr std::size_t kReadBufferBytes = 256 * 1024;
constexpr std::uint64_t kLargeBody = 16 * 1024;
// Out of file descriptors: accept again after this pause rather than spin on EMFILE.
constexpr auto kAcceptPause = std::chrono::milliseconds(50);
}  // namespace

HttpServerResponse json_error_response(int status, const std::string& message, unsigned version) {
  HttpServerResponse res(static_cast<http::status>(status), version);
  res.set(http::field::content_type, "application/json");
  res.body() = json_error(message);
  return res;
}

struct HttpServer::Impl {
  Impl(HttpServerOptions o, HttpHandler h)
      : options(std::move(o)), handler(std::move(h)), acceptor(ioc), accept_pause(ioc) {
    if (options.idle_timeout <= Micros(0)) options.idle_timeout = options.read_timeout;
  }

  HttpServerOptions options;
  HttpHandler handler;
  asio::io_context ioc;
  tcp::acceptor acceptor;
  asio::steady_timer accept_pause;  // used only by the accept loop
  bool accept_paused = false;       // used only by the accept loop
  std::vector<std::thread> threads;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::atomic<bool> draining{false};
  std::atomic<std::uint64_t> served{0};
  std::atomic<int> connections{0};  // sessions alive

  mutable Mutex mu;
  CondVar idle;
  int in_flight GUARDED_BY(mu) = 0;

  void begin_request() {
    MutexLock lock(mu);
    ++in_flight;
  }
  void end_request() {
    {
      MutexLock lock(mu);
      --in_flight;
    }
    served.fetch_add(1, std::memory_order_relaxed);
    idle.notify_all();
  }
  void do_accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
  void refuse_connection(tcp::socket& socket);
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
      : stream_(std::move(socket)), read_deadline_(stream_.get_executor()), server_(server) {
    server_->connections.fetch_add(1, std::memory_order_relaxed);
  }
  ~Session() { server_->connections.fetch_sub(1, std::memory_order_relaxed); }

  void start() { wait_for_request(); }

  // Called on this session's strand (Responder dispatches here).
  void write_response(HttpServerResponse res, bool counted) {
    if (server_->options.decorate) server_->options.decorate(res, received_);
    res.keep_alive(keep_alive_ && res.keep_alive() && !server_->draining);
    res.prepare_payload();
    auto owned = std::make_shared<HttpServerResponse>(std::move(res));
    // A client that does not take its response within write_timeout is closed (beast's stream
    // timeout closes the socket).
    stream_.expires_after(server_->options.write_timeout);
    http::async_write(
        stream_, *owned,
        [self = shared_from_this(), owned, counted](beast::error_code ec, std::size_t) {
          if (counted) self->server_->end_request();
          self->stream_.expires_never();
          if (ec || !owned->keep_alive()) return self->close();
          self->wait_for_request();
        });
  }

  asio::any_io_executor executor() { return stream_.get_executor(); }

 private:
  // Between requests: with nothing buffered, wait (up to idle_timeout) for the socket to turn
  // readable before holding a read buffer; a pipelined request already buffered goes straight on.
  void wait_for_request() {
    if (buffer_.size() > 0) return do_read_header();
    buffer_.shrink_to_fit();
    arm_deadline(server_->options.idle_timeout);
    stream_.socket().async_wait(tcp::socket::wait_read,
                                [self = shared_from_this()](beast::error_code ec) {
                                  self->disarm_deadline();
                                  if (ec || self->timed_out_) return self->close();
                                  self->do_read_header();
                                });
  }

  // A read that must finish by the deadline: on expiry the pending read is cancelled and its
  // handler sees timed_out_ (beast's own stream timeout would close the socket, leaving no way
  // to answer 408).
  // A generation number makes an expiry that was already queued when the read finished (so
  // cancel() came too late to stop it) a no-op instead of cancelling the next operation.
  void arm_deadline(Micros timeout) {
    timed_out_ = false;
    read_deadline_.expires_after(timeout);
    read_deadline_.async_wait(
        [self = shared_from_this(), generation = ++deadline_generation_](beast::error_code ec) {
          if (ec || generation != self->deadline_generation_) return;
          self->timed_out_ = true;
          self->stream_.cancel();
        });
  }
  void disarm_deadline() {
    ++deadline_generation_;
    read_deadline_.cancel();
  }

  void do_read_header() {
    parser_.emplace();
    parser_->header_limit(server_->options.max_header_bytes);
    parser_->body_limit(server_->options.max_body_bytes);
    arm_deadline(server_->options.read_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  // The first byte of this request arrived, but not the whole of it in time: 408 (nginx and Go
  // answer a slow client so too), then close.
  void request_timed_out() {
    reply_error(408, "request not received within " +
                         std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                            server_->options.read_timeout)
                                            .count()) +
                         " ms");
  }

  void on_header(beast::error_code ec) {
    if (timed_out_) return request_timed_out();
    if (ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
        ec == asio::error::operation_aborted || ec == asio::error::eof) {
      disarm_deadline();
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
                          if (e) {
                            self->disarm_deadline();
                            return self->close();
                          }
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
    const auto len = parser_->content_length();
    if ((!len || *len > kLargeBody) && buffer_.capacity() < kReadBufferBytes)
      buffer_.reserve(kReadBufferBytes);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_body(ec); });
  }

  void on_body(beast::error_code ec) {
    if (timed_out_) return request_timed_out();
    disarm_deadline();
    if (ec == http::error::body_limit)
      return reply_error(413, body_too_large(server_->options.max_body_bytes + 1));
    if (ec) return close();  // reset, truncated body: nobody to answer
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
    disarm_deadline();
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
  asio::steady_timer read_deadline_;  // on the session's strand, like the stream
  bool timed_out_ = false;
  std::uint64_t deadline_generation_ = 0;
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
                          self->on_accept(ec, std::move(socket));
                        });
}

void HttpServer::Impl::on_accept(beast::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
  if (ec == asio::error::no_descriptors) {
    // The pending connection stays in the backlog; accepting at once would fail again at once.
    if (!accept_paused)
      spdlog::warn("accept: out of file descriptors; retrying every {} ms", kAcceptPause.count());
    accept_paused = true;
    accept_pause.expires_after(kAcceptPause);
    accept_pause.async_wait([self = this](beast::error_code e) {
      if (!e) self->do_accept();
    });
    return;
  }
  accept_paused = false;
  if (!ec) {
    if (connections.load(std::memory_order_relaxed) >= options.max_connections) {
      refuse_connection(socket);
    } else {
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<Session>(std::move(socket), this)->start();
    }
  }
  do_accept();
}

// Over max_connections: a short 503 written without waiting (a fresh socket's send buffer takes
// it) and the connection closed, so the client learns why instead of seeing a reset.
void HttpServer::Impl::refuse_connection(tcp::socket& socket) {
  auto res = not_processed_response(503, "too many connections", 11, "faaslab");
  res.keep_alive(false);
  if (options.decorate) options.decorate(res, SteadyClock::now());
  res.prepare_payload();
  beast::error_code ec;
  socket.non_blocking(true, ec);
  http::write(socket, res, ec);
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() {
  shutdown(Micros(0));
}

Status HttpServer::start() {
  // Every faaslab server process serves up to max_connections: make sure the descriptors for
  // them exist (a process-wide setting, but one every process with a server wants).
  raise_open_file_limit();
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
  MutexLock lock(impl_->mu);
  return impl_->in_flight;
}

int HttpServer::connections() const {
  return impl_->connections.load(std::memory_order_relaxed);
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
  MutexLock lock(impl_->mu);
  return impl_->idle.wait_for(impl_->mu, grace, [&] {
    impl_->mu.assert_held();
    return impl_->in_flight == 0;
  });
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
