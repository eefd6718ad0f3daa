// The edge–cloud topology: parsing, every check and the field its error names, placement
// constraints, and the topology inside a stack file.
#include "runtime/topology.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/yaml.h"
#include "runtime/stack.h"

namespace faaslab::runtime {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

// The example of docs/runtime.md.
constexpr const char* kExample = R"(topology:
  subnet: 10.231.0.0/16
  gateway: edge-1
  nodes:
    edge-1: {role: edge, cpus: 0.5, memory: 512Mi, max_replicas: 2, labels: {zone: a}}
    cloud-1: {role: cloud, cpus: 1.5, cpu_list: "0-1"}
  links:
    - {from: client, to: edge-1, delay: 2ms, bandwidth: 100Mbit}
    - {from: edge-1, to: cloud-1, delay: 25ms, jitter: 1ms, bandwidth: {up: 20Mbit, down: 100Mbit}, loss: 0.1%}
)";

Result<Topology> parse(const std::string& text) {
  auto doc = load_yaml(text);
  if (!doc) return doc.error_value();
  const YAML::Node& root = *doc;
  return parse_topology(root["topology"]);
}

// A minimal valid topology with `extra` appended to the edge node's fields.
std::string one_edge(const std::string& node_fields, const std::string& link_fields = "") {
  return "topology:\n  nodes:\n    edge-1: {role: edge" + node_fields +
         "}\n  links:\n    - {from: client, to: edge-1" + link_fields + "}\n";
}

// Two nodes, the link between them given by `link_fields`.
std::string edge_and_cloud(const std::string& link_fields) {
  return "topology:\n  nodes:\n    edge-1: {role: edge}\n    cloud-1: {role: cloud}\n"
         "  links:\n    - {from: client, to: edge-1}\n    - {from: edge-1, to: cloud-1" +
         link_fields + "}\n";
}

void expect_error(const std::string& text, const std::string& expected) {
  auto t = parse(text);
  ASSERT_FALSE(t.ok()) << "accepted:\n" << text;
  EXPECT_EQ(t.error().find(expected), 0u)
      << "expected an error starting with: " << expected << "\ngot: " << t.error();
}

TEST(Topology, TheExampleRoundTripsToItsValues) {
  auto t = parse(kExample);
  ASSERT_TRUE(t.ok()) << t.error();
  EXPECT_EQ(t->subnet, "10.231.0.0/16");
  EXPECT_EQ(t->gateway_node, "edge-1");
  ASSERT_EQ(t->nodes.size(), 2u);
  const NodeSpec& edge = t->nodes[0];
  EXPECT_EQ(edge.name, "edge-1");
  EXPECT_EQ(edge.role, NodeRole::kEdge);
  EXPECT_DOUBLE_EQ(edge.cpus, 0.5);
  EXPECT_TRUE(edge.cpu_list.empty());
  EXPECT_EQ(edge.memory_bytes, 512u << 20);
  EXPECT_EQ(edge.max_replicas, 2);
  EXPECT_EQ(edge.labels, (std::map<std::string, std::string>{{"zone", "a"}}));
  const NodeSpec& cloud = t->nodes[1];
  EXPECT_EQ(cloud.name, "cloud-1");
  EXPECT_EQ(cloud.role, NodeRole::kCloud);
  EXPECT_DOUBLE_EQ(cloud.cpus, 1.5);
  EXPECT_EQ(cloud.cpu_list, (std::vector<int>{0, 1}));
  EXPECT_EQ(cloud.memory_bytes, 0u);
  EXPECT_EQ(cloud.max_replicas, 0);
  ASSERT_EQ(t->links.size(), 2u);
  const LinkSpec& access = t->links[0];
  EXPECT_EQ(access.from, "client");
  EXPECT_EQ(access.to, "edge-1");
  EXPECT_EQ(access.delay, milliseconds(2));
  EXPECT_EQ(access.jitter, Micros(0));
  EXPECT_DOUBLE_EQ(access.up_bps, 100e6);
  EXPECT_DOUBLE_EQ(access.down_bps, 100e6);
  EXPECT_EQ(access.loss, 0);
  const LinkSpec& uplink = t->links[1];
  EXPECT_EQ(uplink.delay, milliseconds(25));
  EXPECT_EQ(uplink.jitter, milliseconds(1));
  EXPECT_DOUBLE_EQ(uplink.up_bps, 20e6);
  EXPECT_DOUBLE_EQ(uplink.down_bps, 100e6);
  EXPECT_DOUBLE_EQ(uplink.loss, 0.001);

  EXPECT_FALSE(t->empty());
  EXPECT_EQ(t->node("cloud-1"), &t->nodes[1]);
  EXPECT_EQ(t->node("cloud-2"), nullptr);
  EXPECT_EQ(t->link_between("client", "edge-1"), &t->links[0]);
  EXPECT_EQ(t->link_between("cloud-1", "edge-1"), &t->links[1]);  // either direction
  EXPECT_EQ(t->link_between("client", "cloud-1"), nullptr);
  EXPECT_TRUE(Topology{}.empty());
}

