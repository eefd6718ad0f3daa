#include "fn/server.h"

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/clock.h"

namespace faaslab::fn {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {
constexpr std::uint32_t kHeaderLimit = 16 * 1024;
constexpr std::size_t kReadBufferBytes = 256 * 1024;

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", s);
  return buf;
}
}  // namespace

struct FunctionServer::Impl {
  explicit Impl(ServerOptions o) : options(std::move(o)), acceptor(ioc) {}

  ServerOptions options;
  asio::io_context ioc;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;

  RequestHandler handler;  // written once before `ready` is set
  std::atomic<bool> ready{false};
  std::atomic<bool> draining{false};
  std::atomic<std::uint64_t> served{0};

  std::mutex mu;
  std::condition_variable idle;
  std::condition_variable became_ready;
  int in_flight = 0;  // guarded by mu

  // Blocks until set_handler() has run, for at most `timeout`; false if it has not.
  bool wait_ready(Micros timeout) {
    if (ready.load(std::memory_order_acquire)) return true;
    std::unique_lock lock(mu);
    return became_ready.wait_for(lock, timeout,
                                 [&] { return ready.load(std::memory_order_acquire); });
  }

  void begin_request() {
    std::lock_guard lock(mu);
    ++in_flight;
  }
  void end_request() {
    {
      std::lock_guard lock(mu);
      --in_flight;
    }
    idle.notify_all();
  }

  void do_accept();
};

namespace {

// One connection, on its own strand: read a request (header first, so limits and 100-continue
// are handled before the body), run the handler on this thread, write the response, repeat
// while keep-alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  // The server owns the io_context that owns every session, so it outlives them.
  Session(tcp::socket socket, FunctionServer::Impl* server)
      : stream_(std::move(socket)), server_(server) {}

  void start() {
    // Beast reads at most the buffer's free capacity per call, and the parser empties the buffer
    // as it goes: left at its default 512 bytes, a 2 MB upload takes 4000 reads (~7 ms per MB).
    buffer_.reserve(kReadBufferBytes);
    do_read_header();
  }

