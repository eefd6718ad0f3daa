// `faaslab topology` and `faaslab up` with a topology, as a user runs them: the reference
// topology shown and measured; replicas on their nodes, behind their links, and nothing left
// after Ctrl-C or (at the next start) after kill -9; bad files and flags a clear error, exit 2.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "common/clock.h"
#include "common/http_client.h"
#include "common/subprocess.h"
#include "netem/netns.h"
#include "support/test_data.h"

namespace faaslab {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string faaslab_bin() {
  return testing::binary("bin/faaslab");
}

std::string reference() {
  return std::string(FAASLAB_SOURCE_DIR) + "/deploy/topologies/reference.yml";
}

fs::path write_temp(const std::string& name, const std::string& text) {
  const fs::path p = fs::temp_directory_path() /
                     ("faaslab-topology-test-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(p) << text;
  return p;
}

TEST(TopologyCli, CheckShowsNodesAndLinks) {
  Subprocess p({faaslab_bin(), "topology", "check", "-f", reference()});
  ASSERT_EQ(p.wait(10s), 0) << p.err();
  EXPECT_NE(p.out().find("edge-1"), std::string::npos);
  EXPECT_NE(p.out().find("edge-1 -> cloud-1"), std::string::npos);
  EXPECT_NE(p.out().find("20Mbit/s"), std::string::npos);
}

TEST(TopologyCli, BadTopologyIsExitTwoNamingTheField) {
  const auto bad = write_temp("bad.yml",
                              "topology:\n  nodes:\n    edge-1: {role: edge, cpus: -1}\n"
                              "  links:\n    - {from: client, to: edge-1}\n");
  for (const char* sub : {"check", "calibrate"}) {
    Subprocess p({faaslab_bin(), "topology", sub, "-f", bad.string()});
    EXPECT_EQ(p.wait(10s), 2) << sub;
    EXPECT_NE(p.err().find("topology.nodes.edge-1.cpus"), std::string::npos) << p.err();
  }
  Subprocess missing({faaslab_bin(), "topology", "check", "-f", "/nonexistent/t.yml"});
  EXPECT_EQ(missing.wait(10s), 2);
  EXPECT_FALSE(missing.err().empty());
  Subprocess flags({faaslab_bin(), "topology", "calibrate", "-f", reference(), "--pings", "0"});
  EXPECT_EQ(flags.wait(10s), 2);
  EXPECT_NE(flags.err().find("--pings"), std::string::npos) << flags.err();
  fs::remove(bad);
}

// A stack of echo functions (the classic watchdog running `cat`) on an edge and a cloud node.
std::string echo_stack(const std::string& subnet) {
  return "version: 1.0\nprovider: {name: openfaas}\nfunctions:\n"
         "  at-edge:\n    fprocess: cat\n    constraints: [\"node.role == edge\"]\n"
         "  at-cloud:\n    fprocess: cat\n    constraints: [\"faaslab.node == cloud-1\"]\n"
         "  too-many:\n    fprocess: cat\n    constraints: [\"node.role == edge\"]\n"
         "    labels: {com.openfaas.scale.min: \"3\"}\n"
         "topology:\n  subnet: " +
         subnet +
         "\n  nodes:\n    edge-1: {role: edge, cpus: 0.5, max_replicas: 3}\n"
         "    cloud-1: {role: cloud, cpus: 1}\n"
         "  links:\n    - {from: client, to: edge-1, delay: 2ms, bandwidth: 100Mbit}\n"
         "    - {from: edge-1, to: cloud-1, delay: 20ms, bandwidth: 50Mbit}\n";
}

// Starts `faaslab up` and returns the port clients connect to, from its log.
std::uint16_t wait_up(Subprocess& up) {
  auto log = up.wait_for_stderr("gateway ready on 127.0.0.1:", 30s);
  if (!log) return 0;
  const auto at = log->find("gateway ready on 127.0.0.1:") + 27;
  return static_cast<std::uint16_t>(std::stoi(log->substr(at)));
}

std::vector<std::string> namespaces_of(pid_t pid) {
  std::vector<std::string> found;
  for (const auto& n : netem::list_namespaces())
    if (n.rfind("faaslab-" + std::to_string(pid) + "-", 0) == 0) found.push_back(n);
  return found;
}

// POSTs `body` to the function until it answers 200 (its replica may still be starting).
Result<HttpResponse> call(std::uint16_t port, const std::string& function, double* seconds) {
  HttpRequest req;
  req.method = "POST";
  req.target = "/function/" + function;
  req.body = "hello";
  Result<HttpResponse> r = make_error("not called");
  for (int attempt = 0; attempt < 100; ++attempt) {
    const auto start = SteadyClock::now();
    r = http_request("127.0.0.1", port, req, 20s);
    *seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
    if (r && r->status == 200) return r;
    std::this_thread::sleep_for(50ms);
  }
  return r;
}

TEST(TopologyCli, UpPlacesReplicasOnTheirNodesAndCleansUp) {
  if (auto ok = netem::check_namespace_support(); !ok) GTEST_SKIP() << ok.error();
  const auto stack = write_temp("echo-stack.yml", echo_stack("10.237.0.0/20"));
  Subprocess up({faaslab_bin(), "up", "-f", stack.string(), "--port", "0", "--no-auth"}, {}, -1,
                true);
  const std::uint16_t port = wait_up(up);
  ASSERT_NE(port, 0) << up.err();
  double seconds = 0;
  auto edge = call(port, "at-edge", &seconds);
  ASSERT_TRUE(edge.ok()) << edge.error();
  EXPECT_EQ(edge->status, 200);
  EXPECT_EQ(edge->body, "hello");
  EXPECT_EQ(edge->header("X-Faaslab-Node"), "edge-1");
  EXPECT_GE(seconds, 0.004);  // the client's link: 2 ms each way
  auto cloud = call(port, "at-cloud", &seconds);
  ASSERT_TRUE(cloud.ok()) << cloud.error();
  EXPECT_EQ(cloud->header("X-Faaslab-Node"), "cloud-1");
  EXPECT_GE(seconds, 0.044);  // and the edge's link to the cloud: 20 ms each way
  // Three replicas wanted on an edge node with room for one more beside at-edge's: two placed.
  auto too_many = call(port, "too-many", &seconds);
  ASSERT_TRUE(too_many.ok()) << too_many.error();
  EXPECT_EQ(too_many->header("X-Faaslab-Node"), "edge-1");
  auto log = up.wait_for_stderr("unplaced", 10s);
  ASSERT_TRUE(log.has_value());
  EXPECT_NE(log->find("max_replicas"), std::string::npos);
  EXPECT_EQ(namespaces_of(up.pid()).size(), 2u);

  // kill -9: the namespaces stay until the next start removes them.
  const pid_t first = up.pid();
  up.signal_group(SIGKILL);
  up.wait(10s);
  EXPECT_EQ(namespaces_of(first).size(), 2u);
  Subprocess again({faaslab_bin(), "up", "-f", stack.string(), "--port", "0", "--no-auth"}, {}, -1,
                   true);
  ASSERT_NE(wait_up(again), 0) << again.err();
  EXPECT_TRUE(namespaces_of(first).empty());
  EXPECT_EQ(namespaces_of(again.pid()).size(), 2u);
  // Ctrl-C: everything goes.
  const pid_t second = again.pid();
  again.signal(SIGINT);
  EXPECT_EQ(again.wait(60s), 0) << again.err();
  EXPECT_TRUE(namespaces_of(second).empty());
  for (const char* controller : {"cpu", "memory"}) {
    for (const auto& entry :
         fs::directory_iterator(std::string("/sys/fs/cgroup/") + controller,
                                std::filesystem::directory_options::skip_permission_denied)) {
      const std::string name = entry.path().filename().string();
      EXPECT_NE(name.rfind("faaslab-node-" + std::to_string(second) + "-", 0), 0u) << name;
    }
  }
  fs::remove(stack);
}

TEST(TopologyCli, UpWithABadTopologyIsExitTwo) {
  const auto stack =
      write_temp("stack.yml",
                 "version: 1.0\nprovider: {name: openfaas}\nfunctions:\n  f:\n    fprocess: cat\n"
                 "    constraints: [\"node.role == gpu\"]\n"
                 "topology:\n  nodes:\n    edge-1: {role: edge}\n  links:\n    - {from: client, "
                 "to: edge-1}\n");
  Subprocess p({faaslab_bin(), "up", "-f", stack.string(), "--port", "0"});
  EXPECT_EQ(p.wait(10s), 2);
  EXPECT_NE(p.err().find("match no node"), std::string::npos) << p.err();
  fs::remove(stack);
}

TEST(TopologyCli, CalibrateMeasuresTheReferenceLinks) {
  if (auto ok = netem::check_namespace_support(); !ok) GTEST_SKIP() << ok.error();
  const auto json = write_temp("cal.json", "");
  Subprocess p({faaslab_bin(), "topology", "calibrate", "-f", reference(), "--bulk-seconds", "0.5",
                "--json", json.string()});
  ASSERT_EQ(p.wait(60s), 0) << p.out() << p.err();
  EXPECT_NE(p.out().find("every link as configured"), std::string::npos) << p.out();
  std::ifstream in(json);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("\"rtt_s\""), std::string::npos);
  fs::remove(json);
}

}  // namespace
}  // namespace faaslab
