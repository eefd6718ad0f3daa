// The watchdog as a process, in both modes, with the real faaslab-fn and with faaslab-test-fn
// misbehaving on request.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "astronaut_jpeg.h"
#include "common/base64.h"
#include "runtime_test_support.h"
#include "support/listener.h"
#include "support/raw_http.h"

namespace faaslab::runtime {
namespace {

using namespace testing_support;

TEST(ClassicWatchdog, RunsTheFunctionOncePerRequest) {
  WatchdogProcess w({"fprocess=" + fn() + " --stdin"});
  ASSERT_TRUE(w.wait_ready()) << w.process().err();
  for (int i = 0; i < 2; ++i) {
    auto r = call(w.port(), "POST", "/", astronaut_jpeg());
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(r->status, 200) << r->body.substr(0, 300);
    EXPECT_EQ(r->header("Content-Type"), "image/jpeg");  // recognised from the output
    EXPECT_FALSE(r->header("X-Duration-Seconds").empty());
  }
  // The query reaches the function (Http_Query): the seed format.
  const std::string jpeg = astronaut_jpeg();
  auto seed =
      call(w.port(), "POST", "/?format=seed",
           base64_encode({reinterpret_cast<const std::uint8_t*>(jpeg.data()), jpeg.size()}));
  ASSERT_TRUE(seed.ok());
  EXPECT_EQ(seed->body.rfind("detection : Elapsed ML time: ", 0), 0u);
}

TEST(ClassicWatchdog, EchoesAndPassesHeadersAsCgiVariables) {
  WatchdogProcess w({"fprocess=" + test_fn(), "exec_timeout=5s"});
  ASSERT_TRUE(w.wait_ready());
  auto echo = call(w.port(), "POST", "/", "hello watchdog");
  ASSERT_TRUE(echo.ok());
  EXPECT_EQ(echo->status, 200);
  EXPECT_EQ(echo->body, "hello watchdog");
  EXPECT_EQ(echo->header("Content-Type"), "text/plain; charset=utf-8");
  auto header =
      call(w.port(), "POST", "/some/path?env=Http_X_Call_Id", "", {{"X-Call-Id", "abc-123"}});
  EXPECT_EQ(header->body, "Http_X_Call_Id=abc-123");
  auto path = call(w.port(), "POST", "/some/path?env=Http_Path", "");
  EXPECT_EQ(path->body, "Http_Path=/some/path");
  auto method = call(w.port(), "PUT", "/?env=Http_Method", "x");
  EXPECT_EQ(method->body, "Http_Method=PUT");
}

// docs/security.md: fprocess is split into arguments and started with posix_spawn, never by a
// shell: a variable, a pipe, a separator, a redirection and a command substitution reach the
// program as plain text.
TEST(ClassicWatchdog, RunsFprocessWithoutAShell) {
  WatchdogProcess w({"fprocess=/bin/echo $HOME a|b;c >out `id` 'one arg'", "exec_timeout=5s"});
  ASSERT_TRUE(w.wait_ready()) << w.process().err();
  auto r = call(w.port(), "POST", "/", "");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->body, "$HOME a|b;c >out `id` one arg\n");
}

TEST(ClassicWatchdog, ExecTimeoutKillsTheProcessWith408) {
  WatchdogProcess w({"fprocess=" + test_fn(), "exec_timeout=300ms"});
  ASSERT_TRUE(w.wait_ready());
  const auto start = std::chrono::steady_clock::now();
  auto r = call(w.port(), "POST", "/?sleep=5s", "x");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->status, 408);
  EXPECT_EQ(r->body, "Killed process.\n");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST(ClassicWatchdog, FailuresAre500WithTheOutput) {
  WatchdogProcess w({"fprocess=" + test_fn(), "max_output_size=1MiB"});
  ASSERT_TRUE(w.wait_ready());
  auto failed = call(w.port(), "POST", "/?exit=3&stderr=oops", "x");
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->status, 500);
  EXPECT_NE(failed->body.find("failing with 3"), std::string::npos);
  EXPECT_NE(failed->body.find("oops"), std::string::npos);  // combine_output
  auto crashed = call(w.port(), "POST", "/?crash", "x");
  ASSERT_TRUE(crashed.ok());
  EXPECT_EQ(crashed->status, 500);
  EXPECT_NE(crashed->body.find("SIGABRT"), std::string::npos) << crashed->body;
  auto flood = call(w.port(), "POST", "/?flood=50000000", "x");
  ASSERT_TRUE(flood.ok());
  EXPECT_EQ(flood->status, 500);
  EXPECT_NE(flood->body.find("max_output_size"), std::string::npos);
  auto missing =
      std::make_unique<WatchdogProcess>(std::vector<std::string>{"fprocess=/nonexistent/fn"});
  ASSERT_TRUE(missing->wait_ready());
  auto r = call(missing->port(), "POST", "/", "x");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 500);
  EXPECT_NE(r->body.find("/nonexistent/fn"), std::string::npos);
}