TEST(Topology, DefaultsAndOtherSpellings) {
  auto t = parse(R"(topology:
  nodes:
    cloud-0: {role: cloud, cpus: 2000m, cpu_list: [2, 3]}
    edge-a: {role: edge, cpus: 1, max_replicas: 0}
    edge-b: {role: edge}
  links:
    - {from: client, to: edge-a, bandwidth: unlimited, loss: 0.02}
    - {from: cloud-0, to: edge-a, bandwidth: {down: 1MiB/s}}
    - {to: edge-b, from: edge-a, delay: 1.5s, jitter: 0s}
)");
  ASSERT_TRUE(t.ok()) << t.error();
  EXPECT_EQ(t->subnet, "10.231.0.0/16");
  EXPECT_EQ(t->gateway_node, "edge-a") << "the first edge node in file order";
  EXPECT_DOUBLE_EQ(t->nodes[0].cpus, 2);
  EXPECT_EQ(t->nodes[0].cpu_list, (std::vector<int>{2, 3}));
  EXPECT_EQ(t->links[0].up_bps, 0);
  EXPECT_DOUBLE_EQ(t->links[0].loss, 0.02);
  EXPECT_EQ(t->links[1].up_bps, 0) << "a direction left out is unlimited";
  EXPECT_DOUBLE_EQ(t->links[1].down_bps, 8 * 1048576.0);
  EXPECT_EQ(t->links[2].delay, milliseconds(1500));
}

TEST(Topology, TheSectionItself) {
  expect_error("topology: [a]\n", "topology: expected a map");
  expect_error("topology:\n", "topology: expected a map");
  expect_error(one_edge("") + "  zones: 3\n", "topology.zones: unknown key");
  expect_error("topology:\n  links: []\n", "topology.nodes: required");
  expect_error("topology:\n  nodes: {}\n", "topology.nodes: at least one node");
  expect_error("topology:\n  nodes: [edge-1]\n", "topology.nodes: expected a map");
  expect_error("topology:\n  nodes:\n    edge-1: {role: edge}\n  links: {a: b}\n",
               "topology.links: expected a list");
}

TEST(Topology, NodeNames) {
  const char* bad[] = {"Edge-1", "1edge", "edge_1",
                       "edge-",  "-edge", "abcdefghijklmnopqrstuvwxyz01234" /* 31 */};
  for (const char* name : bad) {
    expect_error(std::string("topology:\n  nodes:\n    ") + name + ": {role: edge}\n",
                 std::string("topology.nodes.") + name + ": a node name is a DNS label");
  }
  expect_error("topology:\n  nodes:\n    client: {role: edge}\n",
               "topology.nodes.client: \"client\" is reserved");
  EXPECT_TRUE(parse("topology:\n  nodes:\n    abcdefghijklmnopqrstuvwxyz0123: {role: edge}\n"
                    "  links: [{from: client, to: abcdefghijklmnopqrstuvwxyz0123}]\n")
                  .ok())
      << "30 characters";
}

