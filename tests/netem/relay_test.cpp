// The user-space link on loopback: bytes arrive whole and in order under jitter and loss, the
// delay and the rate hold (lower bounds, which a busy machine cannot break), the queue is
// bounded, half-closes pass on, and a target that refuses is counted.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <atomic>
#include <chrono>
#include <cstring>

#include <random>
#include <thread>

#include "common/clock.h"
#include "netem/netns.h"
#include "netem/relay.h"

namespace faaslab::netem {
namespace {

using tcp = boost::asio::ip::tcp;
using namespace std::chrono_literals;

tcp::endpoint loopback(std::uint16_t port) {
  return tcp::endpoint(boost::asio::ip::make_address_v4("127.0.0.1"), port);
}

int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << std::strerror(errno);
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  timeval tv{20, 0};  // every blocking call in these tests ends within 20 s
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return fd;
}

bool read_exact(int fd, char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t r = ::recv(fd, p, n, 0);
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

bool write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// An echo server on 127.0.0.1 for one connection at a time, echoing until EOF, then closing.
class EchoServer {
 public:
  EchoServer() {
    auto fd = listen_in(nullptr, "127.0.0.1", 0);
    EXPECT_TRUE(fd.ok()) << fd.error();
    fd_ = *fd;
    port_ = local_port(fd_);
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 20) != 1) continue;
        const int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) continue;
        timeval tv{20, 0};
        ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        char buf[65536];
        for (;;) {
          const ssize_t r = ::recv(c, buf, sizeof buf, 0);
          if (r <= 0 || !write_all(c, buf, static_cast<std::size_t>(r))) break;
        }
        ::close(c);
      }
    });
  }
  ~EchoServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

struct Route {
  std::unique_ptr<Relay> relay;
  std::uint16_t port = 0;
};

Route relay_to(std::uint16_t target, RelayOptions options) {
  auto relay = Relay::start(options);
  EXPECT_TRUE(relay.ok());
  auto listener = listen_in(nullptr, "127.0.0.1", 0);
  EXPECT_TRUE(listener.ok());
  const std::uint16_t port = local_port(*listener);
  auto id = (*relay)->add_route(*listener, loopback(target),
                                [] { return open_socket_in(nullptr, AF_INET, SOCK_STREAM); });
  EXPECT_TRUE(id.ok()) << id.error();
  return Route{std::move(*relay), port};
}

