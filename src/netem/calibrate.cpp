#include "netem/calibrate.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <thread>

#include "common/clock.h"
#include "common/summary.h"

namespace faaslab::netem {

namespace {

constexpr std::size_t kPingBytes = 64;
constexpr std::size_t kBulkBlock = 64 * 1024;

// Blocking I/O on one socket with a deadline for the whole exchange.
class Conn {
 public:
  Conn(int fd, SteadyClock::time_point deadline) : fd_(fd), deadline_(deadline) {}
  ~Conn() {
    if (fd_ >= 0) ::close(fd_);
  }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  bool wait(short events) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - SteadyClock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, events, 0};
    return ::poll(&p, 1, static_cast<int>(left.count())) == 1;
  }
  bool send_all(const char* data, std::size_t n) {
    while (n > 0) {
      if (!wait(POLLOUT)) return false;
      const ssize_t w = ::send(fd_, data, n, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (w < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (w <= 0) return false;
      data += w;
      n -= static_cast<std::size_t>(w);
    }
    return true;
  }
  bool recv_all(char* data, std::size_t n) {
    while (n > 0) {
      if (!wait(POLLIN)) return false;
      const ssize_t r = ::recv(fd_, data, n, MSG_DONTWAIT);
      if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (r <= 0) return false;
      data += r;
      n -= static_cast<std::size_t>(r);
    }
    return true;
  }
  // Reads and drops n bytes.
  bool drain(std::uint64_t n) {
    std::vector<char> block(kBulkBlock);
    while (n > 0) {
      const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(n, block.size()));
      if (!wait(POLLIN)) return false;
      const ssize_t r = ::recv(fd_, block.data(), want, MSG_DONTWAIT);
      if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (r <= 0) return false;
      n -= static_cast<std::uint64_t>(r);
    }
    return true;
  }
  bool fill(std::uint64_t n) {
    std::vector<char> block(kBulkBlock, 'x');
    while (n > 0) {
      const std::size_t len = static_cast<std::size_t>(std::min<std::uint64_t>(n, block.size()));
      if (!send_all(block.data(), len)) return false;
      n -= len;
    }
    return true;
  }

 private:
  int fd_;
  SteadyClock::time_point deadline_;
};

void put_u64(char* out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
std::uint64_t get_u64(const char* in) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  return v;
}

// The probe's side, one connection: 'p' + 63 bytes -> the 64 bytes back; 'u' + n, then n bytes
// -> 'k'; 'd' + n -> n bytes; 'q' -> end.
void serve(int fd, SteadyClock::time_point deadline) {
  Conn c(fd, deadline);
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  char buf[kPingBytes];
  while (c.recv_all(buf, 1)) {
    if (buf[0] == 'p') {
      if (!c.recv_all(buf + 1, kPingBytes - 1) || !c.send_all(buf, kPingBytes)) return;
    } else if (buf[0] == 'u') {
      if (!c.recv_all(buf, 8) || !c.drain(get_u64(buf)) || !c.send_all("k", 1)) return;
    } else if (buf[0] == 'd') {
      if (!c.recv_all(buf, 8) || !c.fill(get_u64(buf))) return;
    } else {
      return;
    }
  }
}

std::uint64_t bulk_bytes(double bps, const CalibrateOptions& options) {
  if (bps <= 0) return options.unlimited_bulk_bytes;
  const double bytes = bps / 8 * options.bulk_seconds;
  return static_cast<std::uint64_t>(std::clamp(bytes, 256.0 * 1024, 1024.0 * 1024 * 1024));
}

bool within(double measured, double configured, double tolerance) {
  return std::fabs(measured - configured) <= tolerance * configured;
}

}  // namespace