TEST(Topology, NodeFields) {
  expect_error("topology:\n  nodes:\n    edge-1: 3\n", "topology.nodes.edge-1: expected a map");
  expect_error(one_edge(", cpu: 1"), "topology.nodes.edge-1.cpu: unknown key");
  expect_error("topology:\n  nodes:\n    edge-1: {cpus: 1}\n",
               "topology.nodes.edge-1.role: required");
  expect_error("topology:\n  nodes:\n    edge-1: {role: fog}\n",
               "topology.nodes.edge-1.role: must be edge or cloud, got \"fog\"");
  expect_error("topology:\n  nodes:\n    edge-1: {role: [edge]}\n",
               "topology.nodes.edge-1.role: expected a value, got a list");
  expect_error(one_edge(", cpus: -1"), "topology.nodes.edge-1.cpus: must be > 0, got -1");
  expect_error(one_edge(", cpus: 0"), "topology.nodes.edge-1.cpus: must be > 0, got 0");
  expect_error(one_edge(", cpus: nan"), "topology.nodes.edge-1.cpus: must be > 0, got nan");
  expect_error(one_edge(", cpus: .nan"), "topology.nodes.edge-1.cpus: '.nan' is not a CPU");
  expect_error(one_edge(", cpus: 0m"), "topology.nodes.edge-1.cpus: '0m' is not a positive CPU");
  expect_error(one_edge(", cpus: 1025"), "topology.nodes.edge-1.cpus: must be <= 1024, got 1025");
  expect_error(one_edge(", cpus: lots"), "topology.nodes.edge-1.cpus: 'lots' is not a CPU");
  expect_error(one_edge(", cpus: "), "topology.nodes.edge-1.cpus: expected a value, got no value");
  expect_error(one_edge(", cpu_list: 3-1"), "topology.nodes.edge-1.cpu_list: '3-1' is not a CPU");
  expect_error(one_edge(", cpu_list: \"0,0\""),
               "topology.nodes.edge-1.cpu_list: core 0 is listed twice");
  expect_error(one_edge(", cpus: 3, cpu_list: 0-1"),
               "topology.nodes.edge-1.cpus: 3 cores do not fit in cpu_list 0,1 (2 cores)");
  EXPECT_TRUE(parse(one_edge(", cpus: 2, cpu_list: 0-1")).ok());
  expect_error(one_edge(", memory: 1Zi"), "topology.nodes.edge-1.memory: '1Zi' is not a memory");
  expect_error(one_edge(", max_replicas: -1"),
               "topology.nodes.edge-1.max_replicas: must be >= 0, got -1");
  expect_error(one_edge(", max_replicas: 1.5"),
               "topology.nodes.edge-1.max_replicas: expected a whole number");
  expect_error(one_edge(", labels: [a]"), "topology.nodes.edge-1.labels: expected a map");
  expect_error(one_edge(", labels: {zone: \"a b\"}"),
               "topology.nodes.edge-1.labels.zone: a label value is");
  expect_error(one_edge(", labels: {node.role: gpu}"),
               "topology.nodes.edge-1.labels.node.role: reserved");
}

TEST(Topology, LinkEnds) {
  expect_error(one_edge("", ", via: x"), "topology.links[0].via: unknown key");
  expect_error("topology:\n  nodes:\n    edge-1: {role: edge}\n  links: [{to: edge-1}]\n",
               "topology.links[0].from: required");
  expect_error("topology:\n  nodes:\n    edge-1: {role: edge}\n  links: [{from: client}]\n",
               "topology.links[0].to: required");
  expect_error("topology:\n  nodes:\n    edge-1: {role: edge}\n  links: [3]\n",
               "topology.links[0]: expected a map");
  expect_error(edge_and_cloud("") + "    - {from: edge-1, to: cloud-2}\n",
               "topology.links[2].to: unknown node \"cloud-2\"");
  expect_error(edge_and_cloud("") + "    - {from: edge-2, to: cloud-1}\n",
               "topology.links[2].from: unknown node \"edge-2\"");
  expect_error(edge_and_cloud("") + "    - {from: edge-1, to: client}\n",
               "topology.links[2].to: the client is only a link's from end");
  expect_error(edge_and_cloud("") + "    - {from: edge-1, to: edge-1}\n",
               "topology.links[2]: from and to are both \"edge-1\"");
  expect_error(edge_and_cloud("") + "    - {from: cloud-1, to: edge-1}\n",
               "topology.links[2]: a second link between cloud-1 and edge-1");
}

