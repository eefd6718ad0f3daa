// faaslab-fn as a process: the OpenFaaS container contract (lock file, health, SIGTERM drain),
// the --stdin mode a classic watchdog runs, and configuration errors.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>

#include "common/base64.h"
#include "common/http_client.h"
#include "common/subprocess.h"
#include "fn_test_support.h"

namespace faaslab::fn {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using faaslab::Subprocess;
using testing_support::astronaut_as;

std::string fn_binary() {
  return testing::binary("bin/faaslab-fn");
}

// A private TMPDIR per test, so lock files of concurrent tests never meet.
class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("faaslab-fn-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
  static inline int counter_ = 0;
};

// Starts faaslab-fn on a free port; returns the port from its "ready on" log line, or 0.
std::uint16_t start_and_wait_ready(Subprocess& p) {
  const auto log = p.wait_for_stderr("ready on", 20s);
  return log ? faaslab::testing::ready_port(*log) : 0;
}

TEST(FnProcess, WritesTheLockFileWhenReadyAndRemovesItOnSigterm) {
  TempDir tmp;
  Subprocess fn({fn_binary()}, {"TMPDIR=" + tmp.path().string(), "port=0"});
  const auto port = start_and_wait_ready(fn);
  ASSERT_NE(port, 0) << fn.err();
  EXPECT_TRUE(fs::exists(tmp.path() / ".lock"));
  auto health = http_request("127.0.0.1", port, {"GET", "/_/health", {}, ""}, 5s);
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200);
  fn.signal(SIGTERM);
  EXPECT_EQ(fn.wait(15s), 0) << fn.err();
  EXPECT_FALSE(fs::exists(tmp.path() / ".lock"));
}

TEST(FnProcess, SuppressLockWritesNoLockFile) {
  TempDir tmp;
  Subprocess fn({fn_binary()}, {"TMPDIR=" + tmp.path().string(), "port=0", "suppress_lock=true"});
  ASSERT_NE(start_and_wait_ready(fn), 0) << fn.err();
  EXPECT_FALSE(fs::exists(tmp.path() / ".lock"));
  fn.signal(SIGTERM);
  EXPECT_EQ(fn.wait(15s), 0);
}

// A client that holds a response back: its receive buffer is small and it reads only when told,
// so a response larger than the kernel's buffers (the server's send buffer is at most
// net.ipv4.tcp_wmem's 4 MiB here) stays in the server, being written, until it reads.
class HoldingClient {
 public:
  explicit HoldingClient(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    const int small = 16 * 1024;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~HoldingClient() { ::close(fd_); }
  bool connected() const { return connected_; }

  bool send_all(const std::string& data) {
    for (std::size_t at = 0; at < data.size();) {
      const ssize_t n = ::send(fd_, data.data() + at, data.size() - at, MSG_NOSIGNAL);
      if (n <= 0) return false;
      at += static_cast<std::size_t>(n);
    }
    return true;
  }

  // Reads until `done(received)` holds, the peer closes, or the timeout passes.
  template <class Done>
  const std::string& read_until(Done done, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done(received_)) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buf[65536];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      received_.append(buf, static_cast<std::size_t>(n));
    }
    return received_;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string received_;
};

// Running, not exited (a zombie has exited: it only waits to be reaped).
bool running(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string pid_field, name, state;
  return stat >> pid_field >> name >> state && state != "Z";
}

