// The watchdog in fork mode (runtime/watchdog_fork.cpp, common/fork_server.h) as a process:
// the real faaslab-fn served from a warm template, the classic contract kept, each request's
// child starting from the template's state whatever the one before it did, and a template that
// dies restarted.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "astronaut_jpeg.h"
#include "common/base64.h"
#include "runtime_test_support.h"
#include "support/test_data.h"

namespace faaslab::runtime {
namespace {

using namespace testing_support;

TEST(ForkWatchdog, ServesTheRealFunctionFromAWarmTemplate) {
  WatchdogProcess w({"mode=fork", "fprocess=" + fn() + " --stdin"});
  ASSERT_TRUE(w.wait_ready()) << w.process().err();
  const std::string jpeg = astronaut_jpeg();
  for (int i = 0; i < 3; ++i) {
    auto r = call(w.port(), "POST", "/", jpeg);
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(r->status, 200) << r->body.substr(0, 300);
    EXPECT_EQ(r->header("Content-Type"), "image/jpeg");
  }
  // The query reaches the child (Http_Query): the seed format, with its timings.
  auto seed =
      call(w.port(), "POST", "/?format=seed",
           base64_encode({reinterpret_cast<const std::uint8_t*>(jpeg.data()), jpeg.size()}));
  ASSERT_TRUE(seed.ok());
  EXPECT_EQ(seed->body.rfind("detection : Elapsed ML time: ", 0), 0u) << seed->body;
  // Bad input is the child's 500 with its message, as in classic mode.
  auto bad = call(w.port(), "POST", "/", "not an image");
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->status, 500);
  EXPECT_NE(bad->body.find("faaslab-fn"), std::string::npos) << bad->body;
}

TEST(ForkWatchdog, EveryChildStartsFromTheTemplate) {
  WatchdogProcess w({"mode=fork", "fprocess=" + test_fn(), "exec_timeout=10s"});
  ASSERT_TRUE(w.wait_ready()) << w.process().err();
  // Globals a request changes are the template's again in the next request.
  for (int i = 0; i < 3; ++i) {
    auto r = call(w.port(), "POST", "/?mutate", "");
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(r->body, "state=clean requests=0");
  }
  // Memory a request corrupts, and a pointer it leaves dangling.
  EXPECT_EQ(call(w.port(), "POST", "/?corrupt", "")->body, "corrupted");
  EXPECT_EQ(call(w.port(), "POST", "/?check", "")->body, "pattern intact");
  // Memory a request leaks: 300 MB resident in that child, none in the next.
  auto leaked = call(w.port(), "POST", "/?leak=300000000", "");
  ASSERT_TRUE(leaked.ok());
  EXPECT_GT(std::atol(leaked->body.c_str()), 290'000);
  auto after = call(w.port(), "POST", "/?rss", "");
  EXPECT_LT(std::atol(after->body.c_str()), 100'000) << after->body;
  // A crash and a hang cost only their own request.
  auto crashed = call(w.port(), "POST", "/?crash", "x");
  EXPECT_EQ(crashed->status, 500);
  EXPECT_NE(crashed->body.find("SIGABRT"), std::string::npos) << crashed->body;
  EXPECT_EQ(call(w.port(), "POST", "/", "still here")->body, "still here");
}

TEST(ForkWatchdog, KeepsTheClassicContract) {
  WatchdogProcess w(
      {"mode=fork", "fprocess=" + test_fn(), "exec_timeout=300ms", "max_output_size=1MiB"});
  ASSERT_TRUE(w.wait_ready()) << w.process().err();
  auto echo = call(w.port(), "POST", "/", "hello fork");
  ASSERT_TRUE(echo.ok());
  EXPECT_EQ(echo->status, 200);
  EXPECT_EQ(echo->body, "hello fork");
  EXPECT_EQ(echo->header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(call(w.port(), "POST", "/p?env=Http_X_Call_Id", "", {{"X-Call-Id", "abc-123"}})->body,
            "Http_X_Call_Id=abc-123");
  EXPECT_EQ(call(w.port(), "POST", "/some/path?env=Http_Path", "")->body, "Http_Path=/some/path");
  EXPECT_EQ(call(w.port(), "PUT", "/?env=Http_Method", "x")->body, "Http_Method=PUT");
  auto failed = call(w.port(), "POST", "/?exit=3&stderr=oops", "x");
  EXPECT_EQ(failed->status, 500);
  EXPECT_NE(failed->body.find("failing with 3"), std::string::npos);
  EXPECT_NE(failed->body.find("oops"), std::string::npos);  // combine_output
  const auto start = std::chrono::steady_clock::now();
  auto slow = call(w.port(), "POST", "/?sleep=5s", "x");
  ASSERT_TRUE(slow.ok()) << slow.error();
  EXPECT_EQ(slow->status, 408);
  EXPECT_EQ(slow->body, "Killed process.\n");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  auto flood = call(w.port(), "POST", "/?flood=50000000", "x");
  EXPECT_EQ(flood->status, 500);
  EXPECT_NE(flood->body.find("max_output_size"), std::string::npos);
  EXPECT_EQ(call(w.port(), "POST", "/", "after")->body, "after");
}

TEST(ForkWatchdog, ChildrenRunConcurrently) {
  WatchdogProcess w({"mode=fork", "fprocess=" + test_fn(), "exec_timeout=10s"});
  ASSERT_TRUE(w.wait_ready()) << w.process().err();
  const auto start = std::chrono::steady_clock::now();
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 8; ++i)
    clients.emplace_back([&, i] {
      auto r = call(w.port(), "POST", "/?sleep=500ms", "n" + std::to_string(i));
      if (r.ok() && r->status == 200 && r->body == "n" + std::to_string(i)) ++ok;
    });
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok, 8);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);  // 8 x 500 ms one after another: 4 s
}

TEST(ForkWatchdog, ADeadTemplateIsRestartedAndSaysSo) {
  WatchdogProcess w({"mode=fork", "fprocess=" + test_fn(), "exec_timeout=5s"});
  ASSERT_TRUE(w.wait_ready()) << w.process().err();
  // The request that kills its template fails (nobody can report its child's exit); the
  // next ones are served by a new template.
  auto killer = call(w.port(), "POST", "/?kill_template", "x");
  ASSERT_TRUE(killer.ok()) << killer.error();
  EXPECT_EQ(killer->status, 500) << killer->body;
  EXPECT_NE(killer->body.find("fork template died"), std::string::npos) << killer->body;
  auto next = call(w.port(), "POST", "/", "served again");
  ASSERT_TRUE(next.ok()) << next.error();
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(next->body, "served again");
  const auto log = w.process().wait_for_stderr("fork template restarted", 5s);
  ASSERT_TRUE(log) << "no restart in the log";
  EXPECT_NE(log->find("fork template exited (killed by SIGKILL)"), std::string::npos) << *log;
}

TEST(ForkWatchdog, RefusesATemplateWithThreadsOrOneThatExitsFirst) {
  {
    WatchdogProcess w({"mode=fork", "fprocess=" + test_fn(), "template_threads=2"});
    EXPECT_EQ(w.process().wait(10s), 1);
    EXPECT_NE(w.process().err().find("fork template has 3 threads"), std::string::npos)
        << w.process().err();
  }
  {
    WatchdogProcess w({"mode=fork", "fprocess=" + test_fn(), "exit_at_start=4"});
    EXPECT_EQ(w.process().wait(10s), 1);
    EXPECT_NE(w.process().err().find("exited (exit status 4) before it was ready"),
              std::string::npos)
        << w.process().err();
  }
  {
    // A function that does not speak the protocol: it reads its (empty) stdin and exits 0.
    WatchdogProcess w({"mode=fork", "fprocess=/bin/cat"});
    EXPECT_EQ(w.process().wait(10s), 1);
    EXPECT_NE(w.process().err().find("before it was ready"), std::string::npos)
        << w.process().err();
  }
}

}  // namespace
}  // namespace faaslab::runtime