TEST(Topology, LinkDelayJitterBandwidthLoss) {
  const std::string l = "topology.links[1]";
  expect_error(edge_and_cloud(", delay: soon"), l + ".delay: invalid duration 'soon'");
  expect_error(edge_and_cloud(", delay: -1ms"), l + ".delay: negative duration");
  expect_error(edge_and_cloud(", delay: 11s"), l + ".delay: must be <= 10s, got 11s");
  EXPECT_TRUE(parse(edge_and_cloud(", delay: 10s")).ok());
  expect_error(edge_and_cloud(", delay: 1ms, jitter: 2ms"),
               l + ".jitter: must be <= delay (1ms), got 2ms");
  expect_error(edge_and_cloud(", jitter: 1ms"), l + ".jitter: must be <= delay (0s), got 1ms");
  expect_error(edge_and_cloud(", bandwidth: 0"), l + ".bandwidth: must be > 0, got 0");
  expect_error(edge_and_cloud(", bandwidth: 0Mbit"), l + ".bandwidth: must be > 0");
  expect_error(edge_and_cloud(", bandwidth: -5Mbit"), l + ".bandwidth: negative bandwidth");
  expect_error(edge_and_cloud(", bandwidth: 5 furlongs"), l + ".bandwidth: invalid bandwidth");
  expect_error(edge_and_cloud(", bandwidth: 2000Gbit"), l + ".bandwidth: bandwidth '2000Gbit'");
  expect_error(edge_and_cloud(", bandwidth: {up: 1Mbit, sideways: 1Mbit}"),
               l + ".bandwidth.sideways: unknown key (up, down)");
  expect_error(edge_and_cloud(", bandwidth: {up: 0}"), l + ".bandwidth.up: must be > 0");
  expect_error(edge_and_cloud(", bandwidth: {}"), l + ".bandwidth: expected up and/or down");
  expect_error(edge_and_cloud(", bandwidth: [1Mbit]"), l + ".bandwidth: expected a value");
  expect_error(edge_and_cloud(", loss: -1%"), l + ".loss: must be >= 0, got -1%");
  expect_error(edge_and_cloud(", loss: 60%"), l + ".loss: must be <= 0.5 (50%), got 60%");
  expect_error(edge_and_cloud(", loss: 0.6"), l + ".loss: must be <= 0.5");
  expect_error(edge_and_cloud(", loss: 1"), l + ".loss: a probability is below 1, got 1");
  expect_error(edge_and_cloud(", loss: some"), l + ".loss: expected a probability");
  expect_error(edge_and_cloud(", loss: .nan"), l + ".loss: expected a probability");
  auto t = parse(edge_and_cloud(", loss: 50%"));
  ASSERT_TRUE(t.ok()) << t.error();
  EXPECT_DOUBLE_EQ(t->links[1].loss, 0.5);
}

TEST(Topology, TheGatewayReachesEveryNode) {
  expect_error(edge_and_cloud("") + "  gateway: edge-9\n",
               "topology.gateway: unknown node \"edge-9\"");
  expect_error(
      "topology:\n  nodes:\n    cloud-1: {role: cloud}\n  links: [{from: client, to: cloud-1}]\n",
      "topology.gateway: required when there is no edge node");
  auto cloud_only = parse(
      "topology:\n  gateway: cloud-1\n  nodes:\n    cloud-1: {role: cloud}\n"
      "  links: [{from: client, to: cloud-1}]\n");
  ASSERT_TRUE(cloud_only.ok()) << cloud_only.error();
  EXPECT_EQ(cloud_only->gateway_node, "cloud-1");
  expect_error("topology:\n  nodes:\n    edge-1: {role: edge}\n",
               "topology.gateway: edge-1 has no link from the client");
  expect_error(edge_and_cloud("") + "  gateway: cloud-1\n",
               "topology.gateway: cloud-1 has no link from the client");
  auto t = parse(
      "topology:\n  nodes:\n    edge-1: {role: edge}\n    cloud-1: {role: cloud}\n"
      "    cloud-2: {role: cloud}\n  links:\n    - {from: client, to: edge-1}\n"
      "    - {from: edge-1, to: cloud-1}\n    - {from: cloud-1, to: cloud-2}\n");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error(),
            "topology.links: node cloud-2 has no direct link with the gateway node edge-1 "
            "(faaslab routes the gateway's requests to a node over one link)");
}

TEST(Topology, Subnet) {
  const auto with_subnet = [](const std::string& subnet) {
    return one_edge("") + "  subnet: " + subnet + "\n";
  };
  for (const char* good : {"10.0.0.0/8", "192.168.16.0/20", "172.16.0.0/12"})
    EXPECT_TRUE(parse(with_subnet(good)).ok()) << good;
  for (const char* bad :
       {"10.231.0.0", "10.231.0/16", "10.231.0.0.0/16", "10.256.0.0/16", "10.031.0.0/16",
        "10.231.0.0/", "10.231.0.0/x", "a.b.c.d/16", "10.231.0.0/33", "fe80::/10"})
    expect_error(with_subnet(bad), "topology.subnet: expected an IPv4 network");
  expect_error(with_subnet("10.0.0.0/7"), "topology.subnet: the prefix length must be 8..20");
  expect_error(with_subnet("10.231.0.0/24"),
               "topology.subnet: the prefix length must be 8..20 (each node gets /30s inside "
               "it), got /24");
  expect_error(with_subnet("10.231.0.1/16"),
               "topology.subnet: host bits are set in 10.231.0.1/16 (the network is "
               "10.231.0.0/16)");
  expect_error(with_subnet("[a]"), "topology.subnet: expected a value, got a list");
}

