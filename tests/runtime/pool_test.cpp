// The gateway's function pool end to end (`faaslab up` as a process, real replicas): the paths
// where a runtime earns trust — a full queue, a wait that times out, a replica that never gets
// healthy, a redeploy under load, concurrency, and the autoscaler's new replicas really serving.
// The dispatcher's logic itself is unit-tested in dispatcher_test.cpp on a fake clock.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <vector>

#include "runtime_test_support.h"

namespace faaslab::runtime {
namespace {

using namespace testing_support;
using nlohmann::json;

int faaslab_field(std::uint16_t port, const std::string& name, const char* field) {
  const auto s = status_of(port, name);
  return s.is_null() ? -1 : s["faaslab"].value(field, -1);
}

// A request on its own thread; status and replica once answered.
class Call {
 public:
  Call(std::uint16_t port, std::string target, Micros timeout = std::chrono::seconds(30))
      : thread_([this, port, target = std::move(target), timeout] {
          auto r = call(port, "POST", target, "x", {}, timeout);
          if (r.ok()) {
            replica_ = r->header("X-Faaslab-Replica");
            internal_ = r->header("X-OpenFaaS-Internal");
            queue_seconds_ = r->header("X-Faaslab-Queue-Seconds");
            body_ = r->body;
          }
          status_ = r.ok() ? r->status : -1;
        }) {}
  ~Call() {
    if (thread_.joinable()) thread_.join();
  }
  int status() {
    if (thread_.joinable()) thread_.join();
    return status_;
  }
  const std::string& replica() {
    status();
    return replica_;
  }
  double queue_seconds() {
    status();
    return queue_seconds_.empty() ? 0.0 : std::stod(queue_seconds_);
  }
  const std::string& internal() {
    status();
    return internal_;
  }
  const std::string& body() {
    status();
    return body_;
  }

 private:
  std::atomic<int> status_{0};
  std::string replica_, internal_, queue_seconds_, body_;
  std::thread thread_;
};

// fifo, one request per replica, one replica: the second request waits in the queue.
const std::string kOneAtATime =
    "    labels:\n      com.faaslab.routing: fifo\n      com.faaslab.concurrency: \"1\"\n";

TEST(Pool, AFullQueueAnswers429MarkedAsNotProcessed) {
  GatewayProcess g(stack(http_function("q", kOneAtATime + "      com.faaslab.queue: \"1\"\n")));
  ASSERT_NE(g.port(), 0) << g.process().err();
  ASSERT_TRUE(wait_available(g.port(), "q", 1));
  const auto started = g.dir() / "started";
  Call busy(g.port(), "/function/q?sleep=3s&started=" + started.string());
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(started); }, 10s));
  Call waiting(g.port(), "/function/q");
  ASSERT_TRUE(wait_until([&] { return faaslab_field(g.port(), "q", "queued") == 1; }, 10s));
  auto refused = call(g.port(), "POST", "/function/q", "x");
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 429);
  EXPECT_EQ(refused->header("X-OpenFaaS-Internal"), "faaslab-gateway");
  EXPECT_NE(refused->body.find("queue full"), std::string::npos) << refused->body;
  EXPECT_EQ(busy.status(), 200);
  EXPECT_EQ(waiting.status(), 200) << "the queued request is served once the replica is free";
  EXPECT_GT(waiting.queue_seconds(), 0.0);
}

// A request waits in the queue while no replica can take it — here the only replica is still
// starting (a cold start longer than the timeout) — and is answered 504 at upstream_timeout.
TEST(Pool, ARequestThatWaitedPastTheUpstreamTimeoutIs504) {
  GatewayProcess g(stack(http_function("w", "", "      startup_delay: 6s\n")),
                   {"--upstream-timeout", "1500ms"});
  ASSERT_NE(g.port(), 0) << g.process().err();
  const auto sent = std::chrono::steady_clock::now();
  Call waiting(g.port(), "/function/w");
  EXPECT_EQ(waiting.status(), 504);
  EXPECT_NE(waiting.body().find("no replica became free"), std::string::npos) << waiting.body();
  const auto took = std::chrono::steady_clock::now() - sent;
  EXPECT_GE(took, 1400ms);
  EXPECT_LT(took, 4s) << "answered at the timeout, not when the replica is up";
  EXPECT_EQ(faaslab_field(g.port(), "w", "queued"), 0);
}

TEST(Pool, AReplicaNotHealthyWithinTheStartTimeoutIsAFailedStart) {
  GatewayProcess g(stack(http_function("slowstart", "", "      startup_delay: 20s\n")),
                   {"--replica-start-timeout", "300ms"});
  ASSERT_NE(g.port(), 0) << g.process().err();
  // Five starts that never answer their health check in time (with back-off between), then the
  // function is given up on with the reason.
  ASSERT_TRUE(wait_until(
      [&] { return status_of(g.port(), "slowstart")["faaslab"].contains("unhealthy"); }, 30s))
      << status_of(g.port(), "slowstart").dump();
  const std::string why = status_of(g.port(), "slowstart")["faaslab"]["unhealthy"];
  EXPECT_NE(why.find("not healthy within 300ms"), std::string::npos) << why;
  auto r = call(g.port(), "POST", "/function/slowstart", "x");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 503);
  // Each timed-out replica was stopped: none is left running.
  EXPECT_TRUE(
      wait_until([&] { return faaslab_field(g.port(), "slowstart", "stopping") == 0; }, 20s));
}

