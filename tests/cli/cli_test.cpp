// The `faaslab` command line as a user runs it.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>

#include "common/subprocess.h"
#include "support/test_data.h"

namespace faaslab {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using faaslab::Subprocess;

std::string faaslab_bin() {
  return testing::binary("bin/faaslab");
}

fs::path temp_file(const std::string& name) {
  return fs::temp_directory_path() /
         ("faaslab-cli-test-" + std::to_string(::getpid()) + "-" + name);
}

TEST(Cli, HelpListsOnlyWorkingCommands) {
  Subprocess p({faaslab_bin(), "--help"});
  EXPECT_EQ(p.wait(10s), 0);
  EXPECT_NE(p.out().find("blur-video"), std::string::npos);
  Subprocess sub({faaslab_bin(), "blur-video", "--help"});
  EXPECT_EQ(sub.wait(10s), 0);
  for (const char* flag : {"--url", "--detector", "--blur", "--parallel", "--timeout"}) {
    EXPECT_NE(sub.out().find(flag), std::string::npos) << flag;
  }
}

TEST(Cli, UnknownOrMissingCommandIsAnError) {
  Subprocess none({faaslab_bin()});
  EXPECT_NE(none.wait(10s), 0);
  Subprocess unknown({faaslab_bin(), "frobnicate"});
  EXPECT_NE(unknown.wait(10s), 0);
  EXPECT_FALSE(unknown.err().empty());
}

TEST(Cli, BlurVideoInProcess) {
  const fs::path out = temp_file("in-process.avi");
  Subprocess p(
      {faaslab_bin(), "blur-video", testing::video_path().string(), out.string(), "--quiet"});
  ASSERT_EQ(p.wait(120s), 0) << p.err();
  EXPECT_NE(p.out().find("37 frames"), std::string::npos) << p.out();
  EXPECT_NE(p.out().find("37 faces"), std::string::npos) << p.out();
  EXPECT_NE(p.out().rfind(out.string() + "\n"), std::string::npos)
      << "the output path is the last line";
  EXPECT_GT(fs::file_size(out), 10000u);
  fs::remove(out);
}

TEST(Cli, BlurVideoThroughAFunctionUrl) {
  Subprocess fn({testing::binary("bin/faaslab-fn")}, {"port=0", "suppress_lock=true"});
  const auto log = fn.wait_for_stderr("ready on", 20s);
  ASSERT_TRUE(log) << fn.err();
  const auto port = testing::ready_port(*log);
  ASSERT_NE(port, 0) << *log;
  const fs::path out = temp_file("remote.avi");
  Subprocess p({faaslab_bin(), "blur-video", testing::video_path().string(), out.string(),
                "--quiet", "--url", "http://127.0.0.1:" + std::to_string(port) + "/", "--transport",
                "png"});
  ASSERT_EQ(p.wait(120s), 0) << p.err();
  EXPECT_NE(p.out().find("37 faces"), std::string::npos) << p.out();
  fs::remove(out);
  fn.signal(SIGTERM);
  EXPECT_EQ(fn.wait(15s), 0);
}

TEST(Cli, BlurVideoBadInputIsAClearError) {
  Subprocess missing(
      {faaslab_bin(), "blur-video", "/nonexistent.mp4", temp_file("x.avi").string()});
  EXPECT_EQ(missing.wait(10s), 1);
  EXPECT_NE(missing.err().find("/nonexistent.mp4"), std::string::npos);
  Subprocess bad_detector(
      {faaslab_bin(), "blur-video", testing::video_path().string(), "x.avi", "--detector", "yolo"});
  EXPECT_NE(bad_detector.wait(10s), 0);
  EXPECT_NE(bad_detector.err().find("yolo"), std::string::npos) << bad_detector.err();
  Subprocess bad_url({faaslab_bin(), "blur-video", testing::video_path().string(),
                      temp_file("y.avi").string(), "--url", "https://example.com/"});
  EXPECT_EQ(bad_url.wait(10s), 2);
  EXPECT_NE(bad_url.err().find("https"), std::string::npos);
  const fs::path out = temp_file("refused.avi");
  Subprocess refused({faaslab_bin(), "blur-video", testing::video_path().string(), out.string(),
                      "--url", "http://127.0.0.1:1/", "--quiet"});
  EXPECT_EQ(refused.wait(30s), 1);
  EXPECT_NE(refused.err().find("refused"), std::string::npos) << refused.err();
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace faaslab
