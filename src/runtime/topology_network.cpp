#include "runtime/topology_network.h"

namespace faaslab::runtime {

std::string network_end(const std::string& end) {
  return end == "client" ? std::string() : end;
}

netem::NetworkPlan network_plan(const Topology& topology) {
  netem::NetworkPlan plan;
  plan.subnet = topology.subnet;
  for (const NodeSpec& node : topology.nodes) plan.nodes.push_back(node.name);
  for (const LinkSpec& link : topology.links) {
    netem::LinkPlan lp;
    lp.from = network_end(link.from);
    lp.to = link.to;
    lp.up = netem::LinkDirection{link.delay, link.jitter, link.up_bps, link.loss};
    lp.down = netem::LinkDirection{link.delay, link.jitter, link.down_bps, link.loss};
    plan.links.push_back(lp);
  }
  return plan;
}

}  // namespace faaslab::runtime
