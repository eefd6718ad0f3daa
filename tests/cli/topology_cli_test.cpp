// `faaslab topology` as a user runs it: the reference topology shown and measured; bad files
// and flags a clear error with exit 2; `faaslab up` refuses a topology rather than ignore it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

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

TEST(TopologyCli, UpRefusesATopologyItCannotPlace) {
  const auto stack =
      write_temp("stack.yml",
                 "version: 1.0\nprovider: {name: openfaas}\nfunctions:\n  f:\n    fprocess: cat\n"
                 "topology:\n  nodes:\n    edge-1: {role: edge}\n  links:\n    - {from: client, "
                 "to: edge-1}\n");
  Subprocess p({faaslab_bin(), "up", "-f", stack.string(), "--port", "0"});
  EXPECT_EQ(p.wait(10s), 2);
  EXPECT_NE(p.err().find("topology"), std::string::npos) << p.err();
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
