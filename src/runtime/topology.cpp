#include "runtime/topology.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "common/number.h"
#include "common/yaml.h"
#include "runtime/resource_limits.h"
#include "runtime/stack.h"

namespace faaslab::runtime {
namespace {

constexpr std::size_t kMaxNodeName = 30;
constexpr double kMaxCpus = 1024;
constexpr Micros kMaxDelay = std::chrono::seconds(10);
constexpr double kMaxLoss = 0.5;
constexpr int kMinPrefix = 8;   // a /8 at most
constexpr int kMaxPrefix = 20;  // 1024 /30s at least
constexpr std::string_view kClient = "client";

const char* kind(const YAML::Node& n) {
  if (n.IsMap()) return "a map";
  if (n.IsSequence()) return "a list";
  if (n.IsNull()) return "no value";
  return "a value";
}

std::string in_quotes(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

Result<std::string> read_scalar(const YAML::Node& n, const std::string& where) {
  if (n.IsScalar()) return n.Scalar();
  return make_error(where + ": expected a value, got " + kind(n));
}

std::string join(const std::vector<std::string_view>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + std::string(s);
  return out;
}

// Every key of `map` is one of `known`; else an error naming the first that is not.
Status check_keys(const YAML::Node& map, const std::vector<std::string_view>& known,
                  const std::string& where) {
  for (const auto& kv : map) {
    if (!kv.first.IsScalar()) return make_error(where + ": a key must be a plain value");
    const std::string& key = kv.first.Scalar();
    if (std::find(known.begin(), known.end(), key) == known.end())
      return make_error(where + "." + key + ": unknown key (" + join(known) + ")");
  }
  return Ok{};
}

bool is_node_name(std::string_view s) {
  if (s.empty() || s.size() > kMaxNodeName) return false;
  if (!(s.front() >= 'a' && s.front() <= 'z') || s.back() == '-') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// Label keys and values, and constraint keys and values.
bool is_label_text(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
           c == '/';
  });
}

bool is_reserved_key(std::string_view key) {
  return key == "node.role" || key == "faaslab.node" || key == "kubernetes.io/hostname" ||
         key == "node.hostname" || key.rfind("node.labels.", 0) == 0;
}

Result<double> read_cpus(const YAML::Node& n, const std::string& where) {
  auto text = read_scalar(n, where);
  if (!text) return text.error_value();
  double cpus = 0;
  if (const auto number = parse_double(*text)) {
    cpus = *number;
  } else {
    auto quantity = parse_cpu_quantity(*text);  // "500m"
    if (!quantity) return make_error(where + ": " + quantity.error());
    cpus = *quantity;
  }
  if (!(cpus > 0)) return make_error(where + ": must be > 0, got " + *text);
  if (cpus > kMaxCpus)
    return make_error(where + ": must be <= " + std::to_string(static_cast<int>(kMaxCpus)) +
                      ", got " + *text);
  return cpus;
}

Result<std::vector<int>> read_cpu_list(const YAML::Node& n, const std::string& where) {
  std::string text;
  if (n.IsSequence()) {  // [0, 1] as well as "0-1"
    for (const auto& item : n) {
      auto part = read_scalar(item, where);
      if (!part) return part.error_value();
      text += (text.empty() ? "" : ",") + *part;
    }
  } else {
    auto scalar = read_scalar(n, where);
    if (!scalar) return scalar.error_value();
    text = *scalar;
  }
  auto cpus = parse_cpu_list(text);
  if (!cpus) return make_error(where + ": " + cpus.error());
  std::set<int> seen;
  for (int c : *cpus)
    if (!seen.insert(c).second)
      return make_error(where + ": core " + std::to_string(c) + " is listed twice");
  return cpus;
}

Result<int> read_max_replicas(const YAML::Node& n, const std::string& where) {
  auto text = read_scalar(n, where);
  if (!text) return text.error_value();
  int v = 0;
  const char* end = text->data() + text->size();
  const auto [p, ec] = std::from_chars(text->data(), end, v);
  if (ec != std::errc() || p != end)
    return make_error(where + ": expected a whole number, got " + in_quotes(*text));
  if (v < 0) return make_error(where + ": must be >= 0, got " + *text);
  return v;
}

Status read_labels(const YAML::Node& n, std::map<std::string, std::string>& out,
                   const std::string& where) {
  if (!n.IsMap()) return make_error(where + ": expected a map of names to values, got " + kind(n));
  for (const auto& kv : n) {
    if (!kv.first.IsScalar()) return make_error(where + ": a key must be a plain value");
    const std::string key = kv.first.Scalar();
    const std::string at = where + "." + key;
    if (!is_label_text(key))
      return make_error(at + ": a label name is letters, digits, '-', '_', '.' and '/'");
    if (is_reserved_key(key))
      return make_error(at + ": reserved (node.role, faaslab.node, kubernetes.io/hostname, " +
                        "node.hostname and node.labels.* come from the node itself)");
    auto value = read_scalar(kv.second, at);
    if (!value) return value.error_value();
    if (!is_label_text(*value))
      return make_error(at + ": a label value is letters, digits, '-', '_', '.' and '/', got " +
                        in_quotes(*value));
    if (!out.emplace(key, *value).second) return make_error(at + ": given twice");
  }
  return Ok{};
}

Result<NodeSpec> read_node(const std::string& name, const YAML::Node& n, const std::string& where) {
  NodeSpec node;
  node.name = name;
  if (!n.IsMap())
    return make_error(where + ": expected a map with role, cpus, cpu_list, memory, " +
                      "max_replicas and labels, got " + kind(n));
  if (auto st =
          check_keys(n, {"role", "cpus", "cpu_list", "memory", "max_replicas", "labels"}, where);
      !st)
    return st.error_value();
  const YAML::Node role = n["role"];
  if (!role) return make_error(where + ".role: required (edge or cloud)");
  auto role_text = read_scalar(role, where + ".role");
  if (!role_text) return role_text.error_value();
  if (*role_text == "edge")
    node.role = NodeRole::kEdge;
  else if (*role_text == "cloud")
    node.role = NodeRole::kCloud;
  else
    return make_error(where + ".role: must be edge or cloud, got " + in_quotes(*role_text));
  if (const YAML::Node cpus = n["cpus"]) {
    auto v = read_cpus(cpus, where + ".cpus");
    if (!v) return v.error_value();
    node.cpus = *v;
  }
  if (const YAML::Node list = n["cpu_list"]) {
    auto v = read_cpu_list(list, where + ".cpu_list");
    if (!v) return v.error_value();
    node.cpu_list = std::move(*v);
    if (node.cpus > static_cast<double>(node.cpu_list.size())) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g", node.cpus);
      return make_error(where + ".cpus: " + buf + " cores do not fit in cpu_list " +
                        format_cpu_list(node.cpu_list) + " (" +
                        std::to_string(node.cpu_list.size()) + " cores)");
    }
  }
  if (const YAML::Node memory = n["memory"]) {
    auto text = read_scalar(memory, where + ".memory");
    if (!text) return text.error_value();
    auto bytes = parse_memory_quantity(*text);
    if (!bytes) return make_error(where + ".memory: " + bytes.error());
    node.memory_bytes = *bytes;
  }
  if (const YAML::Node replicas = n["max_replicas"]) {
    auto v = read_max_replicas(replicas, where + ".max_replicas");
    if (!v) return v.error_value();
    node.max_replicas = *v;
  }
  if (const YAML::Node labels = n["labels"]) {
    if (auto st = read_labels(labels, node.labels, where + ".labels"); !st) return st.error_value();
  }
  return node;
}

Result<Micros> read_duration(const YAML::Node& n, const std::string& where) {
  auto text = read_scalar(n, where);
  if (!text) return text.error_value();
  auto d = parse_duration(*text);
  if (!d) return make_error(where + ": " + d.error());
  if (*d > kMaxDelay)
    return make_error(where + ": must be <= " + format_duration(kMaxDelay) + ", got " + *text);
  return d;
}

// A bandwidth in the topology is positive or "unlimited": a written 0 (or "0Mbit") is refused,
// as it reads as "no bandwidth" as easily as "no limit".
Result<double> read_bandwidth(const YAML::Node& n, const std::string& where) {
  auto text = read_scalar(n, where);
  if (!text) return text.error_value();
  auto bps = parse_bandwidth(*text);
  if (!bps) return make_error(where + ": " + bps.error());
  std::string folded = *text;
  for (auto& c : folded) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (*bps == 0 && folded.find("unlimited") == std::string::npos)
    return make_error(where + ": must be > 0, got " + *text + " (write unlimited for no limit)");
  return bps;
}

Result<double> read_loss(const YAML::Node& n, const std::string& where) {
  auto text = read_scalar(n, where);
  if (!text) return text.error_value();
  std::string number = *text;
  const bool percent = !number.empty() && number.back() == '%';
  if (percent) number.pop_back();
  const auto v = parse_double(number);
  if (!v || std::isnan(*v))
    return make_error(where + ": expected a probability (0.001) or a percentage (0.1%), got " +
                      in_quotes(*text));
  const double loss = percent ? *v / 100 : *v;
  if (loss < 0) return make_error(where + ": must be >= 0, got " + *text);
  if (!percent && loss >= 1)
    return make_error(where + ": a probability is below 1, got " + *text +
                      " (for a percentage write " + *text + "%)");
  if (loss > kMaxLoss) return make_error(where + ": must be <= 0.5 (50%), got " + *text);
  return loss;
}

Result<LinkSpec> read_link(const YAML::Node& n, const std::string& where) {
  LinkSpec link;
  if (!n.IsMap())
    return make_error(where + ": expected a map with from, to, delay, jitter, bandwidth and " +
                      "loss, got " + kind(n));
  if (auto st = check_keys(n, {"from", "to", "delay", "jitter", "bandwidth", "loss"}, where); !st)
    return st.error_value();
  for (const auto& [key, out] : {std::pair{"from", &link.from}, std::pair{"to", &link.to}}) {
    const YAML::Node end = n[key];
    if (!end) return make_error(where + "." + key + ": required");
    auto text = read_scalar(end, where + "." + key);
    if (!text) return text.error_value();
    *out = *text;
  }
  if (const YAML::Node delay = n["delay"]) {
    auto d = read_duration(delay, where + ".delay");
    if (!d) return d.error_value();
    link.delay = *d;
  }
  if (const YAML::Node jitter = n["jitter"]) {
    auto d = read_duration(jitter, where + ".jitter");
    if (!d) return d.error_value();
    link.jitter = *d;
    if (link.jitter > link.delay)
      return make_error(where + ".jitter: must be <= delay (" + format_duration(link.delay) +
                        "), got " + format_duration(link.jitter));
  }
  if (const YAML::Node bandwidth = n["bandwidth"]) {
    const std::string at = where + ".bandwidth";
    if (bandwidth.IsMap()) {  // {up: 20Mbit, down: 100Mbit}; a direction left out is unlimited
      if (auto st = check_keys(bandwidth, {"up", "down"}, at); !st) return st.error_value();
      if (bandwidth.size() == 0) return make_error(at + ": expected up and/or down");
      for (const auto& [key, out] :
           {std::pair{"up", &link.up_bps}, std::pair{"down", &link.down_bps}}) {
        if (const YAML::Node v = bandwidth[key]) {
          auto bps = read_bandwidth(v, at + "." + key);
          if (!bps) return bps.error_value();
          *out = *bps;
        }
      }
    } else {
      auto bps = read_bandwidth(bandwidth, at);
      if (!bps) return bps.error_value();
      link.up_bps = link.down_bps = *bps;
    }
  }
  if (const YAML::Node loss = n["loss"]) {
    auto v = read_loss(loss, where + ".loss");
    if (!v) return v.error_value();
    link.loss = *v;
  }
  return link;
}

// "a.b.c.d/p": four decimal octets (no leading zeros), host bits zero, p in 8..20.
Status check_subnet(const std::string& text, const std::string& where) {
  const auto bad = [&] {
    return make_error(where + ": expected an IPv4 network such as 10.231.0.0/16, got " +
                      in_quotes(text));
  };
  const auto number = [](std::string_view s, int max) -> int {
    if (s.empty() || s.size() > 3 || (s.size() > 1 && s.front() == '0')) return -1;
    int v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v > max) return -1;
    return v;
  };
  const auto slash = text.find('/');
  if (slash == std::string::npos) return bad();
  std::uint32_t address = 0;
  std::string_view rest = std::string_view(text).substr(0, slash);
  for (int i = 0; i < 4; ++i) {
    const auto dot = rest.find('.');
    if ((i < 3) == (dot == std::string_view::npos)) return bad();
    const int octet = number(rest.substr(0, dot), 255);
    if (octet < 0) return bad();
    address = (address << 8) | static_cast<std::uint32_t>(octet);
    rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
  }
  const int prefix = number(std::string_view(text).substr(slash + 1), 32);
  if (prefix < 0) return bad();
  if (prefix < kMinPrefix || prefix > kMaxPrefix)
    return make_error(where + ": the prefix length must be " + std::to_string(kMinPrefix) + ".." +
                      std::to_string(kMaxPrefix) + " (each node gets /30s inside it), got /" +
                      std::to_string(prefix));
  const std::uint32_t mask = ~std::uint32_t{0} << (32 - prefix);
  if (address & ~mask) {
    const std::uint32_t net = address & mask;
    return make_error(where + ": host bits are set in " + text + " (the network is " +
                      std::to_string(net >> 24) + "." + std::to_string((net >> 16) & 255) + "." +
                      std::to_string((net >> 8) & 255) + "." + std::to_string(net & 255) + "/" +
                      std::to_string(prefix) + ")");
  }
  return Ok{};
}