TEST(ClassicWatchdog, MaxInflightAnswers429AndReadyReportsSaturation) {
  WatchdogProcess w({"fprocess=" + test_fn(), "max_inflight=1"});
  ASSERT_TRUE(w.wait_ready());
  std::atomic<int> slow_status{0};
  std::thread slow([&] {
    auto r = call(w.port(), "POST", "/?sleep=3s", "x");
    slow_status = r.ok() ? r->status : -1;
  });
  // Saturated once the slow request is in: readiness says so (of-watchdog's /_/ready).
  ASSERT_TRUE(wait_for_status(w.port(), "/_/ready", 429, 10s));
  auto over = call(w.port(), "POST", "/", "y");
  ASSERT_TRUE(over.ok());
  EXPECT_EQ(over->status, 429);
  EXPECT_FALSE(over->header("X-OpenFaaS-Internal").empty());
  slow.join();
  EXPECT_EQ(slow_status, 200);
  EXPECT_EQ(call(w.port(), "GET", "/_/ready")->status, 200);
}

// upstream_url= a port free now, for the function to listen on. The one place a test hands on a
// port instead of a bound socket: the function (faaslab-fn --http, a grandchild) binds its own
// port, as an OpenFaaS http-mode function does; the watchdog itself gets a bound socket.
std::string free_upstream_url() {
  faaslab::testing::Listener l;
  const auto port = l.port();
  l.close();
  return "upstream_url=http://127.0.0.1:" + std::to_string(port);
}

TEST(HttpWatchdog, ProxiesToAWarmFunction) {
  WatchdogProcess w({"mode=http", "fprocess=" + fn(), free_upstream_url(), "ready_path=/_/health"});
  ASSERT_TRUE(w.wait_ready()) << w.process().err();
  EXPECT_TRUE(std::filesystem::exists(w.tmpdir() / ".lock"));
  auto r = call(w.port(), "POST", "/", astronaut_jpeg());
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("X-Faces"), "1");  // the function's own headers pass through
  EXPECT_FALSE(r->header("X-Duration-Seconds").empty());
  EXPECT_EQ(call(w.port(), "GET", "/_/ready")->status, 200);
}

TEST(HttpWatchdog, TheFirstRequestWaitsForASlowStartInsteadOfBeingRefused) {
  WatchdogProcess w({"mode=http", "fprocess=" + test_fn() + " --http", free_upstream_url(),
                     "startup_delay=1500ms"});
  // Health says 503 while the function starts...
  auto early = call(w.port(), "GET", "/_/health");
  ASSERT_TRUE(early.ok()) << early.error();
  EXPECT_EQ(early->status, 503);
  // ...and a request sent now is held until it is up, then answered.
  auto r = call(w.port(), "POST", "/", "first");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "first");
}

TEST(HttpWatchdog, TimeoutsAre504AndAFunctionCrashEndsTheWatchdog) {
  WatchdogProcess w({"mode=http", "fprocess=" + test_fn() + " --http", free_upstream_url(),
                     "exec_timeout=300ms"});
  ASSERT_TRUE(w.wait_ready());
  auto slow = call(w.port(), "POST", "/?sleep=3s", "x");
  ASSERT_TRUE(slow.ok());
  EXPECT_EQ(slow->status, 504);
  auto crash = call(w.port(), "POST", "/?crash", "x");
  ASSERT_TRUE(crash.ok());
  EXPECT_EQ(crash->status, 502);
  // Like of-watchdog, the watchdog exits when its function does, for a supervisor to restart it.
  EXPECT_EQ(w.process().wait(10s), 1);
  EXPECT_NE(w.process().err().find("function process exited"), std::string::npos);
}

TEST(HttpWatchdog, AfterItsFunctionDiesRequestsAreRefusedAsUnprocessedNotReset) {
  WatchdogProcess w({"mode=http", "fprocess=" + test_fn() + " --http", free_upstream_url()});
  ASSERT_TRUE(w.wait_ready());
  auto crash = call(w.port(), "POST", "/?crash", "x");
  ASSERT_TRUE(crash.ok());
  EXPECT_EQ(crash->status, 502);
  // Sent before a gateway could know: whether the watchdog has noticed yet (its health is 503,
  // it refuses while it drains) or not (the function refuses the connection), the answer says
  // "not processed, send it elsewhere" - never a reset, which could mean it was processed.
  for (int i = 0; i < 3; ++i) {
    auto next = call(w.port(), "POST", "/", "next");
    ASSERT_TRUE(next.ok()) << next.error();
    EXPECT_EQ(next->status, 503) << next->body;
    EXPECT_FALSE(next->header("X-OpenFaaS-Internal").empty());
  }
  EXPECT_EQ(w.process().wait(10s), 1);
}

