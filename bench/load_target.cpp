// The minimal loopback HTTP server the load benchmark drives (bench/load_vs_wrk.sh): one thread,
// epoll, keep-alive, a fixed 200 response with a 2-byte body. Written by hand so that the server
// costs as little as possible per request and the benchmark measures the clients (wrk and
// faaslab load) rather than the server.
//
//   build/bin/load_target [PORT]     (default 0 = any free port; prints "port N" on stdout)
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>

namespace {

constexpr char kResponse[] =
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok";

struct Conn {
  std::string in;
};

// Length of the first complete request in `buf` (headers + Content-Length body), or 0.
std::size_t request_length(const std::string& buf) {
  const auto end = buf.find("\r\n\r\n");
  if (end == std::string::npos) return 0;
  std::size_t body = 0;
  for (const char* name : {"Content-Length:", "content-length:"}) {
    const auto at = buf.find(name);
    if (at != std::string::npos && at < end)
      body = std::strtoul(buf.c_str() + at + 15, nullptr, 10);
  }
  return buf.size() >= end + 4 + body ? end + 4 + body : 0;
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &lim);
  const int port = argc > 1 ? std::atoi(argv[1]) : 0;
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // loopback only
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener, 4096) != 0) {
    std::perror("load_target: bind/listen");
    return 1;
  }
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::printf("port %d\n", ntohs(addr.sin_port));
  std::fflush(stdout);

  const int ep = ::epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listener;
  ::epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
  std::unordered_map<int, Conn> conns;
  epoll_event events[256];
  char buf[65536];
  std::string out;
  for (;;) {
    const int n = ::epoll_wait(ep, events, 256, -1);
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == listener) {
        for (;;) {
          const int c = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
          if (c < 0) break;
          ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          epoll_event cev{};
          cev.events = EPOLLIN;
          cev.data.fd = c;
          ::epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
          conns[c];
        }
        continue;
      }
      Conn& conn = conns[fd];
      bool closed = false;
      for (;;) {
        const ssize_t got = ::read(fd, buf, sizeof buf);
        if (got > 0) {
          conn.in.append(buf, static_cast<std::size_t>(got));
          if (static_cast<std::size_t>(got) < sizeof buf) break;
        } else {
          closed = got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
          break;
        }
      }
      out.clear();
      while (std::size_t req = request_length(conn.in)) {
        out.append(kResponse, sizeof kResponse - 1);
        conn.in.erase(0, req);
      }
      if (!out.empty() && ::write(fd, out.data(), out.size()) < 0) closed = true;
      if (closed) {
        ::close(fd);
        conns.erase(fd);
      }
    }
  }
}