// The checks across nodes and links, once each has been read.
Status check_links(const Topology& t) {
  std::set<std::pair<std::string, std::string>> pairs;
  for (std::size_t i = 0; i < t.links.size(); ++i) {
    const LinkSpec& l = t.links[i];
    const std::string where = "topology.links[" + std::to_string(i) + "]";
    if (l.from != kClient && !t.node(l.from))
      return make_error(where + ".from: unknown node " + in_quotes(l.from) +
                        " (client or a node of topology.nodes)");
    if (l.to == kClient) return make_error(where + ".to: the client is only a link's from end");
    if (!t.node(l.to)) return make_error(where + ".to: unknown node " + in_quotes(l.to));
    if (l.from == l.to) return make_error(where + ": from and to are both " + in_quotes(l.from));
    if (!pairs.insert(std::minmax(l.from, l.to)).second)
      return make_error(where + ": a second link between " + l.from + " and " + l.to +
                        " (at most one per pair, in either direction)");
  }
  return Ok{};
}

}  // namespace

std::string_view node_role_name(NodeRole role) {
  return role == NodeRole::kEdge ? "edge" : "cloud";
}

const NodeSpec* Topology::node(std::string_view name) const {
  for (const auto& n : nodes)
    if (n.name == name) return &n;
  return nullptr;
}

