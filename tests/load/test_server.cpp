#include "load/test_server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "common/clock.h"

namespace faaslab::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;

struct TestServer::Impl {
  TestServer& owner;
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  std::thread thread;

  explicit Impl(TestServer& o) : owner(o) {}

  awaitable<void> accept_loop() {
    for (;;) {
      tcp::socket socket = co_await acceptor.async_accept(use_awaitable);
      ++owner.connections_;
      asio::co_spawn(ioc, session(std::move(socket)), asio::detached);
    }
  }

  awaitable<void> session(tcp::socket socket) {
    beast::flat_buffer buffer;
    buffer.reserve(256 * 1024);
    socket.set_option(tcp::no_delay(true));
    asio::steady_timer timer(ioc);
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(64u << 20);
      co_await http::async_read(socket, buffer, parser, use_awaitable);
      const std::int64_t arrival = mono_us();
      ++owner.requests_;
      const auto now_in = ++owner.in_flight_;
      for (auto m = owner.max_in_flight_.load();
           now_in > m && !owner.max_in_flight_.compare_exchange_weak(m, now_in);) {
      }
      {
        std::lock_guard lock(owner.mu_);
        owner.bodies_.push_back(parser.get().body().substr(0, 64));
      }
      struct InFlight {
        std::atomic<std::uint64_t>& n;
        ~InFlight() { --n; }
      } guard{owner.in_flight_};
      const Mode mode = owner.mode_.load();
      if (mode == Mode::kSilent) {
        timer.expires_after(std::chrono::hours(1));
        co_await timer.async_wait(use_awaitable);
        co_return;
      }
      if (mode == Mode::kReset) {
        socket.set_option(asio::socket_base::linger(true, 0));
        socket.close();
        co_return;
      }
      const std::int64_t due =
          std::max(arrival + owner.delay_us_.load(), owner.stall_until_us_.load());
      if (due > mono_us()) {
        timer.expires_after(std::chrono::microseconds(due - mono_us()));
        co_await timer.async_wait(use_awaitable);
      }
      if (mode == Mode::kMalformed) {
        co_await asio::async_write(
            socket, asio::buffer(std::string("SMTP READY\r\nthis is not http\r\n\r\n")),
            use_awaitable);
        co_return;
      }
      if (mode == Mode::kPartial) {
        co_await asio::async_write(
            socket,
            asio::buffer(std::string("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789")),
            use_awaitable);
        co_return;
      }
      if (mode == Mode::kHuge) {
        co_await asio::async_write(
            socket,
            asio::buffer(std::string("HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\n")),
            use_awaitable);
        const std::string chunk(64 * 1024, 'x');
        for (int i = 0; i < 16384; ++i)
          co_await asio::async_write(socket, asio::buffer(chunk), use_awaitable);
        co_return;
      }
      std::shared_ptr<const std::string> body;
      {
        std::lock_guard lock(owner.mu_);
        body = owner.response_body_;
      }

      http::response<http::string_body> res{http::status::ok, 11};
      res.set(http::field::content_type, "text/plain");
      if (mode == Mode::kError) {
        res.result(http::status::service_unavailable);
        res.set(http::field::content_type, "application/json");
        body = std::make_shared<const std::string>("{\"error\": \"overloaded\"}\n");
      }
      res.set("X-ML-Seconds", "0.001000");
      res.set("X-Handler-Seconds", "0.002000");
      res.set("X-Faaslab-Replica", "replica-1");
      res.keep_alive(mode != Mode::kClose && parser.get().keep_alive());
      res.body() = *body;
      res.prepare_payload();
      co_await http::async_write(socket, res, use_awaitable);
      if (!res.keep_alive()) {
        boost::system::error_code ec;
        socket.shutdown(tcp::socket::shutdown_send, ec);
        co_return;
      }
    }
  }
};

TestServer::TestServer(std::chrono::microseconds delay, Mode mode)
    : impl_(std::make_unique<Impl>(*this)),
      response_body_(std::make_shared<const std::string>("ok\n")) {
  delay_us_ = delay.count();
  mode_ = mode;
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen(4096);
  port_ = impl_->acceptor.local_endpoint().port();
  asio::co_spawn(impl_->ioc, impl_->accept_loop(), asio::detached);
  impl_->thread = std::thread([this] { impl_->ioc.run(); });
}

TestServer::~TestServer() {
  impl_->ioc.stop();
  impl_->thread.join();
}

std::string TestServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void TestServer::stall_for(std::chrono::microseconds d) {
  stall_until_us_ = mono_us() + d.count();
}

void TestServer::set_response_body(std::string body) {
  std::lock_guard lock(mu_);
  response_body_ = std::make_shared<const std::string>(std::move(body));
}

std::vector<std::string> TestServer::bodies() const {
  std::lock_guard lock(mu_);
  return bodies_;
}

}  // namespace faaslab::testing