namespace faaslab::runtime {
namespace {

using namespace testing_support;

// Through `faaslab up`: the replica stays up when its template dies, and the pool's events say
// what happened to the template.
TEST(ForkWatchdog, TheGatewayRecordsTheTemplatesDeathAndRestart) {
  GatewayProcess g(stack("  forky:\n    image: x\n    fprocess: " + test_fn() +
                         "\n    environment:\n      mode: fork\n      exec_timeout: 5s\n"));
  ASSERT_NE(g.port(), 0);
  ASSERT_TRUE(wait_available(g.port(), "forky", 1));
  EXPECT_EQ(call(g.port(), "POST", "/function/forky?mutate", "")->body, "state=clean requests=0");
  auto killer = call(g.port(), "POST", "/function/forky?kill_template", "x");
  ASSERT_TRUE(killer.ok());
  EXPECT_EQ(killer->status, 500);
  auto after = call(g.port(), "POST", "/function/forky", "still here");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->body, "still here");
  EXPECT_EQ(after->header("X-Faaslab-Replica"), "forky-1");  // the same replica
  std::string events;
  EXPECT_TRUE(wait_until(
      [&] {
        events = call(g.port(), "GET", "/system/faaslab/events")->body;
        return events.find("\"kind\":\"template_restart\"") != std::string::npos;
      },
      5s))
      << events;
  EXPECT_NE(events.find("\"kind\":\"template_exit\""), std::string::npos) << events;
  EXPECT_EQ(events.find("\"kind\":\"crash\""), std::string::npos) << events;
}

}  // namespace
}  // namespace faaslab::runtime
