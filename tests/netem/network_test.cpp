// Namespaces, veth pairs, link shaping and calibration. Tests that need to make namespaces
// skip, saying why, where this process may not (no root).
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <thread>

#include "common/clock.h"
#include "common/subprocess.h"
#include "netem/calibrate.h"
#include "netem/network.h"
#include "support/sanitized.h"

namespace faaslab::netem {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

#define SKIP_WITHOUT_NAMESPACES()                                             \
  do {                                                                        \
    if (auto ok = check_namespace_support(); !ok) GTEST_SKIP() << ok.error(); \
  } while (0)

bool device_exists(const std::string& name) {
  return fs::exists("/sys/class/net/" + name);
}

// The kernel frees a deleted namespace's interfaces in the background: give it up to 10 s.
bool device_gone(const std::string& name) {
  const auto give_up = SteadyClock::now() + 10s;
  while (device_exists(name) && SteadyClock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return !device_exists(name);
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string ns_name(const std::string& node) {
  return "faaslab-" + std::to_string(::getpid()) + "-" + node;
}

TEST(Subnet, ParsesAndRejects) {
  auto ok = parse_subnet("10.231.0.0/16");
  ASSERT_TRUE(ok.ok()) << ok.error();
  EXPECT_EQ(format_ipv4(ok->first), "10.231.0.0");
  EXPECT_EQ(ok->second, 16);
  EXPECT_NE(parse_subnet("10.231.0.1/16").error().find("host bits"), std::string::npos);
  EXPECT_NE(parse_subnet("10.0.0.0/24").error().find("8..20"), std::string::npos);
  EXPECT_NE(parse_subnet("10.0.0.0/4").error().find("8..20"), std::string::npos);
  EXPECT_NE(parse_subnet("10.0.0.0").error().find("a.b.c.d/len"), std::string::npos);
  EXPECT_NE(parse_subnet("10.0.0/16").error().find("IPv4"), std::string::npos);
  EXPECT_NE(parse_subnet("10.0.0.0/1x").error().find("number"), std::string::npos);
}

TEST(Network, MakesNodesAndRemovesThemAll) {
  SKIP_WITHOUT_NAMESPACES();
  NetworkPlan plan;
  plan.subnet = "10.232.0.0/20";
  plan.nodes = {"edge", "cloud"};
  LinkPlan client_edge{"", "edge", {2ms, 0us, 100e6, 0}, {2ms, 0us, 100e6, 0}};
  LinkPlan edge_cloud{"edge", "cloud", {10ms, 0us, 20e6, 0}, {10ms, 0us, 50e6, 0}};
  plan.links = {client_edge, edge_cloud};
  std::vector<std::string> devices;
  {
    auto network = Network::create(plan);
    ASSERT_TRUE(network.ok()) << network.error();
    EXPECT_TRUE(contains(list_namespaces(), ns_name("edge")));
    EXPECT_TRUE(contains(list_namespaces(), ns_name("cloud")));
    const auto links = (*network)->links();
    ASSERT_EQ(links.size(), 2u);
    EXPECT_EQ(links[0].from_address, "10.232.0.1");
    EXPECT_EQ(links[0].to_address, "10.232.0.2");
    EXPECT_EQ(links[1].from_address, "10.232.0.5");
    EXPECT_EQ(*(*network)->address("cloud", "edge"), "10.232.0.6");
    EXPECT_FALSE((*network)->address("cloud", "").ok());  // no client link to the cloud
    devices.push_back(links[0].from_device);
    EXPECT_TRUE(device_exists(links[0].from_device));  // the host end of client->edge
    // The second network on the same subnet would route the same addresses: refused.
    auto again = Network::create(plan);
    ASSERT_FALSE(again.ok());
    EXPECT_NE(again.error().find("overlaps a route"), std::string::npos) << again.error();
  }
  EXPECT_FALSE(contains(list_namespaces(), ns_name("edge")));
  EXPECT_FALSE(contains(list_namespaces(), ns_name("cloud")));
  for (const auto& d : devices) EXPECT_TRUE(device_gone(d)) << d;
}

TEST(Network, SocketsBelongToTheirNode) {
  SKIP_WITHOUT_NAMESPACES();
  NetworkPlan plan;
  plan.subnet = "10.233.0.0/20";
  plan.nodes = {"edge"};
  plan.links = {LinkPlan{"", "edge", {}, {}}};
  auto network = Network::create(plan);
  ASSERT_TRUE(network.ok()) << network.error();
  const Namespace* edge = (*network)->ns("edge");
  ASSERT_NE(edge, nullptr);
  // On the node's address: reachable from the host over the veth.
  auto on_address = listen_in(edge, "10.233.0.2", 0);
  ASSERT_TRUE(on_address.ok()) << on_address.error();
  auto target = (*network)->expose("", "edge", local_port(*on_address));
  ASSERT_TRUE(target.ok()) << target.error();
  EXPECT_EQ(target->address().to_string(), "10.233.0.2");  // no shaping: kernel, direct
  auto fd = open_socket_in(nullptr, AF_INET, SOCK_STREAM);
  ASSERT_TRUE(fd.ok());
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(target->port());
  a.sin_addr.s_addr = htonl(target->address().to_v4().to_uint());
  EXPECT_EQ(::connect(*fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << std::strerror(errno);
  ::close(*fd);
  // On the node's loopback: not reachable from the host's loopback.
  auto on_loopback = listen_in(edge, "127.0.0.1", 0);
  ASSERT_TRUE(on_loopback.ok());
  fd = open_socket_in(nullptr, AF_INET, SOCK_STREAM);
  a.sin_port = htons(local_port(*on_loopback));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool reached = ::connect(*fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  // Only if some process on the host happens to listen on that same port.
  if (reached) GTEST_LOG_(INFO) << "a host process listens on the same port by chance";
  ::close(*fd);
  ::close(*on_loopback);
  ::close(*on_address);
}

TEST(Network, KernelDelayWithoutNetemIsRefusedByName) {
  SKIP_WITHOUT_NAMESPACES();
  if (netem_available()) GTEST_SKIP() << "this kernel has netem";
  NetworkPlan plan;
  plan.subnet = "10.234.0.0/20";
  plan.nodes = {"edge"};
  plan.links = {LinkPlan{"", "edge", {5ms, 0us, 0, 0}, {}, Emulation::kKernel}};
  auto network = Network::create(plan);
  ASSERT_FALSE(network.ok());
  EXPECT_NE(network.error().find("netem"), std::string::npos) << network.error();
  EXPECT_FALSE(contains(list_namespaces(), ns_name("edge")));  // nothing left behind
}

TEST(Network, NextStartRemovesWhatAKilledOwnerLeft) {
  SKIP_WITHOUT_NAMESPACES();
  Subprocess holder(
      {std::string(FAASLAB_BINARY_DIR) + "/bin/faaslab-netns-holder", "k9edge", "k9cloud"}, {}, -1,
      true);
  ASSERT_TRUE(holder.started()) << holder.start_error();
  // Its stdout says "ready ..." once the namespaces exist.
  std::string line;
  const auto give_up = SteadyClock::now() + 30s;
  std::vector<std::string> names;
  while (SteadyClock::now() < give_up) {
    names.clear();
    for (const auto& n : list_namespaces()) {
      if (n.find("-k9") != std::string::npos &&
          n.find(std::to_string(holder.pid())) != std::string::npos)
        names.push_back(n);
    }
    if (names.size() == 2) break;
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_EQ(names.size(), 2u) << holder.err();
  std::this_thread::sleep_for(300ms);  // its links are made after its namespaces
  holder.signal_group(SIGKILL);
  holder.wait(10s);
  // Still there: nothing removed them.
  for (const auto& n : names) EXPECT_TRUE(contains(list_namespaces(), n)) << n;
  const auto removed = remove_stale_namespaces();
  for (const auto& n : names) {
    EXPECT_TRUE(contains(removed, n)) << n;
    EXPECT_FALSE(contains(list_namespaces(), n)) << n;
  }
  std::istringstream out(holder.out());
  std::string word;
  while (out >> word) {
    if (word.rfind("dev:", 0) == 0) {
      EXPECT_TRUE(device_gone(word.substr(4))) << word;
    }
  }
}

// Measures link `index` up to three times, until it measures as configured: a busy machine
// (the test suite runs two tests at once on two cores) can starve the relay or the probe for a
// moment, which a link emulator that is wrong would not get past three times. In the sanitizer
// build, whose instrumented relay may not reach the rate at all, only what a link can never do
// is checked: answer faster than its delay or carry more than its rate.
void expect_measures_as_configured(Network& network, std::size_t index) {
  CalibrateOptions options;
  options.bulk_seconds = 0.5;
  Result<LinkMeasurement> m = make_error("not measured");
  for (int attempt = 0; attempt < 3; ++attempt) {
    m = calibrate_link(network, index, options);
    ASSERT_TRUE(m.ok()) << m.error();
#ifdef FAASLAB_SANITIZED
    break;
#endif
    if (m->ok()) break;
  }
#ifdef FAASLAB_SANITIZED
  EXPECT_GE(m->rtt_s, m->configured_rtt_s - 0.0002) << "link " << index;
  if (m->configured_up_bps > 0) EXPECT_LE(m->up_bps, 1.05 * m->configured_up_bps) << index;
  if (m->configured_down_bps > 0) EXPECT_LE(m->down_bps, 1.05 * m->configured_down_bps) << index;
#else
  EXPECT_TRUE(m->rtt_ok) << "link " << index << ": rtt " << m->rtt_s << " s, configured "
                         << m->configured_rtt_s;
  EXPECT_TRUE(m->up_ok) << "link " << index << ": up " << m->up_bps << " bit/s, configured "
                        << m->configured_up_bps;
  EXPECT_TRUE(m->down_ok) << "link " << index << ": down " << m->down_bps << " bit/s, configured "
                          << m->configured_down_bps;
#endif
}

TEST(Calibrate, RelayLinksMeasureAsConfigured) {
  SKIP_WITHOUT_NAMESPACES();
  NetworkPlan plan;
  plan.subnet = "10.235.0.0/20";
  plan.nodes = {"edge", "cloud"};
  plan.links = {
      LinkPlan{"", "edge", {2ms, 0us, 100e6, 0}, {2ms, 0us, 100e6, 0}, Emulation::kRelay},
      LinkPlan{"edge", "cloud", {12ms, 0us, 20e6, 0}, {12ms, 0us, 40e6, 0}, Emulation::kRelay}};
  auto network = Network::create(plan);
  ASSERT_TRUE(network.ok()) << network.error();
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ((*network)->links()[i].plan.emulation, Emulation::kRelay);
    expect_measures_as_configured(**network, i);
  }
  // The relay carried the bulk transfers.
  const auto links = (*network)->links();
  EXPECT_GE(links[1].relayed.bytes_forward, 1000000u);
}

TEST(Calibrate, KernelRateLinkMeasuresAsConfigured) {
  SKIP_WITHOUT_NAMESPACES();
  NetworkPlan plan;
  plan.subnet = "10.236.0.0/20";
  plan.nodes = {"edge"};
  plan.links = {LinkPlan{"", "edge", {0us, 0us, 50e6, 0}, {0us, 0us, 80e6, 0}}};
  auto network = Network::create(plan);
  ASSERT_TRUE(network.ok()) << network.error();
  ASSERT_EQ((*network)->links()[0].plan.emulation, Emulation::kKernel);  // tbf
  expect_measures_as_configured(**network, 0);
}

}  // namespace
}  // namespace faaslab::netem