TEST(HttpWatchdog, TheFunctionDiesWithTheWatchdogsProcessGroup) {
  WatchdogProcess w({"mode=http", "fprocess=" + test_fn() + " --http", free_upstream_url()});
  ASSERT_TRUE(w.wait_ready());
  auto r = call(w.port(), "POST", "/", "x");
  ASSERT_TRUE(r.ok());
  const pid_t function = std::stoi(r->header("X-Test-Pid"));
  // A supervisor that gives up on a graceful stop kills the group: the function must not be
  // left behind holding its port.
  EXPECT_EQ(::getpgid(function), w.process().pid());
  w.process().signal_group(SIGKILL);
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    std::this_thread::sleep_for(10ms);
    gone = ::kill(function, 0) != 0;  // reaped by init once orphaned; gone either way
  }
  EXPECT_TRUE(gone);
}

TEST(HttpWatchdog, AFunctionThatDropsAConnectionButLivesOnKeepsServing) {
  // The "function" is a scripted socket in this test; the process is one that stays alive.
  faaslab::testing::Listener upstream;
  std::atomic<int> answered{0};
  std::jthread server([&] {
    int requests = 0;
    for (int i = 0; i < 20 && answered < 1; ++i) {  // readiness probes connect and close
      const int fd = faaslab::testing::accept_within(upstream.fd(), 5s);
      if (fd < 0) break;
      if (faaslab::testing::read_http_request(fd) && ++requests > 1 &&
          faaslab::testing::write_http_ok(fd)) {
        ++answered;  // the second request is answered...
      }
      ::close(fd);  // ...the first is dropped without an answer
    }
  });
  WatchdogProcess w({"mode=http", "fprocess=sleep 60",
                     "upstream_url=http://127.0.0.1:" + std::to_string(upstream.port())});
  ASSERT_TRUE(w.wait_ready());
  auto dropped = call(w.port(), "POST", "/", "one");
  ASSERT_TRUE(dropped.ok());
  EXPECT_EQ(dropped->status, 502);
  // The next request waits to see whether the function died; it did not, so it is sent on.
  const auto sent = std::chrono::steady_clock::now();
  auto next = call(w.port(), "POST", "/", "two");
  const auto waited = std::chrono::steady_clock::now() - sent;
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->status, 200) << next->body;
  EXPECT_EQ(next->body, "ok");
  EXPECT_GE(waited, 300ms);
  server.join();
}

TEST(HttpWatchdog, AFunctionThatCannotStartIsReported) {
  WatchdogProcess w(
      {"mode=http", "fprocess=" + test_fn() + " --http", free_upstream_url(), "exit_at_start=4"});
  EXPECT_EQ(w.process().wait(10s), 1);
  EXPECT_NE(w.process().err().find("exit status 4"), std::string::npos) << w.process().err();
}

TEST(Watchdog, SigtermRemovesTheLockFileAndDrainsInFlightRequests) {
  WatchdogProcess w({"fprocess=" + test_fn(), "healthcheck_interval=3s"});
  ASSERT_TRUE(w.wait_ready());
  EXPECT_TRUE(std::filesystem::exists(w.tmpdir() / ".lock"));
  std::atomic<int> status{0};
  const auto started = w.tmpdir() / "started";
  std::thread slow([&] {
    auto r = call(w.port(), "POST", "/?started=" + started.string() + "&sleep=2s", "drained");
    status = r.ok() ? r->status : -1;
  });
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(started); }, 10s))
      << "the request never reached the function";
  w.process().signal(SIGTERM);
  EXPECT_TRUE(wait_until([&] { return !std::filesystem::exists(w.tmpdir() / ".lock"); }, 5s));
  // Still answering, unhealthy, while the request in flight drains.
  EXPECT_EQ(call(w.port(), "GET", "/_/health")->status, 503);
  slow.join();
  EXPECT_EQ(status, 200);
  EXPECT_EQ(w.process().wait(10s), 0);
}

TEST(Watchdog, BadConfigurationExitsWithTheVariablesName) {
  WatchdogProcess w({"fprocess=cat", "exec_timeout=soonish"});
  EXPECT_EQ(w.process().wait(10s), 2);
  EXPECT_NE(w.process().err().find("exec_timeout"), std::string::npos);
  WatchdogProcess no_fprocess({"fprocess="});
  EXPECT_EQ(no_fprocess.process().wait(10s), 2);
  EXPECT_NE(no_fprocess.process().err().find("fprocess"), std::string::npos);
}

TEST(Watchdog, CpuLimitPinsTheFunction) {
  WatchdogProcess w({"fprocess=" + test_fn(), "faaslab_cpus=1", "faaslab_cpu_list=0"});
  ASSERT_TRUE(w.wait_ready());
  auto r = call(w.port(), "POST", "/?status=/proc", "");
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->body.find("Cpus_allowed_list:\t0\n"), std::string::npos) << r->body.substr(0, 2000);
}

}  // namespace
}  // namespace faaslab::runtime
