// The gateway (`faaslab up`) as a process: the REST contract faas-cli uses, routing, scaling,
// cold starts, crashes, timeouts, limits and bad input.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <tuple>
#include <vector>

#include "common/base64.h"
#include "runtime_test_support.h"

namespace faaslab::runtime {
namespace {

using namespace testing_support;
using nlohmann::json;

std::string basic(const std::string& user, const std::string& password) {
  const std::string s = user + ":" + password;
  return "Basic " + base64_encode({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()});
}

TEST(Gateway, TheRestContractFaasCliUses) {
  GatewayProcess g(stack(echo_function("existing")), {}, /*auth=*/true);
  ASSERT_NE(g.port(), 0) << g.process().err();
  const std::string password =
      faaslab::testing::read_text(g.dir() / "secrets" / "basic-auth-password");
  ASSERT_FALSE(password.empty());
  const HeaderList auth{{"Authorization", basic("admin", password.substr(0, password.find('\n')))}};

  // faas-cli login checks the credentials with GET /system/functions.
  auto unauthorised = call(g.port(), "GET", "/system/functions");
  EXPECT_EQ(unauthorised->status, 401);
  EXPECT_EQ(unauthorised->header("WWW-Authenticate"), "Basic realm=\"Restricted\"");
  EXPECT_EQ(
      call(g.port(), "GET", "/system/functions", "", {{"Authorization", basic("admin", "wrong")}})
          ->status,
      401);
  EXPECT_EQ(call(g.port(), "GET", "/system/functions", "", auth)->status, 200);

  // faas-cli deploy: PUT first; 404 for a new function; then POST, answered 202.
  const json deployment = {{"service", "echo"},
                           {"image", "faaslab/test:latest"},
                           {"envProcess", test_fn()},
                           {"envVars", {{"exec_timeout", "5s"}}},
                           {"labels", {{"com.openfaas.scale.min", "1"}}},
                           {"annotations", {{"owner", "tests"}}}};
  EXPECT_EQ(call(g.port(), "PUT", "/system/functions", deployment.dump(), auth)->status, 404);
  EXPECT_EQ(call(g.port(), "POST", "/system/functions", deployment.dump(), auth)->status, 202);
  EXPECT_EQ(call(g.port(), "POST", "/system/functions", deployment.dump(), auth)->status, 409);
  ASSERT_TRUE(wait_available(g.port(), "echo", 1, 20s, auth));

  // faas-cli list and describe.
  const auto list = json::parse(call(g.port(), "GET", "/system/functions", "", auth)->body);
  std::set<std::string> names;
  for (const auto& f : list) names.insert(f["name"].get<std::string>());
  EXPECT_EQ(names, (std::set<std::string>{"echo", "existing"}));
  // faas-cli invoke: stdin as the body, text/plain.
  auto invoked = call(g.port(), "POST", "/function/echo", "hello from faas-cli",
                      {{"Content-Type", "text/plain"}});
  ASSERT_TRUE(invoked.ok());
  EXPECT_EQ(invoked->status, 200);
  EXPECT_EQ(invoked->body, "hello from faas-cli");
  EXPECT_FALSE(invoked->header("X-Call-Id").empty());
  EXPECT_FALSE(invoked->header("X-Start-Time").empty());
  EXPECT_EQ(invoked->header("X-Faaslab-Replica"), "echo-1");
  const auto described =
      json::parse(call(g.port(), "GET", "/system/function/echo", "", auth)->body);
  EXPECT_EQ(described["name"], "echo");
  EXPECT_EQ(described["envProcess"], test_fn());
  EXPECT_EQ(described["replicas"], 1);
  EXPECT_EQ(described["availableReplicas"], 1);
  EXPECT_EQ(described["invocationCount"], 1);
  EXPECT_EQ(described["annotations"]["owner"], "tests");

  // faas-cli deploy again (update): PUT answered 202.
  EXPECT_EQ(call(g.port(), "PUT", "/system/functions", deployment.dump(), auth)->status, 202);
  // faas-cli remove.
  EXPECT_EQ(
      call(g.port(), "DELETE", "/system/functions", R"({"functionName":"echo"})", auth)->status,
      202);
  EXPECT_EQ(
      call(g.port(), "DELETE", "/system/functions", R"({"functionName":"echo"})", auth)->status,
      404);
  EXPECT_EQ(call(g.port(), "POST", "/function/echo", "x")->status, 404);
  // /system/info, /healthz and /metrics.
  const auto info = json::parse(call(g.port(), "GET", "/system/info", "", auth)->body);
  EXPECT_EQ(info["provider"]["provider"], "faaslab");
  EXPECT_EQ(call(g.port(), "GET", "/healthz")->status, 200);
  const auto metrics = call(g.port(), "GET", "/metrics")->body;
  EXPECT_NE(
      metrics.find("gateway_function_invocation_total{code=\"200\",function_name=\"echo\"} 1"),
      std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("gateway_functions_seconds_bucket"), std::string::npos);
  EXPECT_NE(metrics.find("gateway_service_count{function_name=\"existing\"} 1"), std::string::npos);
}

// docs/security.md: with auth on, every /system/ route and method (an unknown one included)
// answers 401 to a missing or wrong Authorization header, and such a call changes nothing;
// /function/, /healthz and /metrics are open, as on OpenFaaS.
TEST(Gateway, EverySystemRouteNeedsAuthAndAnUnauthorisedCallChangesNothing) {
  GatewayProcess g(stack(echo_function("echo")), {}, /*auth=*/true);
  ASSERT_NE(g.port(), 0) << g.process().err();
  std::string password = faaslab::testing::read_text(g.dir() / "secrets" / "basic-auth-password");
  password = password.substr(0, password.find('\n'));
  ASSERT_FALSE(password.empty());
  const HeaderList auth{{"Authorization", basic("admin", password)}};
  ASSERT_TRUE(wait_available(g.port(), "echo", 1, 20s, auth));

  const fs::path marker = g.dir() / "intruder-ran";
  const json intruder = {{"service", "intruder"},
                         {"envProcess", "/usr/bin/touch " + marker.string()},
                         {"labels", {{"com.openfaas.scale.min", "1"}}}};
  const std::vector<std::tuple<std::string, std::string, std::string>> calls = {
      {"GET", "/system/functions", ""},
      {"POST", "/system/functions", intruder.dump()},
      {"PUT", "/system/functions", intruder.dump()},
      {"DELETE", "/system/functions", R"({"functionName":"echo"})"},
      {"GET", "/system/function/echo", ""},
      {"POST", "/system/scale-function/echo", R"({"serviceName":"echo","replicas":0})"},
      {"GET", "/system/info", ""},
      {"GET", "/system/faaslab/events?since=0", ""},
      {"GET", "/system/no-such-route", ""},
  };
  const std::vector<HeaderList> not_allowed = {
      {},
      {{"Authorization", basic("admin", "wrong")}},
      {{"Authorization", basic("someone", password)}},
      {{"Authorization", basic("admin", password + "x")}},
      {{"Authorization", "Bearer " + password}},
      {{"Authorization", "Basic not-base64!"}},
  };
  for (const auto& [method, path, body] : calls) {
    for (const auto& headers : not_allowed) {
      auto r = call(g.port(), method, path, body, headers);
      ASSERT_TRUE(r.ok()) << r.error();
      EXPECT_EQ(r->status, 401) << method << " " << path;
      EXPECT_EQ(r->header("WWW-Authenticate"), "Basic realm=\"Restricted\"");
      EXPECT_EQ(r->body.find(password), std::string::npos);
    }
  }
  // Nothing changed: still one function with one replica, and the intruder's command never ran.
  const auto list = json::parse(call(g.port(), "GET", "/system/functions", "", auth)->body);
  ASSERT_EQ(list.size(), 1u) << list.dump();
  EXPECT_EQ(list[0]["name"], "echo");
  EXPECT_EQ(status_of(g.port(), "echo", auth)["replicas"], 1);
  EXPECT_FALSE(fs::exists(marker));

  // Open, as on OpenFaaS: invoking functions, the health check and the metrics.
  auto invoked = call(g.port(), "POST", "/function/echo", "no credentials needed");
  ASSERT_TRUE(invoked.ok());
  EXPECT_EQ(invoked->status, 200);
  EXPECT_EQ(invoked->body, "no credentials needed");
  EXPECT_EQ(call(g.port(), "GET", "/healthz")->status, 200);
  EXPECT_EQ(call(g.port(), "GET", "/metrics")->status, 200);
}

// docs/security.md: the replicas' TMPDIRs go below a directory of the gateway's own, made by
// mkdtemp in $TMPDIR (a name nobody can create first, mode 0700), removed when it stops.
TEST(Gateway, TheStateDirectoryIsPrivateAndRemovedOnExit) {
  GatewayProcess g(stack(echo_function("echo")));
  ASSERT_NE(g.port(), 0);
  ASSERT_TRUE(wait_available(g.port(), "echo", 1));
  auto state_dirs = [&] {
    std::vector<fs::path> found;
    for (const auto& e : fs::directory_iterator(g.dir())) {
      if (e.path().filename().string().rfind("faaslab-up-", 0) == 0) found.push_back(e.path());
    }
    return found;
  };
  const auto dirs = state_dirs();
  ASSERT_EQ(dirs.size(), 1u);
  struct stat st {};
  ASSERT_EQ(::stat(dirs[0].c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0700u) << dirs[0];
  EXPECT_EQ(st.st_uid, ::geteuid());
  EXPECT_NE(dirs[0].filename().string(), "faaslab-up-" + std::to_string(g.process().pid()))
      << "not a name another user could have made first";
  EXPECT_TRUE(fs::exists(dirs[0] / "echo-1")) << "the replica's TMPDIR is inside";
  EXPECT_EQ(g.stop(), 0);
  EXPECT_TRUE(state_dirs().empty()) << "removed on exit";
}

TEST(Gateway, BadRequestsGetClearErrors) {
  GatewayProcess g(stack(echo_function("echo")), {"--max-body-size", "1KiB"});
  ASSERT_NE(g.port(), 0) << g.process().err();
  const std::pair<std::string, std::string> bad_posts[] = {
      {"/system/functions", "{not json"},
      {"/system/functions", R"({"image":"x"})"},
      {"/system/functions", R"({"service":"No_Caps","envProcess":"cat"})"},
      {"/system/functions", R"({"service":"nofprocess","image":"x"})"},
      {"/system/functions",
       R"({"service":"badlabel","envProcess":"cat","labels":{"com.openfaas.scale.min":"x"}})"},
      {"/system/scale-function/echo", "[1,2]"},
      {"/system/scale-function/echo", R"({"replicas":"three"})"},
      {"/system/scale-function/echo", R"({"serviceName":"other","replicas":1})"},
  };
  for (const auto& [path, body] : bad_posts) {
    auto r = call(g.port(), "POST", path, body);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 400) << path << " " << body << ": " << r->body;
    EXPECT_TRUE(json::parse(r->body).contains("error"));
  }
  EXPECT_EQ(call(g.port(), "POST", "/system/scale-function/nothere", R"({"replicas":1})")->status,
            404);
  EXPECT_EQ(call(g.port(), "GET", "/system/function/nothere")->status, 404);
  EXPECT_EQ(call(g.port(), "PATCH", "/system/functions")->status, 405);
  EXPECT_EQ(call(g.port(), "POST", "/function/nothere", "x")->status, 404);
  EXPECT_EQ(call(g.port(), "POST", "/function/echo", std::string(4096, 'x'))->status, 413);
  EXPECT_EQ(call(g.port(), "GET", "/nowhere")->status, 404);
}

TEST(Gateway, BadStackFilesStopTheStartWithAMessage) {
  const std::pair<std::string, std::string> cases[] = {
      {"functions: [", "invalid YAML"},
      {stack("  nofprocess:\n    image: x\n"), "no fprocess"},
      {stack(echo_function("f", "    labels:\n      com.faaslab.routing: sideways\n")),
       "com.faaslab.routing"},
  };
  for (const auto& [text, expected] : cases) {
    GatewayProcess g(text);
    EXPECT_EQ(g.port(), 0);
    EXPECT_NE(g.process().wait(10s), 0);
    EXPECT_NE(g.process().err().find(expected), std::string::npos) << g.process().err();
  }
}

std::map<std::string, int> spread(std::uint16_t port, const std::string& fn, int requests,
                                  const std::string& query = "", int parallel = 1) {
  std::map<std::string, int> counts;
  std::mutex mu;
  std::vector<std::thread> threads;
  for (int t = 0; t < parallel; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < requests / parallel; ++i) {
        auto r = call(port, "POST", "/function/" + fn + query, "x");
        std::lock_guard lock(mu);
        counts[r.ok() && r->status == 200 ? r->header("X-Faaslab-Replica") : "error"]++;
      }
    });
  }
  for (auto& t : threads) t.join();
  return counts;
}

