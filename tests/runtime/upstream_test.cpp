// The keep-alive client the gateway and the http-mode watchdog use, against a scripted server
// on a raw socket: whether a failed request is reported as "never sent" (safe to send to
// another replica) or as "may have been delivered" decides whether the gateway retries it.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/http_server.h"
#include "runtime/upstream.h"
#include "support/listener.h"
#include "support/raw_http.h"

namespace faaslab::runtime {
namespace {

using namespace std::chrono_literals;
namespace http = boost::beast::http;

struct Client {
  boost::asio::io_context ioc;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{ioc.get_executor()};
  std::thread thread{[this] { ioc.run(); }};
  std::shared_ptr<Upstream> upstream;

  explicit Client(std::uint16_t port,
                  std::uint64_t max_response_body = Upstream::kDefaultMaxResponseBody) {
    upstream = *Upstream::create(ioc, "127.0.0.1", port, max_response_body);
  }
  ~Client() {
    upstream.reset();
    work.reset();
    ioc.stop();
    thread.join();
  }
  Result<HttpServerResponse> post(const std::string& body) {
    HttpServerRequest req(http::verb::post, "/", 11);
    req.body() = body;
    std::promise<Result<HttpServerResponse>> p;
    auto f = p.get_future();
    upstream->send(std::move(req), 5s,
                   [&p](Result<HttpServerResponse> r) { p.set_value(std::move(r)); });
    if (f.wait_for(10s) != std::future_status::ready) return make_error("no answer in 10 s");
    return f.get();
  }
};

TEST(Upstream, AnIdleConnectionTheServerClosedIsNotReusedSoARefusalMeansNothingWasSent) {
  testing::Listener listener;
  Client client(listener.port());
  std::jthread server([&] {
    const int fd = testing::accept_within(listener.fd(), 5s);
    if (testing::read_http_request(fd))
      testing::write_http_ok(fd);  // keep-alive: the client pools the connection...
    ::close(fd);                   // ...which the server then closes while idle
    listener.close();              // and it stops listening (its process died)
  });
  auto first = client.post("one");
  server.join();
  ASSERT_TRUE(first.ok()) << first.error();
  EXPECT_EQ(first->body(), "ok");
  // Had the dead connection been reused, the request would have gone out on it: the client
  // could then not tell "refused" from "lost after delivery".
  auto second = client.post("two");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error_code(), Errc::kConnectFailed) << second.error();
}

TEST(Upstream, ARequestLostOnAReusedConnectionIsRetriedOnceButNeverCalledUnsent) {
  testing::Listener listener;
  Client client(listener.port());
  std::promise<void> second_read;
  std::jthread server([&] {
    const int fd = testing::accept_within(listener.fd(), 5s);
    if (testing::read_http_request(fd)) testing::write_http_ok(fd);
    if (testing::read_http_request(fd)) second_read.set_value();  // the request arrived...
    listener.close();  // ...and the server died before answering it
    ::close(fd);
  });
  auto first = client.post("one");
  ASSERT_TRUE(first.ok()) << first.error();
  auto second = client.post("two");
  server.join();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second_read.get_future().wait_for(0s), std::future_status::ready);
  // The retry on a new connection was refused, but the first attempt had been delivered.
  EXPECT_EQ(second.error_code(), Errc::kUnavailable) << second.error();
  EXPECT_NE(second.error().find("closed the connection before answering"), std::string::npos)
      << second.error();
}

TEST(Upstream, AKeptConnectionIsReused) {
  testing::Listener listener;
  Client client(listener.port());
  int accepted = 0;
  std::jthread server([&] {
    const int fd = testing::accept_within(listener.fd(), 5s);
    ++accepted;
    for (int i = 0; i < 3 && testing::read_http_request(fd); ++i) testing::write_http_ok(fd);
    ::close(fd);
  });
  for (int i = 0; i < 3; ++i) {
    auto r = client.post("x");
    ASSERT_TRUE(r.ok()) << r.error();
  }
  server.join();
  EXPECT_EQ(accepted, 1);
}

// A function's response is held whole in memory: over the limit it is refused — from its
// Content-Length before the body is read, or once that many bytes of a chunked body came — as
// "too large", which the gateway and the watchdog answer with 502, not as a dead replica.
TEST(Upstream, AResponseOverTheLimitIsRefusedAsTooLarge) {
  for (const std::string& response :
       {std::string("HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n"),
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" + std::string(0x800, 'x') +
            "\r\n0\r\n\r\n"}) {
    testing::Listener listener;
    Client client(listener.port(), 1000);
    std::jthread server([&] {
      const int fd = testing::accept_within(listener.fd(), 5s);
      if (testing::read_http_request(fd))
        (void)::send(fd, response.data(), response.size(), MSG_NOSIGNAL);
      std::this_thread::sleep_for(200ms);  // the client refuses it without waiting for more
      ::close(fd);
    });
    const auto start = std::chrono::steady_clock::now();
    auto r = client.post("x");
    ASSERT_FALSE(r.ok()) << response.substr(0, 40);
    EXPECT_EQ(r.error_code(), Errc::kTooLarge) << r.error();
    EXPECT_NE(r.error().find("the response is larger than 1000 bytes, the limit"),
              std::string::npos)
        << r.error();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  }
}

// After a burst, a steady load reuses one connection; the others must not each keep a descriptor
// (half-closed, once the server times them out) until the next burst reaches them.
TEST(Upstream, IdleConnectionsABurstLeftAreClosedOnceTooOldEvenUnderSteadyLoad) {
  constexpr int kBurst = 6;
  HttpServerOptions options;
  options.port = 0;
  options.idle_timeout = 60s;  // only the client may close them
  std::mutex mu;
  std::vector<Responder> held;  // the burst's requests, answered together once all arrived
  HttpServer server(options, [&](IncomingRequest&& in, Responder respond) {
    std::vector<Responder> release;
    {
      std::lock_guard lock(mu);
      held.push_back(std::move(respond));
      if (in.message.body() != "burst" || held.size() == kBurst) release.swap(held);
    }
    for (auto& r : release) r(HttpServerResponse(http::status::ok, 11));
  });
  ASSERT_TRUE(server.start().ok());
  Client client(server.port());
  std::vector<std::future<Result<HttpServerResponse>>> burst;
  for (int i = 0; i < kBurst; ++i)
    burst.push_back(std::async(std::launch::async, [&] { return client.post("burst"); }));
  for (auto& f : burst) ASSERT_TRUE(f.get().ok());
  EXPECT_EQ(server.connections(), kBurst);
  // 5 s of one request at a time, every 100 ms: past the pool's 4 s idle age.
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(client.post("steady").ok());
    std::this_thread::sleep_for(100ms);
  }
  for (int i = 0; i < 100 && server.connections() > 1; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(server.connections(), 1);
}

}  // namespace
}  // namespace faaslab::runtime