Result<LinkMeasurement> calibrate_link(Network& network, std::size_t index,
                                       const CalibrateOptions& options) {
  const auto links = network.links();
  if (index >= links.size()) return make_error("no link " + std::to_string(index));
  const LinkState& link = links[index];
  const LinkPlan& plan = link.plan;
  LinkMeasurement m;
  m.from = plan.from;
  m.to = plan.to;
  m.emulation = plan.emulation;
  m.configured_rtt_s = to_seconds(plan.up.delay + plan.down.delay);
  m.configured_up_bps = plan.up.rate_bps;
  m.configured_down_bps = plan.down.rate_bps;
  m.bulk_up_bytes = bulk_bytes(plan.up.rate_bps, options);
  m.bulk_down_bytes = bulk_bytes(plan.down.rate_bps, options);

  const auto deadline = SteadyClock::now() + options.timeout;
  auto listener = listen_in(network.ns(plan.to), link.to_address, 0, 4);
  if (!listener) return listener.error_value();
  const std::uint16_t port = local_port(*listener);
  std::atomic<bool> done{false};
  std::thread probe([fd = *listener, deadline, &done] {
    while (!done) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) != 1) {
        if (SteadyClock::now() > deadline) break;
        continue;
      }
      const int conn = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn >= 0) serve(conn, deadline);
    }
    ::close(fd);
  });
  struct Join {
    std::thread& t;
    std::atomic<bool>& done;
    ~Join() {
      done = true;
      t.join();
    }
  } join{probe, done};

  auto target = network.expose(plan.from, plan.to, port);
  if (!target) return target.error_value();
  struct Unexpose {
    Network& n;
    const LinkPlan& p;
    boost::asio::ip::tcp::endpoint e;
    ~Unexpose() { n.unexpose(p.from, p.to, e); }
  } unexpose{network, plan, *target};

  auto fd = open_socket_in(network.ns(plan.from), AF_INET, SOCK_STREAM);
  if (!fd) return fd.error_value();
  Conn c(*fd, deadline);
  const int one = 1;
  ::setsockopt(*fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(target->port());
  addr.sin_addr.s_addr = htonl(target->address().to_v4().to_uint());
  if (::connect(*fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return make_error("calibrate: cannot connect to the probe at " + link.to_address + ": " +
                          std::strerror(errno),
                      Errc::kConnectFailed);
  const std::string what = (plan.from.empty() ? std::string("client") : plan.from) + "->" + plan.to;
  auto failed = [&](const char* stage) {
    return make_error("calibrate " + what + ": " + stage + " did not finish in time",
                      Errc::kTimeout);
  };

  std::vector<double> rtts;
  char ping[kPingBytes];
  std::memset(ping, 'p', sizeof ping);
  for (int i = 0; i < options.pings + 3; ++i) {
    const auto start = SteadyClock::now();
    if (!c.send_all(ping, sizeof ping) || !c.recv_all(ping, sizeof ping)) return failed("a ping");
    if (i >= 3) rtts.push_back(std::chrono::duration<double>(SteadyClock::now() - start).count());
  }
  m.rtt_s = median(rtts);
  m.rtt_min_s = *std::min_element(rtts.begin(), rtts.end());
  m.rtt_max_s = *std::max_element(rtts.begin(), rtts.end());
  m.rtt_ok = std::fabs(m.rtt_s - m.configured_rtt_s) <=
             options.rtt_tolerance * m.configured_rtt_s + to_seconds(options.rtt_slack);

  char header[9];
  header[0] = 'u';
  put_u64(header + 1, m.bulk_up_bytes);
  auto start = SteadyClock::now();
  char ack = 0;
  if (!c.send_all(header, sizeof header) || !c.fill(m.bulk_up_bytes) || !c.recv_all(&ack, 1))
    return failed("the upload");
  double seconds = std::chrono::duration<double>(SteadyClock::now() - start).count() - m.rtt_s;
  m.up_bps = static_cast<double>(m.bulk_up_bytes) * 8 / std::max(seconds, 1e-6);

  header[0] = 'd';
  put_u64(header + 1, m.bulk_down_bytes);
  start = SteadyClock::now();
  if (!c.send_all(header, sizeof header) || !c.drain(m.bulk_down_bytes))
    return failed("the download");
  seconds = std::chrono::duration<double>(SteadyClock::now() - start).count() - m.rtt_s;
  m.down_bps = static_cast<double>(m.bulk_down_bytes) * 8 / std::max(seconds, 1e-6);
  c.send_all("q", 1);

  m.up_ok = m.configured_up_bps <= 0 ||
            within(m.up_bps, m.configured_up_bps, options.bandwidth_tolerance);
  m.down_ok = m.configured_down_bps <= 0 ||
              within(m.down_bps, m.configured_down_bps, options.bandwidth_tolerance);
  return m;
}

}  // namespace faaslab::netem
