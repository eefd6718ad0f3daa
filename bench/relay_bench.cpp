// What the user-space link (src/netem/relay.h) costs beside a direct loopback connection and
// beside socat, the relay a user would reach for instead (it has no delay or rate, so it is the
// floor for a user-space TCP hop). Paired rounds (A B C C B A), medians reported:
//   - round trip of a 64-byte message: direct, socat, the relay with no delay, and the relay with
//     a 5 ms one-way delay each way (its overhead is what it adds beyond the 10 ms, against a
//     direct round trip whose ends idled 10 ms before it, as they do behind the delay), and how
//     late the relay's own departures were;
//   - throughput of a 256 MiB transfer: direct, socat, the relay with no rate limit.
//
//   build/bench/relay_bench [--rounds 5] [--pings 2000] [--bytes 268435456]
//
// Figures in docs/performance.md ("The user-space link"). Loopback only.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/subprocess.h"
#include "netem/netns.h"
#include "netem/relay.h"

using namespace faaslab;
using namespace std::chrono_literals;

namespace {

bool write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
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

int connect_to(std::uint16_t port) {
  for (int attempt = 0; attempt < 200; ++attempt) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      timeval tv{60, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      return fd;
    }
    ::close(fd);
    std::this_thread::sleep_for(10ms);  // socat may still be starting
  }
  std::fprintf(stderr, "relay_bench: cannot connect to port %u\n", port);
  std::exit(1);
}

// Echoes 64-byte pings; on 's' + 8 bytes, reads that many bytes and answers one.
class Server {
 public:
  Server() {
    fd_ = *netem::listen_in(nullptr, "127.0.0.1", 0);
    port_ = netem::local_port(fd_);
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 20) != 1) continue;
        const int c = ::accept(fd_, nullptr, nullptr);
        const int one = 1;
        ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        std::vector<char> buf(1 << 20);
        char msg[64];
        while (read_exact(c, msg, sizeof msg)) {
          if (msg[0] == 's') {
            std::uint64_t n = 0;
            std::memcpy(&n, msg + 1, 8);
            while (n > 0) {
              const ssize_t r = ::recv(c, buf.data(), std::min<std::uint64_t>(n, buf.size()), 0);
              if (r <= 0) break;
              n -= static_cast<std::uint64_t>(r);
            }
            write_all(c, "k", 1);
          } else if (!write_all(c, msg, sizeof msg)) {
            break;
          }
        }
        ::close(c);
      }
    });
  }
  ~Server() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::uint16_t port() const { return port_; }

 private:
  int fd_;
  std::uint16_t port_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Median round trip (seconds) of `pings` 64-byte messages on a new connection to `port`.
// `idle`: a pause before each ping, so both ends have gone idle as they have behind a delay.
double ping(std::uint16_t port, int pings, std::chrono::microseconds idle = {}) {
  const int fd = connect_to(port);
  char msg[64] = "p";
  std::vector<double> rtts;
  for (int i = 0; i < pings + 10; ++i) {
    if (idle.count() > 0) std::this_thread::sleep_for(idle);
    const auto start = SteadyClock::now();
    if (!write_all(fd, msg, sizeof msg) || !read_exact(fd, msg, sizeof msg)) std::exit(1);
    if (i >= 10) rtts.push_back(std::chrono::duration<double>(SteadyClock::now() - start).count());
  }
  ::close(fd);
  return median(rtts);
}

// Bits per second of one `bytes`-long transfer to `port`.
double throughput(std::uint16_t port, std::uint64_t bytes) {
  const int fd = connect_to(port);
  char msg[64] = "s";
  std::memcpy(msg + 1, &bytes, 8);
  std::vector<char> block(1 << 20, 'x');
  const auto start = SteadyClock::now();
  write_all(fd, msg, sizeof msg);
  for (std::uint64_t left = bytes; left > 0;) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, block.size()));
    if (!write_all(fd, block.data(), n)) std::exit(1);
    left -= n;
  }
  char ack;
  if (!read_exact(fd, &ack, 1)) std::exit(1);
  const double s = std::chrono::duration<double>(SteadyClock::now() - start).count();
  ::close(fd);
  return static_cast<double>(bytes) * 8 / s;
}

