// A process that makes an emulated network (one node per argument, each with a link from the
// host), prints "ready" and its namespaces and devices, and waits up to 120 s: the tests kill
// it with SIGKILL and check that the next start removes what it left.
#include <unistd.h>

#include <cstdio>
#include <string>

#include "netem/network.h"

int main(int argc, char** argv) {
  faaslab::netem::NetworkPlan plan;
  for (int i = 1; i < argc; ++i) {
    plan.nodes.push_back(argv[i]);
    faaslab::netem::LinkPlan link;
    link.to = argv[i];
    link.up.rate_bps = 50e6;
    link.down.delay = std::chrono::milliseconds(1);
    plan.links.push_back(link);
  }
  auto network = faaslab::netem::Network::create(plan);
  if (!network) {
    std::fprintf(stderr, "netns_holder: %s\n", network.error().c_str());
    return 2;
  }
  std::printf("ready");
  for (const auto& name : faaslab::netem::list_namespaces()) std::printf(" %s", name.c_str());
  for (const auto& link : (*network)->links()) std::printf(" dev:%s", link.from_device.c_str());
  std::printf("\n");
  std::fflush(stdout);
  for (int i = 0; i < 1200; ++i) ::usleep(100000);
  return 0;
}