double round_trip_seconds(int fd) {
  char ping[64] = "ping";
  const auto start = SteadyClock::now();
  EXPECT_TRUE(write_all(fd, ping, sizeof ping));
  EXPECT_TRUE(read_exact(fd, ping, sizeof ping));
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

TEST(Relay, CarriesEveryByteInOrderUnderJitterAndLoss) {
  EchoServer echo;
  RelayOptions options;
  options.forward = {1ms, 1ms, 200e6, 0.01};
  options.backward = {1ms, 1ms, 200e6, 0.01};
  auto route = relay_to(echo.port(), options);
  const int fd = connect_to(route.port);
  std::vector<char> sent(3 << 20);
  std::mt19937 rng(7);
  for (char& c : sent) c = static_cast<char>(rng());
  std::thread writer([&] { EXPECT_TRUE(write_all(fd, sent.data(), sent.size())); });
  std::vector<char> got(sent.size());
  EXPECT_TRUE(read_exact(fd, got.data(), got.size()));
  writer.join();
  EXPECT_TRUE(sent == got);
  ::close(fd);
  const auto counters = route.relay->counters();
  EXPECT_EQ(counters.connections, 1u);
  EXPECT_EQ(counters.bytes_forward, sent.size());
}

TEST(Relay, DelaysEachDirectionAtLeastAsConfigured) {
  EchoServer echo;
  RelayOptions options;
  options.forward.delay = 15ms;
  options.backward.delay = 5ms;
  auto route = relay_to(echo.port(), options);
  const int fd = connect_to(route.port);
  round_trip_seconds(fd);  // warm-up
  for (int i = 0; i < 5; ++i) EXPECT_GE(round_trip_seconds(fd), 0.020);
  ::close(fd);
}

TEST(Relay, RateBoundsTheTransferTime) {
  EchoServer echo;
  RelayOptions options;
  options.forward.rate_bps = 40e6;  // 1 MB takes at least 0.2 s this way
  auto route = relay_to(echo.port(), options);
  const int fd = connect_to(route.port);
  std::vector<char> data(1000000, 'x');
  const auto start = SteadyClock::now();
  std::thread writer([&] { EXPECT_TRUE(write_all(fd, data.data(), data.size())); });
  std::vector<char> got(data.size());
  EXPECT_TRUE(read_exact(fd, got.data(), got.size()));
  writer.join();
  EXPECT_GE(std::chrono::duration<double>(SteadyClock::now() - start).count(), 0.195);
  ::close(fd);
}

TEST(Relay, SharesTheRateBetweenConnections) {
  EchoServer echo_a, echo_b;
  RelayOptions options;
  options.forward.rate_bps = 40e6;
  auto relay = Relay::start(options);
  ASSERT_TRUE(relay.ok());
  std::uint16_t ports[2];
  std::uint16_t targets[2] = {echo_a.port(), echo_b.port()};
  for (int i = 0; i < 2; ++i) {
    auto listener = listen_in(nullptr, "127.0.0.1", 0);
    ASSERT_TRUE(listener.ok());
    ports[i] = local_port(*listener);
    ASSERT_TRUE((*relay)
                    ->add_route(*listener, loopback(targets[i]),
                                [] { return open_socket_in(nullptr, AF_INET, SOCK_STREAM); })
                    .ok());
  }
  // Two connections of 0.5 MB each over one 40 Mbit/s direction: 0.2 s at least, together.
  const auto start = SteadyClock::now();
  std::vector<std::thread> clients;
  for (int i = 0; i < 2; ++i) {
    clients.emplace_back([port = ports[i]] {
      const int fd = connect_to(port);
      std::vector<char> data(500000, 'y');
      std::thread writer([&] { EXPECT_TRUE(write_all(fd, data.data(), data.size())); });
      std::vector<char> got(data.size());
      EXPECT_TRUE(read_exact(fd, got.data(), got.size()));
      writer.join();
      ::close(fd);
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_GE(std::chrono::duration<double>(SteadyClock::now() - start).count(), 0.195);
}

TEST(Relay, PassesHalfCloseOn) {
  EchoServer echo;
  auto route = relay_to(echo.port(), RelayOptions{});
  const int fd = connect_to(route.port);
  ASSERT_TRUE(write_all(fd, "abc", 3));
  ::shutdown(fd, SHUT_WR);  // the echo server sees EOF, closes, and so must we
  char buf[8];
  ASSERT_TRUE(read_exact(fd, buf, 3));
  EXPECT_EQ(std::string(buf, 3), "abc");
  EXPECT_EQ(::recv(fd, buf, sizeof buf, 0), 0);  // EOF, not a hang (20 s receive timeout)
  ::close(fd);
}

TEST(Relay, BoundsItsQueueWhenTheReceiverStops) {
  // A sink that accepts and never reads: the relay stops reading from the sender once its
  // queue and the small socket buffers are full, so the sender is blocked, not buffered without
  // end.
  auto sink = listen_in(nullptr, "127.0.0.1", 0);
  ASSERT_TRUE(sink.ok());
  RelayOptions options;
  options.forward.rate_bps = 1e9;
  auto route = relay_to(local_port(*sink), options);
  const int fd = connect_to(route.port);
  ::fcntl(fd, F_SETFL, O_NONBLOCK);
  std::vector<char> block(65536, 'z');
  std::uint64_t sent = 0;
  const auto give_up = SteadyClock::now() + 5s;
  while (SteadyClock::now() < give_up && sent < (256ull << 20)) {
    const ssize_t w = ::send(fd, block.data(), block.size(), MSG_NOSIGNAL);
    if (w > 0) {
      sent += static_cast<std::uint64_t>(w);
      continue;
    }
    std::this_thread::sleep_for(20ms);
    const ssize_t again = ::send(fd, block.data(), block.size(), MSG_NOSIGNAL);
    if (again <= 0) break;  // blocked twice: the backpressure reached the sender
    sent += static_cast<std::uint64_t>(again);
  }
  // The queue's limit (20 ms at 1 Gbit/s = 2.5 MB) plus a few socket buffers, far below 256 MB.
  EXPECT_LT(sent, 32ull << 20);
  ::close(fd);
  ::close(*sink);
}

TEST(Relay, CountsATargetThatRefuses) {
  auto closed = listen_in(nullptr, "127.0.0.1", 0);
  ASSERT_TRUE(closed.ok());
  const std::uint16_t dead_port = local_port(*closed);
  ::close(*closed);  // nothing listens there now
  auto route = relay_to(dead_port, RelayOptions{});
  const int fd = connect_to(route.port);
  char buf[4];
  EXPECT_LE(::recv(fd, buf, sizeof buf, 0), 0);  // closed by the relay, not left hanging
  ::close(fd);
  const auto give_up = SteadyClock::now() + 5s;
  while (route.relay->counters().failed_connects == 0 && SteadyClock::now() < give_up)
    std::this_thread::sleep_for(5ms);
  EXPECT_EQ(route.relay->counters().failed_connects, 1u);
}

TEST(Relay, RemovedRouteAcceptsNoMore) {
  EchoServer echo;
  auto route = relay_to(echo.port(), RelayOptions{});
  route.relay->remove_route(1);
  const auto give_up = SteadyClock::now() + 5s;
  bool refused = false;
  while (!refused && SteadyClock::now() < give_up) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(route.port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    refused = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0;
    ::close(fd);
    if (!refused) std::this_thread::sleep_for(5ms);
  }
  EXPECT_TRUE(refused);
}

TEST(Relay, RefusesWhatIsNotAListeningSocket) {
  auto relay = Relay::start(RelayOptions{});
  ASSERT_TRUE(relay.ok());
  (*relay)->stop();
  auto listener = listen_in(nullptr, "127.0.0.1", 0);
  ASSERT_TRUE(listener.ok());
  auto id = (*relay)->add_route(*listener, loopback(1),
                                [] { return open_socket_in(nullptr, AF_INET, SOCK_STREAM); });
  EXPECT_FALSE(id.ok());
}

}  // namespace
}  // namespace faaslab::netem