std::uint16_t relay_port(netem::Relay& relay, std::uint16_t target) {
  const int listener = *netem::listen_in(nullptr, "127.0.0.1", 0);
  const std::uint16_t port = netem::local_port(listener);
  relay.add_route(
      listener,
      boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address_v4("127.0.0.1"), target),
      [] { return netem::open_socket_in(nullptr, AF_INET, SOCK_STREAM); });
  return port;
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 5, pings = 2000;
  std::uint64_t bytes = 256ull << 20;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--rounds")
      rounds = std::atoi(argv[i + 1]);
    else if (flag == "--pings")
      pings = std::atoi(argv[i + 1]);
    else if (flag == "--bytes")
      bytes = std::strtoull(argv[i + 1], nullptr, 10);
    else {
      std::fprintf(stderr, "usage: relay_bench [--rounds N] [--pings N] [--bytes N]\n");
      return 2;
    }
  }
  if (rounds < 1 || pings < 1 || bytes < 1) {
    std::fprintf(stderr, "relay_bench: --rounds, --pings and --bytes must be positive\n");
    return 2;
  }
  Server server;
  auto plain = netem::Relay::start(netem::RelayOptions{});
  netem::RelayOptions delayed_options;
  delayed_options.forward.delay = delayed_options.backward.delay = 5ms;
  auto delayed = netem::Relay::start(delayed_options);
  const std::uint16_t via_relay = relay_port(**plain, server.port());
  const std::uint16_t via_delay = relay_port(**delayed, server.port());

  // socat, if installed: one process per connection (fork), as users run it.
  std::unique_ptr<Subprocess> socat;
  std::uint16_t via_socat = 0;
  if (::access("/usr/bin/socat", X_OK) == 0) {
    const int probe = *netem::listen_in(nullptr, "127.0.0.1", 0);
    via_socat = netem::local_port(probe);
    ::close(probe);
    socat = std::make_unique<Subprocess>(std::vector<std::string>{
        "/usr/bin/socat",
        "TCP-LISTEN:" + std::to_string(via_socat) + ",bind=127.0.0.1,reuseaddr,fork",
        "TCP:127.0.0.1:" + std::to_string(server.port()) + ",nodelay"});
  }

  std::map<std::string, std::vector<double>> rtt, rate;
  for (int r = 0; r < rounds; ++r) {
    // A B C D, then D C B A: each case sees the machine's drift from both sides.
    std::vector<std::pair<std::string, std::uint16_t>> cases = {
        {"direct", server.port()}, {"relay", via_relay}, {"relay+5ms", via_delay}};
    if (via_socat) cases.insert(cases.begin() + 1, {"socat", via_socat});
    if (r % 2) std::reverse(cases.begin(), cases.end());
    for (const auto& [name, port] : cases) {
      rtt[name].push_back(ping(port, pings));
      // Behind a 5 ms delay each end waits 5 ms for every message: the same idle time, direct.
      if (name == "direct") rtt["direct+idle"].push_back(ping(port, pings / 4, 10ms));
    }
    for (const auto& [name, port] : cases)
      if (name != "relay+5ms") rate[name].push_back(throughput(port, bytes));
  }
  std::printf("%-10s %14s %16s\n", "path", "rtt median", "throughput");
  for (const auto& [name, values] : rtt) {
    const double t = rate.count(name) ? median(rate[name]) / 1e9 : 0;
    if (t > 0)
      std::printf("%-10s %11.1f us %11.2f Gbit/s\n", name.c_str(), median(values) * 1e6, t);
    else
      std::printf("%-10s %11.1f us %16s\n", name.c_str(), median(values) * 1e6, "-");
  }
  const double direct = median(rtt["direct"]);
  std::printf(
      "relay overhead beyond its delay: %.1f us (no delay, vs direct), %.1f us (5 ms "
      "each way, vs direct with the ends idle 10 ms before each ping)\n",
      (median(rtt["relay"]) - direct) * 1e6,
      (median(rtt["relay+5ms"]) - 0.010 - median(rtt["direct+idle"])) * 1e6);
  const auto c = (*delayed)->counters();
  if (c.departures > 0)
    std::printf(
        "relay+5ms: its chunks left %.1f us after their departure time on average "
        "(%llu chunks)\n",
        static_cast<double>(c.late_us_total) / static_cast<double>(c.departures),
        static_cast<unsigned long long>(c.departures));
  if (socat) socat->signal(SIGTERM);
  return 0;
}
