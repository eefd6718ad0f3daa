// Subprocess: a child that runs, one that cannot be started (an error value, not a throw), and
// what a child inherits.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

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

TEST(Subprocess, AChildGetsNoDescriptorOfTheParentsButItsOwn) {
  // A descriptor without close-on-exec, as Boost.Asio opens its sockets, at a number no shell
  // uses for itself.
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  constexpr int kLeak = 57;
  ASSERT_EQ(::dup2(fds[1], kLeak), kLeak);
  Subprocess p({"/bin/sh", "-c", "test -e /proc/self/fd/57 && echo open || echo closed"});
  EXPECT_EQ(p.wait(10s), 0);
  EXPECT_EQ(p.out(), "closed\n") << "the parent's fd 57 reached the child";
  for (int fd : {fds[0], fds[1], kLeak}) ::close(fd);
}

TEST(Subprocess, TheDeadlineKillsAChildThatDoesNotExit) {
  Subprocess p({"/bin/sleep", "30"});
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(p.wait(200ms), 128 + SIGKILL);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

}  // namespace
}  // namespace faaslab