TEST(FnProcess, SigtermDrainsTheRequestInFlight) {
  TempDir tmp;
  Subprocess fn({fn_binary()}, {"TMPDIR=" + tmp.path().string(), "port=0", "workers=1"});
  const auto port = start_and_wait_ready(fn);
  ASSERT_NE(port, 0) << fn.err();
  // A frame of noise: its PNG does not compress, so the blurred frame that comes back is about
  // 2500 x 2000 x 3 = 15 MB, far more than the kernel holds for an unread connection.
  cv::Mat noise(2000, 2500, CV_8UC3);
  cv::randu(noise, 0, 256);
  std::vector<std::uint8_t> png;
  cv::imencode(".png", noise, png, {cv::IMWRITE_PNG_COMPRESSION, 0});
  HoldingClient client(port);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send_all(
      "POST /?format=image HTTP/1.1\r\nHost: fn\r\nContent-Type: image/png\r\n"
      "Content-Length: " +
      std::to_string(png.size()) + "\r\n\r\n" + std::string(png.begin(), png.end())));
  // The response has begun: the frame was processed and is being written, and cannot be
  // written whole while the client reads nothing more. The request is in flight.
  const auto has_head = [](const std::string& r) {
    return r.find("\r\n\r\n") != std::string::npos;
  };
  // A bound on a hang only: under ThreadSanitizer on a loaded machine this frame took 50 s.
  const std::string head = client.read_until(has_head, 180s);
  ASSERT_TRUE(has_head(head)) << fn.err();
  ASSERT_EQ(head.rfind("HTTP/1.1 200", 0), 0u) << head.substr(0, 200);
  const auto cl = head.find("Content-Length: ");
  ASSERT_NE(cl, std::string::npos);
  const std::size_t length = std::stoul(head.substr(cl + 16));
  const std::size_t whole = head.find("\r\n\r\n") + 4 + length;
  ASSERT_GT(length, 8u << 20) << "the response must outgrow the kernel's buffers";

  fn.signal(SIGTERM);
  const auto drain = fn.wait_for_stderr("draining", 15s);
  ASSERT_TRUE(drain) << fn.err();
  EXPECT_NE(drain->find("(1 in flight)"), std::string::npos) << *drain;
  EXPECT_TRUE(running(fn.pid())) << "the drain waits for the response still being written";

  // Read the rest: the whole response arrives, then the process exits cleanly.
  const std::string& all =
      client.read_until([&](const std::string& r) { return r.size() >= whole; }, 60s);
  EXPECT_EQ(all.size(), whole) << "the response was cut short";
  EXPECT_EQ(fn.wait(15s), 0) << fn.err();
  EXPECT_NE(fn.err().find("served 1 requests"), std::string::npos) << fn.err();
  EXPECT_EQ(fn.err().find("still in flight"), std::string::npos) << fn.err();
}

TEST(FnProcess, InvalidConfigurationExitsWithAMessage) {
  Subprocess fn({fn_binary()}, {"port=0", "detector=yolo"});
  EXPECT_EQ(fn.wait(10s), 2);
  EXPECT_NE(fn.err().find("detector"), std::string::npos) << fn.err();
  Subprocess missing({fn_binary()}, {"port=0", "models_dir=/nonexistent"});
  EXPECT_NE(missing.wait(10s), 0);
  EXPECT_NE(missing.err().find("/nonexistent"), std::string::npos) << missing.err();
}

TEST(FnStdin, RoundTripsARawImage) {
  Subprocess fn({fn_binary(), "--stdin"});
  fn.write_stdin_and_close(astronaut_as(".jpg"));
  ASSERT_EQ(fn.wait(20s), 0) << fn.err();
  const std::vector<std::uint8_t> out(fn.out().begin(), fn.out().end());
  EXPECT_EQ(blur::sniff_codec(out), blur::Codec::kJpeg);
  EXPECT_EQ(cv::imdecode(out, cv::IMREAD_COLOR).cols, 512);
}

TEST(FnStdin, SpeaksTheSeedFormatForTheClassicWatchdog) {
  const std::string png = astronaut_as(".png");
  Subprocess fn({fn_binary(), "--stdin"}, {"response_format=seed"});
  fn.write_stdin_and_close(
      base64_encode({reinterpret_cast<const std::uint8_t*>(png.data()), png.size()}));
  ASSERT_EQ(fn.wait(20s), 0) << fn.err();
  testing_support::SeedParse parsed;
  ASSERT_TRUE(testing_support::parse_like_study_client(fn.out(), parsed));
  EXPECT_EQ(parsed.img_lines, 1);
  EXPECT_GT(std::stod(parsed.total), 0);
}

TEST(FnStdin, HonoursTheWatchdogsQueryVariable) {
  Subprocess fn({fn_binary(), "--stdin"}, {"Http_Query=format=json&codec=png"});
  fn.write_stdin_and_close(astronaut_as(".jpg"));
  ASSERT_EQ(fn.wait(20s), 0) << fn.err();
  EXPECT_NE(fn.out().find("\"codec\":\"png\""), std::string::npos);
}

TEST(FnStdin, BadInputExitsNonZeroWithAMessage) {
  Subprocess garbage({fn_binary(), "--stdin"});
  garbage.write_stdin_and_close("this is not an image");
  EXPECT_EQ(garbage.wait(20s), 1);
  EXPECT_TRUE(garbage.out().empty());
  EXPECT_NE(garbage.err().find("error"), std::string::npos);
  Subprocess empty({fn_binary(), "--stdin"});
  empty.write_stdin_and_close("");
  EXPECT_EQ(empty.wait(20s), 1);
  Subprocess too_big({fn_binary(), "--stdin"}, {"max_body_size=1000"});
  too_big.write_stdin_and_close(astronaut_as(".jpg"));
  EXPECT_EQ(too_big.wait(20s), 2);
  EXPECT_NE(too_big.err().find("limit"), std::string::npos);
}

}  // namespace
}  // namespace faaslab::fn
