// faaslab-fn as a process: the OpenFaaS container contract (lock file, health, SIGTERM drain),
// the --stdin mode a classic watchdog runs, and configuration errors.
#include <signal.h>

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <thread>

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

TEST(FnProcess, SigtermDrainsTheRequestInFlight) {
  TempDir tmp;
  // A slow request: a 12 MP frame with four tiling levels takes hundreds of milliseconds.
  Subprocess fn({fn_binary()},
                {"TMPDIR=" + tmp.path().string(), "port=0", "tile_levels=4", "workers=1"});
  const auto port = start_and_wait_ready(fn);
  ASSERT_NE(port, 0) << fn.err();
  cv::Mat big;
  cv::resize(cv::imread(faaslab::testing::astronaut_path().string()), big, cv::Size(4000, 3000));
  std::vector<std::uint8_t> jpeg;
  cv::imencode(".jpg", big, jpeg);
  std::atomic<int> status{0};
  std::thread client([&] {
    auto r = http_request("127.0.0.1", port,
                          {"POST", "/", {}, std::string(jpeg.begin(), jpeg.end())}, 60s);
    status = r.ok() ? r->status : -1;
  });
  std::this_thread::sleep_for(300ms);  // the request is being processed
  fn.signal(SIGTERM);
  client.join();
  EXPECT_EQ(status, 200) << fn.err();
  EXPECT_EQ(fn.wait(15s), 0);
  EXPECT_NE(fn.err().find("served 1 requests"), std::string::npos) << fn.err();
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