 private:
  using Response = http::response<http::string_body>;

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
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
      return close();
    }
    started_ = SteadyClock::now();
    if (ec == http::error::header_limit) {
      return reply_error(431, "request header too large", false);
    }
    // Beast checks Content-Length against the body limit while parsing the header.
    if (ec == http::error::body_limit) {
      const auto len = parser_->content_length();
      return reply_error(413, body_too_large(len ? *len : server_->options.max_body_bytes + 1),
                         false);
    }
    if (ec) return reply_error(400, "malformed HTTP request: " + ec.message(), false);
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
    if (ec == http::error::body_limit) {
      return reply_error(413, body_too_large(server_->options.max_body_bytes + 1), false);
    }
    if (ec) return close();  // timeout, reset, truncated body: nobody to answer
    auto req = parser_->release();
    keep_alive_ = req.keep_alive();
    const std::string path(req.target().substr(0, req.target().find('?')));
    if (path == "/_/health" &&
        (req.method() == http::verb::get || req.method() == http::verb::head)) {
      if (server_->ready && !server_->draining) {
        FnResponse ok;
        ok.content_type = "text/plain";
        ok.body = "OK\n";
        return write(std::move(ok), false);
      }
      return reply_error(503, server_->draining ? "shutting down" : "not ready: loading the model",
                         keep_alive_);
    }
    if (server_->draining) return reply_error(503, "shutting down", keep_alive_);
    FnRequest fr;
    fr.method = std::string(req.method_string());
    fr.target = std::string(req.target());
    fr.accept = std::string(req[http::field::accept]);
    fr.body = std::move(req.body());
    // The handler runs here, on this I/O thread: there are `workers` of them, so at most
    // `workers` frames are processed at once, and a request costs no hand-off between threads
    // (each wake-up of an idle thread costs up to a millisecond on a virtual machine).
    server_->begin_request();
    FnResponse res;
    try {
      // A request that arrives while the model loads waits for it rather than failing: the
      // first request to a cold function is answered, not refused.
      if (!server_->wait_ready(server_->options.read_timeout)) {
        res = error_response(503, "not ready: the model did not load in time");
      } else {
        res = server_->handler(fr);
      }
    } catch (const std::exception& e) {
      spdlog::error("handler failed: {}", e.what());
      res = error_response(500, std::string("internal error: ") + e.what());
    }
    write(std::move(res), true);
  }

  void reply_error(int status, const std::string& message, bool keep_alive) {
    if (status >= 500) spdlog::warn("{} {}", status, message);
    keep_alive_ = keep_alive;
    write(error_response(status, message), false);
  }

  void write(FnResponse fr, bool counted) {
    auto res = std::make_shared<Response>(static_cast<http::status>(fr.status), 11);
    res->set(http::field::content_type, fr.content_type);
    for (const auto& [k, v] : fr.headers) res->set(k, v);
    // The timing headers are on every response; zero where no frame was processed.
    for (const char* name : {"X-Faces", "X-ML-Seconds", "X-Handler-Seconds"}) {
      if (res->find(name) == res->end()) res->set(name, "0");
    }
    res->set("X-Duration-Seconds",
             seconds_text(std::chrono::duration<double>(SteadyClock::now() - started_).count()));
    res->keep_alive(keep_alive_ && !server_->draining);
    res->body() = std::move(fr.body);
    res->prepare_payload();
    stream_.expires_after(server_->options.write_timeout);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res, counted](beast::error_code ec, std::size_t) {
                        if (counted) {
                          self->server_->served.fetch_add(1, std::memory_order_relaxed);
                          self->server_->end_request();
                        }
                        if (ec || !res->keep_alive()) return self->close();
                        self->do_read_header();
                      });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  FunctionServer::Impl* server_;
  SteadyClock::time_point started_ = SteadyClock::now();
  bool keep_alive_ = true;
};

}  // namespace

void FunctionServer::Impl::do_accept() {
  // Each connection gets its own strand: its handlers never run concurrently, whichever of
  // the I/O threads picks them up (the Beast advanced-server pattern).
  acceptor.async_accept(asio::make_strand(ioc),
                        [self = this](beast::error_code ec, tcp::socket socket) {
                          if (ec == asio::error::operation_aborted || !self->acceptor.is_open())
                            return;
                          if (!ec) {
                            socket.set_option(tcp::no_delay(true), ec);
                            std::make_shared<Session>(std::move(socket), self)->start();
                          }
                          self->do_accept();
                        });
}

FunctionServer::FunctionServer(ServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

FunctionServer::~FunctionServer() {
  shutdown(Micros(0));
}

Status FunctionServer::start() {
  beast::error_code ec;
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
  impl_->work.emplace(impl_->ioc.get_executor());
  impl_->do_accept();
  for (int i = 0; i < std::max(1, impl_->options.workers); ++i) {
    impl_->threads.emplace_back([impl = impl_.get()] { impl->ioc.run(); });
  }
  return Ok{};
}

std::uint16_t FunctionServer::port() const {
  beast::error_code ec;
  const auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
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
  return impl_->ready && !impl_->draining;
}

std::uint64_t FunctionServer::requests_served() const {
  return impl_->served.load();
}

int FunctionServer::in_flight() const {
  std::lock_guard lock(impl_->mu);
  return impl_->in_flight;
}

int FunctionServer::shutdown(Micros grace) {
  if (impl_->threads.empty()) return 0;
  impl_->draining = true;
  asio::post(impl_->ioc, [impl = impl_.get()] {
    beast::error_code ec;
    impl->acceptor.close(ec);
  });
  int left = 0;
  {
    std::unique_lock lock(impl_->mu);
    impl_->idle.wait_for(lock, grace, [&] { return impl_->in_flight == 0; });
    left = impl_->in_flight;
  }
  impl_->work.reset();
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  return left;
}

}  // namespace faaslab::fn