TEST(Gateway, RoutingPoliciesSpreadLoadAsSpecified) {
  const std::string labels =
      "    labels:\n      com.openfaas.scale.min: \"3\"\n      com.faaslab.routing: ";
  GatewayProcess g(stack(http_function("rr", labels + "round-robin\n") +
                         http_function("rand", labels + "random\n") +
                         http_function("least", labels + "least-inflight\n")),
                   {"--seed", "7"});  // random routing repeatable: the check cannot flake
  ASSERT_NE(g.port(), 0) << g.process().err();
  for (const char* f : {"rr", "rand", "least"}) ASSERT_TRUE(wait_available(g.port(), f, 3)) << f;

  // Round-robin: exactly even.
  const auto rr = spread(g.port(), "rr", 30);
  EXPECT_EQ(rr, (std::map<std::string, int>{{"rr-1", 10}, {"rr-2", 10}, {"rr-3", 10}}));
  // Random: every replica used, none hugely favoured.
  const auto rand = spread(g.port(), "rand", 60);
  EXPECT_EQ(rand.size(), 3u);
  for (const auto& [replica, n] : rand) EXPECT_GE(n, 6) << replica;
  // Least-inflight: 3 concurrent slow callers find 3 idle replicas, one each.
  const auto least = spread(g.port(), "least", 3, "?sleep=500ms", 3);
  EXPECT_EQ(least.size(), 3u);
  for (const auto& [replica, n] : least) EXPECT_EQ(n, 1) << replica;
}