const LinkSpec* Topology::link_between(std::string_view a, std::string_view b) const {
  for (const auto& l : links)
    if ((l.from == a && l.to == b) || (l.from == b && l.to == a)) return &l;
  return nullptr;
}

Result<Topology> parse_topology(const YAML::Node& node) {
  if (!node.IsMap())
    return make_error(std::string("topology: expected a map with subnet, gateway, nodes and "
                                  "links, got ") +
                      kind(node));
  try {
    Topology t;
    if (auto st = check_keys(node, {"subnet", "gateway", "nodes", "links"}, "topology"); !st)
      return st.error_value();
    if (const YAML::Node subnet = node["subnet"]) {
      auto text = read_scalar(subnet, "topology.subnet");
      if (!text) return text.error_value();
      t.subnet = *text;
    }
    if (auto st = check_subnet(t.subnet, "topology.subnet"); !st) return st.error_value();

    const YAML::Node nodes = node["nodes"];
    if (!nodes) return make_error("topology.nodes: required (at least one node)");
    if (!nodes.IsMap())
      return make_error(std::string("topology.nodes: expected a map of node names to their "
                                    "fields, got ") +
                        kind(nodes));
    if (nodes.size() == 0) return make_error("topology.nodes: at least one node");
    for (const auto& kv : nodes) {
      if (!kv.first.IsScalar()) return make_error("topology.nodes: a key must be a plain value");
      const std::string name = kv.first.Scalar();
      const std::string where = "topology.nodes." + name;
      if (name == kClient)
        return make_error(where + ": \"client\" is reserved for the load generator's side");
      if (!is_node_name(name))
        return make_error(where + ": a node name is a DNS label: a-z, 0-9 and '-', a letter " +
                          "first, not '-' last, at most " + std::to_string(kMaxNodeName) +
                          " characters");
      if (t.node(name)) return make_error(where + ": given twice");
      auto spec = read_node(name, kv.second, where);
      if (!spec) return spec.error_value();
      t.nodes.push_back(std::move(*spec));
    }

    if (const YAML::Node links = node["links"]) {
      if (!links.IsSequence())
        return make_error(std::string("topology.links: expected a list of links, got ") +
                          kind(links));
      for (std::size_t i = 0; i < links.size(); ++i) {
        auto link = read_link(links[i], "topology.links[" + std::to_string(i) + "]");
        if (!link) return link.error_value();
        t.links.push_back(std::move(*link));
      }
    }
    if (auto st = check_links(t); !st) return st.error_value();

    if (const YAML::Node gateway = node["gateway"]) {
      auto text = read_scalar(gateway, "topology.gateway");
      if (!text) return text.error_value();
      if (!t.node(*text)) return make_error("topology.gateway: unknown node " + in_quotes(*text));
      t.gateway_node = *text;
    } else {
      const auto edge = std::find_if(t.nodes.begin(), t.nodes.end(),
                                     [](const NodeSpec& n) { return n.role == NodeRole::kEdge; });
      if (edge == t.nodes.end())
        return make_error(
            "topology.gateway: required when there is no edge node (by default the gateway runs "
            "on the first edge node)");
      t.gateway_node = edge->name;
    }
    const std::string& gw = t.gateway_node;
    if (!t.link_between(kClient, gw))
      return make_error("topology.gateway: " + gw + " has no link from the client (add " +
                        "{from: client, to: " + gw + "} to topology.links)");
    for (const auto& n : t.nodes) {
      if (n.name != gw && !t.link_between(gw, n.name))
        return make_error("topology.links: node " + n.name +
                          " has no direct link with the gateway node " + gw +
                          " (faaslab routes the gateway's requests to a node over one link)");
    }
    return t;
  } catch (const YAML::Exception& e) {
    return make_error(std::string("topology: ") + e.what());
  }
}

