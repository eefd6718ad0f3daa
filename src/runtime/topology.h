// An edge–cloud topology: the `topology:` section of a stack file (or a file of its own) —
// nodes, each with a role, a CPU budget, memory and a replica limit, and the links between the
// client and the nodes (one-way delay, jitter, bandwidth each way, loss) — parsed and checked.
// Functions are placed with OpenFaaS's `constraints`, read here as Kubernetes node selectors.
//
// This is the description only; running it (a network namespace per node, the links) is the
// job of `faaslab up`. Everything here is plain values and pure functions, safe from any
// thread; a Topology owns its strings, and the pointers node() and link_between() return live
// as long as it does and is not changed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/units.h"

namespace YAML {
class Node;
}

namespace faaslab::runtime {

struct FunctionSpec;

enum class NodeRole { kEdge, kCloud };
std::string_view node_role_name(NodeRole role);  // "edge", "cloud"

struct NodeSpec {
  std::string name;  // a DNS label: a-z, 0-9 and '-', a letter first, at most 30; not "client"
  NodeRole role = NodeRole::kEdge;
  double cpus = 0;                 // CPU budget in cores, fractional allowed; 0 = not limited
  std::vector<int> cpu_list;       // cores it may use; empty = any
  std::uint64_t memory_bytes = 0;  // 0 = not limited
  int max_replicas = 0;            // 0 = no limit
  std::map<std::string, std::string> labels;
};

struct LinkSpec {
  std::string from;     // "client" or a node
  std::string to;       // a node
  Micros delay{0};      // one-way, each direction
  Micros jitter{0};     // at most delay
  double up_bps = 0;    // from -> to, bits per second; 0 = unlimited
  double down_bps = 0;  // to -> from
  double loss = 0;      // probability a packet is dropped, 0..0.5, each direction
};

struct Topology {
  std::string subnet = "10.231.0.0/16";  // nodes' addresses (/30s) are taken from it
  std::string gateway_node;              // where the gateway runs; the client's requests go there
  std::vector<NodeSpec> nodes;           // in file order
  std::vector<LinkSpec> links;

  bool empty() const { return nodes.empty(); }
  const NodeSpec* node(std::string_view name) const;  // nullptr if there is none
  // The link between two ends ("client" or node names), in either direction; nullptr if none.
  const LinkSpec* link_between(std::string_view a, std::string_view b) const;
};

// The mapping under `topology:`. Every field is checked; the error names the field's path
// ("topology.nodes.edge-1.cpus: must be > 0, got -1", "topology.links[1].to: ..."; links are
// counted from 0). Unknown keys are errors. Keys given twice are refused by load_yaml, which
// the callers here use.
Result<Topology> parse_topology(const YAML::Node& node);

// A YAML file holding a top-level `topology:` mapping (other top-level keys are left alone, so
// a stack file will do). No environment substitution.
Result<Topology> load_topology(const std::filesystem::path& path);

// One placement constraint, as OpenFaaS passes `constraints` to Kubernetes node selectors.
// Keys: node.role (edge, cloud), faaslab.node, kubernetes.io/hostname and node.hostname (the
// node's name), node.labels.<key> (Docker Swarm's spelling) or a label key of the node.
struct Constraint {
  std::string key, value;
  bool equal = true;  // "==" or "="; false for "!="
};

// "node.role == edge", "node.role != cloud", "faaslab.node == edge-1",
// "kubernetes.io/hostname=edge-1" (faas-netes' form), "zone == a". Keys and values are
// letters, digits, '-', '_', '.' and '/'.
Result<std::vector<Constraint>> parse_constraints(const std::vector<std::string>& texts);

// True when the node satisfies every constraint. "!=" holds for a label the node lacks.
bool node_matches(const NodeSpec& node, const std::vector<Constraint>& constraints);

// The names of the nodes (in file order) where the function may run: all nodes without
// constraints; none when its constraints do not parse (parse_stack reports that first).
std::vector<std::string> eligible_nodes(const Topology& topology, const FunctionSpec& function);

}  // namespace faaslab::runtime