TEST(Topology, LoadsAFileAndSaysWhenItCannot) {
  const fs::path dir =
      fs::temp_directory_path() / ("faaslab-topology-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "edge-cloud.yaml") << kExample;
  std::ofstream(dir / "none.yaml") << "functions: {}\n";
  std::ofstream(dir / "bad.yaml") << one_edge(", cpus: -1");
  std::ofstream(dir / "twice.yaml") << one_edge("") + "  links: []\n";
  auto t = load_topology(dir / "edge-cloud.yaml");
  auto none = load_topology(dir / "none.yaml");
  auto bad = load_topology(dir / "bad.yaml");
  auto twice = load_topology(dir / "twice.yaml");
  auto missing = load_topology(dir / "missing.yaml");
  fs::remove_all(dir);
  ASSERT_TRUE(t.ok()) << t.error();
  EXPECT_EQ(t->nodes.size(), 2u);
  EXPECT_EQ(t->links.size(), 2u);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().find("expected a top-level 'topology:' map"), std::string::npos);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(),
            (dir / "bad.yaml").string() + ": topology.nodes.edge-1.cpus: must be > 0, got -1");
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.error().find("key 'links' given twice"), std::string::npos) << twice.error();
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error(), "cannot read topology file " + (dir / "missing.yaml").string());
}

TEST(TopologyConstraints, ParseTheOpenFaaSForms) {
  auto c = parse_constraints({"node.role == edge", "node.role != cloud", "faaslab.node == edge-1",
                              "kubernetes.io/hostname=edge-1", " zone==a "});
  ASSERT_TRUE(c.ok()) << c.error();
  ASSERT_EQ(c->size(), 5u);
  EXPECT_EQ((*c)[0].key, "node.role");
  EXPECT_EQ((*c)[0].value, "edge");
  EXPECT_TRUE((*c)[0].equal);
  EXPECT_FALSE((*c)[1].equal);
  EXPECT_EQ((*c)[1].value, "cloud");
  EXPECT_EQ((*c)[3].key, "kubernetes.io/hostname");
  EXPECT_EQ((*c)[3].value, "edge-1");
  EXPECT_TRUE((*c)[3].equal);
  EXPECT_EQ((*c)[4].key, "zone");
  EXPECT_EQ((*c)[4].value, "a");
  EXPECT_TRUE(parse_constraints({})->empty());
  for (const char* bad :
       {"node.role", "node.role ==", "== edge", "node.role => edge", "node.role ! edge",
        "node role == edge", "node.role == edge cloud", "a == b == c", ""}) {
    auto r = parse_constraints({"zone == a", bad});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error(), "\"" + std::string(bad) +
                             "\" is not a constraint (key == value, key != value or key=value)");
  }
}