Result<Topology> load_topology(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return make_error("cannot read topology file " + path.string());
  std::stringstream text;
  text << in.rdbuf();
  auto doc = load_yaml(text.str());
  if (!doc) return make_error(path.string() + ": " + doc.error());
  const YAML::Node& root = *doc;
  try {
    if (!root.IsMap() || !root["topology"])
      return make_error(path.string() + ": expected a top-level 'topology:' map");
    auto topology = parse_topology(root["topology"]);
    if (!topology) return make_error(path.string() + ": " + topology.error());
    return topology;
  } catch (const YAML::Exception& e) {
    return make_error(path.string() + ": " + e.what());
  }
}

Result<std::vector<Constraint>> parse_constraints(const std::vector<std::string>& texts) {
  std::vector<Constraint> out;
  for (const auto& text : texts) {
    const auto bad = [&] {
      return make_error(in_quotes(text) +
                        " is not a constraint (key == value, key != value or key=value)");
    };
    const auto op = text.find_first_of("=!");
    if (op == std::string::npos) return bad();
    Constraint c;
    std::size_t op_size = 1;
    if (text[op] == '!') {
      if (op + 1 >= text.size() || text[op + 1] != '=') return bad();
      c.equal = false;
      op_size = 2;
    } else if (op + 1 < text.size() && text[op + 1] == '=') {
      op_size = 2;
    }
    const auto trim = [](std::string_view s) {
      while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
      while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
      return std::string(s);
    };
    c.key = trim(std::string_view(text).substr(0, op));
    c.value = trim(std::string_view(text).substr(op + op_size));
    if (!is_label_text(c.key) || !is_label_text(c.value)) return bad();
    out.push_back(std::move(c));
  }
  return out;
}

bool node_matches(const NodeSpec& node, const std::vector<Constraint>& constraints) {
  for (const auto& c : constraints) {
    std::optional<std::string_view> actual;
    if (c.key == "node.role") {
      actual = node_role_name(node.role);
    } else if (c.key == "faaslab.node" || c.key == "kubernetes.io/hostname" ||
               c.key == "node.hostname") {
      actual = node.name;
    } else {
      const std::string_view swarm = "node.labels.";
      const std::string label = c.key.rfind(swarm, 0) == 0 ? c.key.substr(swarm.size()) : c.key;
      if (const auto it = node.labels.find(label); it != node.labels.end()) actual = it->second;
    }
    if ((actual && *actual == c.value) != c.equal) return false;
  }
  return true;
}

std::vector<std::string> eligible_nodes(const Topology& topology, const FunctionSpec& function) {
  std::vector<std::string> out;
  const auto constraints = parse_constraints(function.constraints);
  if (!constraints) return out;
  for (const auto& n : topology.nodes)
    if (node_matches(n, *constraints)) out.push_back(n.name);
  return out;
}

}  // namespace faaslab::runtime
