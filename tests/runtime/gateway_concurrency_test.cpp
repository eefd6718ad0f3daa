// The gateway in this process (so ThreadSanitizer sees its threads, the pool, the dispatcher and
// the upstream connections at once): clients call a function from several threads while
// another thread scales it up and down, redeploys it and reads its status and metrics. Every
// call must be answered 200 with its own body. Replicas are real faaslab-watchdog processes.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "runtime/gateway.h"
#include "runtime_test_support.h"

namespace faaslab::runtime {
namespace {

using namespace std::chrono_literals;
using namespace testing_support;

FunctionSpec echo_function() {
  FunctionSpec spec;
  spec.name = "echo";
  spec.fprocess = test_fn() + " --http";
  spec.environment = {{"mode", "http"}, {"upstream_url", "http://127.0.0.1:8082"}};
  spec.labels = {{"com.openfaas.scale.min", "2"}, {"com.openfaas.scale.max", "4"}};
  return spec;
}

TEST(GatewayConcurrency, CallsScalingRedeployAndStatusAtOnce) {
  TempDir state;
  GatewayOptions o;
  o.port = 0;
  o.threads = 2;
  o.auth = false;
  o.tick_interval = 20ms;
  o.pool.watchdog_path = faaslab::testing::binary("bin/faaslab-watchdog");
  o.pool.bin_dir = faaslab::testing::binary("bin");
  o.pool.state_dir = state.path().string();
  o.pool.upstream_timeout = 20s;
  Gateway gateway(o);
  ASSERT_TRUE(gateway.start({echo_function()}).ok());
  const auto port = gateway.port();
  ASSERT_TRUE(wait_until(
      [&] {
        auto r = call(port, "GET", "/system/function/echo");
        return r.ok() && r->status == 200 &&
               nlohmann::json::parse(r->body).value("availableReplicas", 0) >= 2;
      },
      20s));

  constexpr int kClients = 4;
  constexpr int kMaxCalls = 2000;  // per client; they stop when the admin script is done
  std::atomic<int> ok{0};
  std::atomic<int> sent{0};
  std::vector<std::string> failures;
  std::mutex failures_mu;
  std::atomic<bool> admin_done{false};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < kMaxCalls && !admin_done; ++i) {
        ++sent;
        const std::string body = "client " + std::to_string(c) + " call " + std::to_string(i);
        auto r = call(port, "POST", "/function/echo", body);
        if (r.ok() && r->status == 200 && r->body == body) {
          ++ok;
        } else {
          std::lock_guard lock(failures_mu);
          failures.push_back(r.ok() ? std::to_string(r->status) + " " + r->body : r.error());
        }
      }
    });
  }
  // Meanwhile: scale 2 -> 4 -> 1 -> 3, redeploy, and read status and metrics.
  std::thread admin([&] {
    const char* scales[] = {R"({"replicas": 4})", R"({"replicas": 1})", R"({"replicas": 3})"};
    for (int round = 0; round < 12; ++round) {
      if (round % 3 == 0 && round / 3 < 3)
        call(port, "POST", "/system/scale-function/echo", scales[round / 3]);
      if (round == 9) {
        nlohmann::json deploy = {
            {"service", "echo"},
            {"image", "faaslab/test:2"},
            {"envProcess", test_fn() + " --http"},
            {"envVars", {{"mode", "http"}, {"upstream_url", "http://127.0.0.1:8082"}}},
            {"labels", {{"com.openfaas.scale.min", "2"}}}};
        call(port, "PUT", "/system/functions", deploy.dump());
      }
      call(port, "GET", "/system/functions");
      call(port, "GET", "/metrics");
      std::this_thread::sleep_for(100ms);  // lets the pool start and stop replicas meanwhile
    }
    admin_done = true;
  });
  admin.join();
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), sent.load());
  EXPECT_GT(sent.load(), kClients * 5);
  for (std::size_t i = 0; i < failures.size() && i < 5; ++i) ADD_FAILURE() << failures[i];
  gateway.shutdown(5s);
}

}  // namespace
}  // namespace faaslab::runtime
