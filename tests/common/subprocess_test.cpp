// Subprocess: a child that runs, one that cannot be started (an error value, not a throw), and
// what a child inherits.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <chrono>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/spawn.h"
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

// A socket opened without close-on-exec (as Asio opens its sockets) must not reach the child:
// a function process would otherwise hold the gateway's listening socket and connections.
TEST(Spawn, TheChildInheritsNoOtherDescriptors) {
  const int leaky = ::socket(AF_INET, SOCK_STREAM, 0);  // no SOCK_CLOEXEC
  ASSERT_GE(leaky, 3);
  Subprocess p({"/bin/ls", "/proc/self/fd"});
  ASSERT_TRUE(p.started()) << p.start_error();
  EXPECT_EQ(p.wait(10s), 0);
  ::close(leaky);
  // 0, 1, 2, and the directory ls itself opened to list them.
  EXPECT_EQ(p.out(), "0\n1\n2\n3\n") << "the child holds other descriptors";
}

TEST(Spawn, APassedDescriptorArrivesAsThreeAndNothingElse) {
  const int leaky = ::socket(AF_INET, SOCK_STREAM, 0);
  int passed[2];
  ASSERT_EQ(::pipe(passed), 0);
  SpawnOptions o;
  o.argv = {"/bin/ls", "/proc/self/fd"};
  o.pass_fd = passed[0];
  o.pipe_stdin = false;
  o.pipe_stderr = false;
  auto child = spawn_process(o);
  ASSERT_TRUE(child.ok()) << child.error();
  std::string listing;
  char buf[256];
  for (ssize_t n; (n = ::read(child->stdout_fd, buf, sizeof buf)) > 0;)
    listing.append(buf, static_cast<std::size_t>(n));
  int status = 0;
  ::waitpid(child->pid, &status, 0);
  ::close(child->stdout_fd);
  ::close(passed[0]);
  ::close(passed[1]);
  ::close(leaky);
  EXPECT_EQ(listing, "0\n1\n2\n3\n4\n") << "3 passed, 4 is ls's own directory";
}

}  // namespace
}  // namespace faaslab
