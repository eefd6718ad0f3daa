// The emulated network (netem/network.h) a topology asks for: one namespace per node, one
// link per topology link, the client side being the host. Pure.
#pragma once

#include "netem/network.h"
#include "runtime/topology.h"

namespace faaslab::runtime {

netem::NetworkPlan network_plan(const Topology& topology);

// The netem name of a topology end: "" for "client", else the node's name.
std::string network_end(const std::string& end);

}  // namespace faaslab::runtime
