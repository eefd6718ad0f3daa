// A local HTTP server for the load generator's tests and benchmark: 127.0.0.1, a free port,
// its own thread, and misbehaviour on demand (delay, a stall, silence, resets, malformed,
// partial and huge responses). Every answer carries the function's timing headers and the
// runtime's replica header, so the records' server-side fields can be checked.
//
// Thread-safe: the knobs are atomics, read per request. The destructor stops the server.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace faaslab::testing {

class TestServer {
 public:
  enum class Mode {
    kNormal,     // 200 after the delay
    kSilent,     // read the request, never answer (the client must time out)
    kReset,      // read the request, then reset the connection (RST)
    kMalformed,  // answer with bytes that are not HTTP
    kPartial,    // announce 1000 bytes of body, send 10, close
    kHuge,       // announce a 1 GiB body and stream it
    kClose,      // answer, then close the connection (Connection: close)
    kError,      // 503 with a one-line JSON error body
  };

  explicit TestServer(std::chrono::microseconds delay = {}, Mode mode = Mode::kNormal);
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url(const std::string& path = "/") const;

  void set_delay(std::chrono::microseconds d) { delay_us_ = d.count(); }
  void set_mode(Mode m) { mode_ = m; }
  // Holds every response until `d` from now (requests keep arriving and wait).
  void stall_for(std::chrono::microseconds d);
  void set_response_body(std::string body);

  std::uint64_t requests() const { return requests_.load(); }
  std::uint64_t connections() const { return connections_.load(); }
  std::uint64_t max_in_flight() const { return max_in_flight_.load(); }
  // Request bodies in arrival order (the first 64 bytes of each).
  std::vector<std::string> bodies() const;

 private:
  struct Impl;
  friend struct Impl;
  std::unique_ptr<Impl> impl_;
  std::uint16_t port_ = 0;
  std::atomic<std::int64_t> delay_us_{0}, stall_until_us_{0};
  std::atomic<Mode> mode_{Mode::kNormal};
  std::atomic<std::uint64_t> requests_{0}, connections_{0}, in_flight_{0}, max_in_flight_{0};
  mutable std::mutex mu_;
  std::vector<std::string> bodies_;
  std::shared_ptr<const std::string> response_body_;
};

}  // namespace faaslab::testing
