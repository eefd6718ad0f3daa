// `faaslab topology` and `faaslab up` with a topology, as a user runs them: the reference
// topology shown and measured; replicas on their nodes, behind their links, and nothing left
// after Ctrl-C or (at the next start) after kill -9; bad files and flags a clear error, exit 2.
#include <gtest/gtest.h>
#include <sys/stat.h>
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

// Functions with a replica on each node, each under another placement policy.
std::string policy_stack(const std::string& subnet) {
  auto fn = [](const std::string& name, const std::string& labels) {
    return "  " + name +
           ":\n    fprocess: faaslab-test-fn\n    labels: {com.openfaas.scale.min: \"2\", " +
           labels + "}\n";
  };
  return "version: 1.0\nprovider: {name: openfaas}\nfunctions:\n" +
         fn("p-cloud", "com.faaslab.placement: cloud-only") +
         fn("p-first", "com.faaslab.placement: edge-first, com.faaslab.offload_threshold: \"1\"") +
         fn("p-retry", "com.faaslab.placement: edge-retry") +
         fn("p-split", "com.faaslab.placement: split, com.faaslab.split: \"0.5\"") +
         "topology:\n  subnet: " + subnet +
         "\n  nodes:\n    edge-1: {role: edge, cpus: 1}\n    cloud-1: {role: cloud}\n"
         "  links:\n    - {from: client, to: edge-1, delay: 1ms}\n"
         "    - {from: edge-1, to: cloud-1, delay: 5ms, bandwidth: 100Mbit}\n";
}

Result<HttpResponse> call_once(std::uint16_t port, const std::string& target) {
  HttpRequest req;
  req.method = "POST";
  req.target = target;
  req.body = "frame";
  return http_request("127.0.0.1", port, req, 20s);
}