TEST(Gateway, FifoQueueGivesEachReplicaOneRequestAtATime) {
  GatewayProcess g(stack(http_function(
      "fifo",
      "    labels:\n      com.openfaas.scale.min: \"2\"\n      com.faaslab.routing: fifo\n")));
  ASSERT_NE(g.port(), 0);
  ASSERT_TRUE(wait_available(g.port(), "fifo", 2));
  std::atomic<int> queued{0}, ok{0};
  std::vector<std::thread> threads;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      auto r = call(g.port(), "POST", "/function/fifo?sleep=300ms", "x");
      if (r.ok() && r->status == 200) ++ok;
      if (r.ok() && !r->header("X-Faaslab-Queue-Seconds").empty()) ++queued;
    });
  }
  for (auto& t : threads) t.join();
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(ok, 6);
  EXPECT_GE(queued, 4);   // two served at once, the rest waited in the queue
  EXPECT_GE(took, 0.85);  // 6 requests x 300 ms over 2 one-at-a-time replicas: >= 900 ms
}

TEST(Gateway, ScalesUpDownToZeroAndColdStartsBack) {
  GatewayProcess g(stack(http_function("sc")));
  ASSERT_NE(g.port(), 0);
  ASSERT_TRUE(wait_available(g.port(), "sc", 1));
  auto scale = [&](int n) {
    return call(g.port(), "POST", "/system/scale-function/sc",
                json{{"serviceName", "sc"}, {"replicas", n}}.dump())
        ->status;
  };
  EXPECT_EQ(scale(3), 202);
  EXPECT_TRUE(wait_available(g.port(), "sc", 3));
  EXPECT_EQ(scale(1), 202);
  EXPECT_TRUE(wait_available(g.port(), "sc", 1));
  EXPECT_EQ(scale(0), 202);
  EXPECT_TRUE(wait_available(g.port(), "sc", 0));
  // A request at zero replicas is held while one starts, and says how long it waited.
  auto cold = call(g.port(), "POST", "/function/sc", "wake up");
  ASSERT_TRUE(cold.ok());
  EXPECT_EQ(cold->status, 200);
  EXPECT_EQ(cold->body, "wake up");
  ASSERT_FALSE(cold->header("X-Faaslab-Cold-Start-Seconds").empty());
  EXPECT_GT(std::stod(cold->header("X-Faaslab-Cold-Start-Seconds")), 0.0);
  auto warm = call(g.port(), "POST", "/function/sc", "again");
  EXPECT_TRUE(warm->header("X-Faaslab-Cold-Start-Seconds").empty());
  const auto events = json::parse(call(g.port(), "GET", "/system/faaslab/events")->body);
  std::multiset<std::string> kinds;
  for (const auto& e : events) kinds.insert(e["kind"].get<std::string>());
  EXPECT_EQ(kinds.count("cold_start"), 1u);
  EXPECT_GE(kinds.count("scale"), 4u);
  EXPECT_GE(kinds.count("ready"), 4u);
  g.stop();
  EXPECT_NE(g.events().find("\"kind\":\"cold_start\""),
            std::string::npos);  // also in the JSON-lines file
}

