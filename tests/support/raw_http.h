// Talking to a server at the byte level, for the cases an HTTP client library will not produce
// (malformed requests, lying Content-Length, Expect: 100-continue).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace faaslab::testing {

class RawConnection {
 public:
  // receive_buffer_bytes > 0: a small receive window, for a client that reads slowly or never.
  explicit RawConnection(std::uint16_t port, int receive_buffer_bytes = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (receive_buffer_bytes > 0)
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer_bytes, sizeof receive_buffer_bytes);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawConnection() { ::close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  bool connected() const { return connected_; }
  // Half-closes: the server sees the end of the stream but can still answer.
  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }

  bool send(const std::string& data) {
    std::size_t at = 0;
    while (at < data.size()) {
      const ssize_t n = ::send(fd_, data.data() + at, data.size() - at, MSG_NOSIGNAL);
      if (n <= 0) return false;
      at += static_cast<std::size_t>(n);
    }
    return true;
  }

  // Reads until `needle` has arrived, the peer closes, or the timeout passes.
  std::string read_until(const std::string& needle, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (received_.find(needle) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buf[65536];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      received_.append(buf, static_cast<std::size_t>(n));
    }
    return received_;
  }
  bool closed_by_peer() const { return closed_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::string received_;
};

// Server side: accepts one connection, or -1 if none came within `timeout`.
inline int accept_within(int listen_fd, std::chrono::milliseconds timeout) {
  pollfd p{listen_fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return -1;
  const int fd = ::accept(listen_fd, nullptr, nullptr);
  const timeval five_seconds{5, 0};  // and reads on it never block for long either
  if (fd >= 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &five_seconds, sizeof five_seconds);
  return fd;
}

// Server side: reads one whole request (Content-Length bodies only) from a connected socket;
// false if the peer closed or sent nothing whole within 1000 reads.
inline bool read_http_request(int fd) {
  std::string got;
  char buf[4096];
  for (int reads = 0; reads < 1000; ++reads) {
    const auto end = got.find("\r\n\r\n");
    if (end != std::string::npos) {
      const auto cl = got.find("Content-Length: ");
      const std::size_t body = cl == std::string::npos ? 0 : std::stoul(got.substr(cl + 16));
      if (got.size() >= end + 4 + body) return true;
    }
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    got.append(buf, static_cast<std::size_t>(n));
  }
  return false;
}

// Server side: a 200 "ok" response, keep-alive.
inline bool write_http_ok(int fd) {
  const std::string res = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  return ::send(fd, res.data(), res.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(res.size());
}

}  // namespace faaslab::testing