TEST(Pool, ARedeployReplacesReplicasWithoutDroppingRequestsInFlight) {
  GatewayProcess g(stack(http_function("up", "    labels:\n      com.openfaas.scale.min: \"2\"\n",
                                       "      generation: \"1\"\n")));
  ASSERT_NE(g.port(), 0) << g.process().err();
  ASSERT_TRUE(wait_available(g.port(), "up", 2));
  std::vector<std::unique_ptr<Call>> in_flight;
  for (int i = 0; i < 2; ++i) {
    const auto started = g.dir() / ("started-" + std::to_string(i));
    in_flight.push_back(
        std::make_unique<Call>(g.port(), "/function/up?sleep=2s&started=" + started.string()));
    ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(started); }, 10s));
  }
  // faas-cli deploy of a changed function: PUT.
  json deployment = {
      {"service", "up"},
      {"image", "faaslab/test:latest"},
      {"envProcess", test_fn() + " --http"},
      {"envVars",
       {{"mode", "http"}, {"upstream_url", "http://127.0.0.1:8082"}, {"generation", "2"}}},
      {"labels", {{"com.openfaas.scale.min", "2"}}}};
  ASSERT_EQ(call(g.port(), "PUT", "/system/functions", deployment.dump())->status, 202);
  Call during(g.port(), "/function/up");
  for (auto& c : in_flight) {
    EXPECT_EQ(c->status(), 200) << "a request in flight at the redeploy finishes";
    EXPECT_TRUE(c->replica() == "up-1" || c->replica() == "up-2") << c->replica();
  }
  EXPECT_EQ(during.status(), 200);
  EXPECT_NE(during.replica(), "up-1");
  EXPECT_NE(during.replica(), "up-2");
  ASSERT_TRUE(wait_available(g.port(), "up", 2));
  EXPECT_TRUE(wait_until(
      [&] {
        const auto names = status_of(g.port(), "up")["faaslab"]["replicaNames"];
        return names.size() == 2 && names[0] != "up-1" && names[0] != "up-2" &&
               names[1] != "up-1" && names[1] != "up-2";
      },
      20s))
      << "the old replicas stopped once drained: " << status_of(g.port(), "up").dump();
}

TEST(Pool, ConcurrencyLetsAReplicaTakeThatManyRequestsAtOnce) {
  GatewayProcess g(stack(http_function(
      "c2",
      "    labels:\n      com.faaslab.routing: fifo\n      com.faaslab.concurrency: \"2\"\n")));
  ASSERT_NE(g.port(), 0) << g.process().err();
  ASSERT_TRUE(wait_available(g.port(), "c2", 1));
  std::vector<std::unique_ptr<Call>> calls;
  for (int i = 0; i < 4; ++i)
    calls.push_back(std::make_unique<Call>(g.port(), "/function/c2?sleep=1500ms"));
  int waited = 0;
  for (auto& c : calls) {
    ASSERT_EQ(c->status(), 200);
    if (c->queue_seconds() > 0.75) ++waited;
  }
  EXPECT_EQ(waited, 2) << "two served at once, two waited for them";
}

TEST(Pool, TheAutoscalersNewReplicasServeRequests) {
  GatewayProcess g(stack(http_function(
      "grow",
      "    labels:\n      com.openfaas.scale.type: capacity\n      com.openfaas.scale.target: "
      "\"1\"\n      com.openfaas.scale.target-proportion: \"1\"\n      com.openfaas.scale.max: "
      "\"3\"\n      com.openfaas.scale.down.window: 60s\n      com.faaslab.routing: "
      "least-inflight\n")));
  ASSERT_NE(g.port(), 0) << g.process().err();
  ASSERT_TRUE(wait_available(g.port(), "grow", 1));
  {
    std::vector<std::unique_ptr<Call>> load;
    for (int i = 0; i < 3; ++i)
      load.push_back(std::make_unique<Call>(g.port(), "/function/grow?sleep=1500ms"));
  }
  ASSERT_TRUE(wait_available(g.port(), "grow", 3, 20s)) << status_of(g.port(), "grow").dump();
  // Three at once now find three replicas, each taking one: the new ones serve.
  std::set<std::string> served_by;
  {
    std::vector<std::unique_ptr<Call>> calls;
    for (int i = 0; i < 3; ++i) {
      const auto started = g.dir() / ("s" + std::to_string(i));
      calls.push_back(
          std::make_unique<Call>(g.port(), "/function/grow?sleep=1s&started=" + started.string()));
      ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(started); }, 10s));
    }
    for (auto& c : calls) {
      EXPECT_EQ(c->status(), 200);
      served_by.insert(c->replica());
    }
  }
  EXPECT_EQ(served_by.size(), 3u);
  EXPECT_TRUE(served_by.count("grow-2") && served_by.count("grow-3"))
      << "the autoscaled replicas took requests";
}

}  // namespace
}  // namespace faaslab::runtime