TEST(Gateway, WithoutScaleFromZeroAFunctionAtZeroAnswers503) {
  GatewayProcess g(
      stack(echo_function("idle", "    labels:\n      com.openfaas.scale.min: \"0\"\n")),
      {"--no-scale-from-zero"});
  ASSERT_NE(g.port(), 0);
  auto r = call(g.port(), "POST", "/function/idle", "x");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 503);
  EXPECT_NE(r->body.find("scaled to zero"), std::string::npos);
}

TEST(Gateway, ACrashedReplicaIsRestartedAndOnlyItsRequestsFail) {
  GatewayProcess g(stack(http_function("crashy")));
  ASSERT_NE(g.port(), 0);
  ASSERT_TRUE(wait_available(g.port(), "crashy", 1));
  auto crash = call(g.port(), "POST", "/function/crashy?crash", "x");
  ASSERT_TRUE(crash.ok());
  EXPECT_EQ(crash->status, 502);
  // Back after a restart with back-off; requests meanwhile wait for it.
  auto after = call(g.port(), "POST", "/function/crashy", "still here");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->status, 200) << after->body;
  EXPECT_EQ(after->body, "still here");
  EXPECT_NE(after->header("X-Faaslab-Replica"), "crashy-1");
  const std::string events = call(g.port(), "GET", "/system/faaslab/events")->body;
  EXPECT_NE(events.find("\"kind\":\"crash\""), std::string::npos);
  EXPECT_NE(events.find("\"kind\":\"restart\""), std::string::npos);
}