TEST(TopologyCli, PlacementPoliciesChooseTheTierAndSayWhy) {
  if (auto ok = netem::check_namespace_support(); !ok) GTEST_SKIP() << ok.error();
  const auto stack = write_temp("policy-stack.yml", policy_stack("10.238.0.0/20"));
  Subprocess up(
      {faaslab_bin(), "up", "-f", stack.string(), "--port", "0", "--no-auth", "--seed", "5"}, {},
      -1, true);
  const std::uint16_t port = wait_up(up);
  ASSERT_NE(port, 0) << up.err();
  // Every replica ready: two per function.
  for (const char* fn : {"p-cloud", "p-first", "p-retry", "p-split"}) {
    for (int id = 1; id <= 2; ++id) {
      const std::string needle =
          std::string("event ready ") + fn + " " + fn + "-" + std::to_string(id) + " ";
      ASSERT_TRUE(up.wait_for_stderr(needle, 30s).has_value()) << needle << "\n" << up.err();
    }
  }

  for (int i = 0; i < 5; ++i) {
    auto r = call_once(port, "/function/p-cloud");
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(r->header("X-Faaslab-Node"), "cloud-1");
    EXPECT_EQ(r->header("X-Faaslab-Placement"), "cloud; cloud-only");
  }

  auto failed_at_edge = call_once(port, "/function/p-retry?fail_on=edge-1");
  ASSERT_TRUE(failed_at_edge.ok()) << failed_at_edge.error();
  EXPECT_EQ(failed_at_edge->status, 200) << failed_at_edge->body;
  EXPECT_EQ(failed_at_edge->header("X-Faaslab-Node"), "cloud-1");
  EXPECT_NE(failed_at_edge->header("X-Faaslab-Placement").find("the edge failed (status 500)"),
            std::string::npos)
      << failed_at_edge->header("X-Faaslab-Placement");
  auto fine_at_edge = call_once(port, "/function/p-retry");
  ASSERT_TRUE(fine_at_edge.ok());
  EXPECT_EQ(fine_at_edge->header("X-Faaslab-Node"), "edge-1");

  // Edge-first with a threshold of 1: while one request is at the edge, the others offload.
  std::vector<std::string> nodes(4), reasons(4);
  std::vector<std::thread> clients;
  for (int i = 0; i < 4; ++i) {
    clients.emplace_back([&, i] {
      auto r = call_once(port, "/function/p-first?sleep=500ms");
      if (r) {
        nodes[i] = r->header("X-Faaslab-Node");
        reasons[i] = r->header("X-Faaslab-Placement");
      }
    });
    std::this_thread::sleep_for(50ms);
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(nodes[0], "edge-1") << reasons[0];
  int offloaded = 0;
  for (int i = 1; i < 4; ++i) {
    if (nodes[i] == "cloud-1") {
      ++offloaded;
      EXPECT_NE(reasons[i].find("edge saturated"), std::string::npos) << reasons[i];
    }
  }
  EXPECT_EQ(offloaded, 3);

  int at_cloud = 0;
  for (int i = 0; i < 40; ++i) {
    auto r = call_once(port, "/function/p-split");
    ASSERT_TRUE(r.ok());
    if (r->header("X-Faaslab-Node") == "cloud-1") ++at_cloud;
  }
  EXPECT_GT(at_cloud, 5);  // 40 draws at 0.5: 20 on average; 5 or fewer has p < 1e-5
  EXPECT_LT(at_cloud, 35);
  up.signal(SIGINT);
  EXPECT_EQ(up.wait(60s), 0);
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

TEST(TopologyCli, PlanOnATopologyChecksItsInput) {
  Subprocess no_db({faaslab_bin(), "model", "plan", "--topology", reference(), "--users", "4",
                    "--objective", "mean<1s"});
  EXPECT_EQ(no_db.wait(10s), 2);
  EXPECT_NE(no_db.err().find("--database"), std::string::npos) << no_db.err();
  Subprocess bad_file({faaslab_bin(), "model", "plan", "--topology", "/nonexistent/t.yml",
                       "--database", "/nonexistent/c.db", "--users", "4", "--objective",
                       "mean<1s"});
  EXPECT_EQ(bad_file.wait(10s), 2);
  Subprocess no_users({faaslab_bin(), "model", "plan", "--topology", reference(), "--database",
                       "/nonexistent/c.db", "--objective", "mean<1s"});
  EXPECT_EQ(no_users.wait(10s), 2);
  EXPECT_NE(no_users.err().find("--users"), std::string::npos) << no_users.err();
  Subprocess no_db_file({faaslab_bin(), "model", "plan", "--topology", reference(), "--database",
                         "/nonexistent/c.db", "--users", "4", "--objective", "mean<1s"});
  EXPECT_EQ(no_db_file.wait(10s), 1);
  EXPECT_NE(no_db_file.err().find("cannot read"), std::string::npos) << no_db_file.err();
}

// Without the rights to make namespaces (here: as user nobody), a topology is refused with the
// reason and exit 2, never run on loopback instead.
TEST(TopologyCli, WithoutTheRightsATopologyIsRefusedWithExitTwo) {
  std::vector<std::string> prefix;
  if (::geteuid() == 0) {
    if (::access("/usr/bin/setpriv", X_OK) != 0) GTEST_SKIP() << "no setpriv to drop root";
    prefix = {"/usr/bin/setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"};
  }
  auto as_user = [&](std::vector<std::string> args) {
    args.insert(args.begin(), prefix.begin(), prefix.end());
    return args;
  };
  // The files in the temporary directory, which any user can read (a checkout may not be).
  auto copy = [](const std::string& from, const std::string& name) {
    std::ifstream in(from);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto path = write_temp(name, text);
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                              fs::perms::others_read);
    return path;
  };
  const auto topology = copy(reference(), "rights-topology.yml");
  const auto stack =
      copy(std::string(FAASLAB_SOURCE_DIR) + "/deploy/edge-cloud-stack.yml", "rights-stack.yml");
  Subprocess calibrate(as_user({faaslab_bin(), "topology", "calibrate", "-f", topology.string()}));
  const int code = calibrate.wait(20s);
  if (code == 127) GTEST_SKIP() << "user nobody cannot run the build here: " << calibrate.err();
  EXPECT_EQ(code, 2);
  EXPECT_NE(calibrate.err().find("network namespaces cannot be made here"), std::string::npos)
      << calibrate.err();
  Subprocess up(as_user({faaslab_bin(), "up", "-f", stack.string(), "--port", "0", "--no-auth"}));
  EXPECT_EQ(up.wait(20s), 2);
  EXPECT_NE(up.err().find("has a topology, and network namespaces cannot be made here"),
            std::string::npos)
      << up.err();
  // A watchdog path this user cannot reach is a clear error, not a crash.
  struct stat root_dir {};
  if (!prefix.empty() && ::stat("/root", &root_dir) == 0 && (root_dir.st_mode & S_IXOTH) == 0) {
    const auto plain = write_temp("rights-plain.yml",
                                  "version: 1.0\nprovider: {name: openfaas}\nfunctions:\n"
                                  "  f:\n    fprocess: cat\n");
    fs::permissions(plain, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                               fs::perms::others_read);
    Subprocess unreachable(as_user({faaslab_bin(), "up", "-f", plain.string(), "--port", "0",
                                    "--no-auth", "--watchdog", "/root/faaslab-watchdog"}));
    EXPECT_EQ(unreachable.wait(20s), 2) << unreachable.err();
    EXPECT_NE(unreachable.err().find("cannot be reached"), std::string::npos) << unreachable.err();
    fs::remove(plain);
  }
  fs::remove(topology);
  fs::remove(stack);
}

TEST(TopologyCli, CalibrateMeasuresTheReferenceLinks) {
  if (auto ok = netem::check_namespace_support(); !ok) GTEST_SKIP() << ok.error();
  const auto json = write_temp("cal.json", "");
  Subprocess p({faaslab_bin(), "topology", "calibrate", "-f", reference(), "--bulk-seconds", "0.5",
                "--json", json.string()});
  // 0: every link as configured; 1: one missed its tolerance (a busy machine can do that to a
  // 100 Mbit/s relay: tests/netem measures the tolerances, serially and with retries). Either
  // way the table and the JSON are there.
  const int code = p.wait(60s);
  ASSERT_TRUE(code == 0 || code == 1) << p.out() << p.err();
  EXPECT_NE(p.out().find(code == 0 ? "every link as configured" : "some links are not"),
            std::string::npos)
      << p.out();
  EXPECT_NE(p.out().find("edge-1 -> cloud-1"), std::string::npos) << p.out();
  std::ifstream in(json);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("\"rtt_s\""), std::string::npos);
  fs::remove(json);
}

}  // namespace
}  // namespace faaslab
