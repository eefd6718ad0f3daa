// Subprocess: a child that runs, and one that cannot be started (an error value, not a throw).
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>

#include "common/subprocess.h"

namespace faaslab {
namespace {

using namespace std::chrono_literals;

TEST(Subprocess, RunsAChildAndCollectsItsOutputAndStatus) {
  Subprocess p({"/bin/sh", "-c", "read x; echo out $x; echo err >&2; exit 3"});
  ASSERT_TRUE(p.started()) << p.start_error();
  p.write_stdin_and_close("in\n");
  EXPECT_EQ(p.wait(10s), 3);
  EXPECT_EQ(p.out(), "out in\n");
  EXPECT_EQ(p.err(), "err\n");
}

TEST(Subprocess, AChildThatCannotStartIsAnErrorValueWithStatus127) {
  Subprocess p({"/nonexistent/faaslab-no-such-binary", "--flag"});
  EXPECT_FALSE(p.started());
  EXPECT_FALSE(p.start_error().empty());
  EXPECT_EQ(p.pid(), -1);
  p.write_stdin_and_close("ignored");
  p.signal(SIGTERM);  // nothing to signal, and nothing else is signalled
  p.signal_group(SIGTERM);
  EXPECT_FALSE(p.wait_for_stderr("never", 100ms).has_value());
  EXPECT_EQ(p.wait(1s), 127);
  EXPECT_NE(p.err().find("cannot start /nonexistent/faaslab-no-such-binary"), std::string::npos)
      << p.err();
}

TEST(Subprocess, TheDeadlineKillsAChildThatDoesNotExit) {
  Subprocess p({"/bin/sleep", "30"});
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(p.wait(200ms), 128 + SIGKILL);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

}  // namespace
}  // namespace faaslab