TEST(Gateway, AFunctionThatNeverStartsIsReportedNotRetriedForever) {
  GatewayProcess g(stack("  broken:\n    image: x\n    fprocess: " + test_fn() +
                         " --http\n    environment:\n      mode: http\n      upstream_url: "
                         "http://127.0.0.1:8082\n      exit_at_start: \"7\"\n"));
  ASSERT_NE(g.port(), 0);
  // Five failed starts with back-off (0.2 + 0.4 + 0.8 + 1.6 s), then it is given up.
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  json s;
  while (std::chrono::steady_clock::now() < deadline) {
    s = status_of(g.port(), "broken");
    if (s["faaslab"].contains("unhealthy")) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(s["faaslab"].contains("unhealthy")) << s.dump();
  EXPECT_NE(s["faaslab"]["unhealthy"].get<std::string>().find("exit status 7"), std::string::npos);
  auto r = call(g.port(), "POST", "/function/broken", "x");
  EXPECT_EQ(r->status, 503);
  EXPECT_NE(r->body.find("did not start"), std::string::npos);
  std::this_thread::sleep_for(1s);
  const std::string events = call(g.port(), "GET", "/system/faaslab/events")->body;
  std::size_t starts = 0;
  for (auto at = events.find("\"kind\":\"start\""); at != std::string::npos;
       at = events.find("\"kind\":\"start\"", at + 1))
    ++starts;
  EXPECT_EQ(starts, 5u);
}

TEST(Gateway, UpstreamTimeoutIs504) {
  GatewayProcess g(stack(http_function("slow")), {"--upstream-timeout", "500ms"});
  ASSERT_NE(g.port(), 0);
  ASSERT_TRUE(wait_available(g.port(), "slow", 1));
  const auto start = std::chrono::steady_clock::now();
  auto r = call(g.port(), "POST", "/function/slow?sleep=3s", "x");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 504);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(Gateway, AutoscalerFollowsCapacityAndScalesBackAfterTheWindow) {
  GatewayProcess g(stack(http_function(
      "auto",
      "    labels:\n      com.openfaas.scale.type: capacity\n      com.openfaas.scale.target: "
      "\"1\"\n"
      "      com.openfaas.scale.target-proportion: \"1\"\n      com.openfaas.scale.max: \"3\"\n"
      "      com.openfaas.scale.down.window: 1s\n      com.faaslab.routing: least-inflight\n")));
  ASSERT_NE(g.port(), 0);
  ASSERT_TRUE(wait_available(g.port(), "auto", 1));
  std::vector<std::thread> load;
  for (int i = 0; i < 3; ++i) {
    load.emplace_back([&] { call(g.port(), "POST", "/function/auto?sleep=1500ms", "x"); });
  }
  bool reached = false;
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  while (!reached && std::chrono::steady_clock::now() < deadline) {
    reached = status_of(g.port(), "auto").value("replicas", 0) == 3;
    std::this_thread::sleep_for(20ms);
  }
  for (auto& t : load) t.join();
  EXPECT_TRUE(reached) << "3 requests in flight with target 1 should ask for 3 replicas";
  EXPECT_TRUE(wait_available(g.port(), "auto", 1, 10s)) << status_of(g.port(), "auto").dump();
}

// Scale to zero after zero-duration idle, for both autoscaler types (issue 20: the rps
// autoscaler's window bookkeeping counted as an invocation every tick, so an rps function never
// went idle).
TEST(Gateway, IdleFunctionsOfBothScaleTypesGoToZeroAndComeBack) {
  auto function = [](const std::string& name, const std::string& type) {
    return http_function(name, "    labels:\n      com.openfaas.scale.type: " + type +
                                   "\n      com.openfaas.scale.zero: \"true\"\n"
                                   "      com.openfaas.scale.zero-duration: 1s\n");
  };
  GatewayProcess g(stack(function("by-capacity", "capacity") + function("by-rps", "rps")));
  ASSERT_NE(g.port(), 0);
  for (const std::string name : {"by-capacity", "by-rps"}) {
    ASSERT_TRUE(wait_available(g.port(), name, 1)) << name;
    auto r = call(g.port(), "POST", "/function/" + name, "x");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200);
  }
  for (const std::string name : {"by-capacity", "by-rps"}) {
    EXPECT_TRUE(wait_available(g.port(), name, 0, 6s))
        << name << " did not scale to zero: " << status_of(g.port(), name).dump();
    auto cold = call(g.port(), "POST", "/function/" + name, "again");
    ASSERT_TRUE(cold.ok());
    EXPECT_EQ(cold->status, 200) << name;
    EXPECT_FALSE(cold->header("X-Faaslab-Cold-Start-Seconds").empty()) << name;
  }
}

TEST(Gateway, LimitsAreAppliedToReplicas) {
  GatewayProcess g(
      stack(echo_function("limited", "    limits:\n      cpu: \"1\"\n      memory: 512Mi\n")));
  ASSERT_NE(g.port(), 0);
  ASSERT_TRUE(wait_available(g.port(), "limited", 1));
  auto r = call(g.port(), "POST", "/function/limited?status=/proc", "");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200);
  const auto at = r->body.find("Cpus_allowed_list:\t");
  ASSERT_NE(at, std::string::npos);
  const std::string cpus = r->body.substr(at + 19, r->body.find('\n', at) - at - 19);
  EXPECT_EQ(cpus.find(','), std::string::npos) << "pinned to one core, got " << cpus;
  EXPECT_EQ(cpus.find('-'), std::string::npos) << "pinned to one core, got " << cpus;
  // Memory: a cgroup v1 memory group where the machine allows it, else RLIMIT_DATA.
  const bool in_group = r->body.find("faaslab-") != std::string::npos;
  const bool data_limit = r->body.find("Max data size             536870912") != std::string::npos;
  EXPECT_TRUE(in_group || data_limit) << r->body;
}

}  // namespace
}  // namespace faaslab::runtime