TEST(TopologyConstraints, MatchRoleNameAndLabels) {
  NodeSpec edge{"edge-1", NodeRole::kEdge, 0.5, {}, 0, 0, {{"zone", "a"}}};
  NodeSpec cloud{"cloud-1", NodeRole::kCloud, 1.5, {}, 0, 0, {}};
  const auto matches = [](const NodeSpec& n, std::vector<std::string> texts) {
    auto c = parse_constraints(texts);
    EXPECT_TRUE(c.ok()) << c.error();
    return node_matches(n, *c);
  };
  EXPECT_TRUE(matches(edge, {}));
  EXPECT_TRUE(matches(edge, {"node.role == edge"}));
  EXPECT_FALSE(matches(cloud, {"node.role == edge"}));
  EXPECT_TRUE(matches(cloud, {"node.role != edge"}));
  EXPECT_TRUE(matches(edge, {"faaslab.node == edge-1"}));
  EXPECT_TRUE(matches(edge, {"kubernetes.io/hostname=edge-1"}));
  EXPECT_TRUE(matches(edge, {"node.hostname == edge-1"}));
  EXPECT_FALSE(matches(cloud, {"kubernetes.io/hostname=edge-1"}));
  EXPECT_TRUE(matches(edge, {"zone == a"}));
  EXPECT_TRUE(matches(edge, {"node.labels.zone == a"}));
  EXPECT_FALSE(matches(edge, {"zone == b"}));
  EXPECT_FALSE(matches(cloud, {"zone == a"})) << "no such label";
  EXPECT_TRUE(matches(cloud, {"zone != a"})) << "!= holds for a label the node lacks";
  EXPECT_FALSE(matches(edge, {"node.role == edge", "zone == b"})) << "every constraint holds";

  auto t = parse(kExample);
  ASSERT_TRUE(t.ok()) << t.error();
  FunctionSpec f;
  EXPECT_EQ(eligible_nodes(*t, f), (std::vector<std::string>{"edge-1", "cloud-1"}));
  f.constraints = {"node.role == cloud"};
  EXPECT_EQ(eligible_nodes(*t, f), (std::vector<std::string>{"cloud-1"}));
  f.constraints = {"node.role == gpu"};
  EXPECT_TRUE(eligible_nodes(*t, f).empty());
  f.constraints = {"not a constraint"};
  EXPECT_TRUE(eligible_nodes(*t, f).empty());
}

std::string stack_with(const std::string& constraints, bool topology = true) {
  std::string text = "version: 1.0\nfunctions:\n  slblur:\n    fprocess: cat\n";
  if (!constraints.empty()) text += "    constraints: " + constraints + "\n";
  if (topology) text += kExample;
  return text;
}

TEST(StackTopology, AStackFileCarriesATopology) {
  auto s = parse_stack(stack_with("[\"node.role == edge\"]"), ".", {});
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_TRUE(s->warnings.empty()) << "topology is a known top-level key";
  EXPECT_EQ(s->topology.nodes.size(), 2u);
  EXPECT_EQ(s->topology.gateway_node, "edge-1");
  EXPECT_EQ(eligible_nodes(s->topology, s->functions[0]), std::vector<std::string>{"edge-1"});
  auto any = parse_stack(stack_with(""), ".", {});
  ASSERT_TRUE(any.ok()) << any.error();
  EXPECT_EQ(eligible_nodes(any->topology, any->functions[0]).size(), 2u);
  // ${VAR} substitution covers the topology as the rest of the file.
  auto substituted = parse_stack(
      "functions:\n  f:\n    fprocess: cat\ntopology:\n  nodes:\n    edge-1: {role: edge}\n"
      "  links: [{from: client, to: edge-1, delay: ${DELAY:-1ms}}]\n",
      ".", {"DELAY=7ms"});
  ASSERT_TRUE(substituted.ok()) << substituted.error();
  EXPECT_EQ(substituted->topology.links[0].delay, milliseconds(7));
}

TEST(StackTopology, ConstraintsMustMatchANodeOfTheTopology) {
  auto none = parse_stack(stack_with("[\"node.role == gpu\"]"), ".", {});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error(),
            "function slblur: constraints [node.role == gpu] match no node of the topology");
  auto two = parse_stack(stack_with("[\"node.role == edge\", \"zone == b\"]"), ".", {});
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(two.error(),
            "function slblur: constraints [node.role == edge, zone == b] match no node of the "
            "topology");
  auto bad = parse_stack(stack_with("[\"node.role\"]"), ".", {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(),
            "functions.slblur.constraints: \"node.role\" is not a constraint (key == value, key "
            "!= value or key=value)");
  auto bad_topology = parse_stack(
      "functions:\n  f:\n    fprocess: cat\ntopology:\n  nodes:\n    edge-1: {role: edge, "
      "cpus: -1}\n",
      ".", {});
  ASSERT_FALSE(bad_topology.ok());
  EXPECT_EQ(bad_topology.error(), "topology.nodes.edge-1.cpus: must be > 0, got -1");
}

TEST(StackTopology, WithoutATopologyConstraintsAreKeptAsText) {
  auto s = parse_stack(stack_with("[\"node=edge\", \"anything at all\"]", false), ".", {});
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_TRUE(s->topology.empty());
  EXPECT_EQ(s->functions[0].constraints,
            (std::vector<std::string>{"node=edge", "anything at all"}));
}

}  // namespace
}  // namespace faaslab::runtime
