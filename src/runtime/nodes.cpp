#include "runtime/nodes.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "runtime/resource_limits.h"
#include "runtime/topology_network.h"

namespace faaslab::runtime {

namespace {

constexpr const char* kBudgetPrefix = "faaslab-node-";

// faaslab-node-<pid>-<node>: the owner's pid, for stale clean-up.
std::string budget_name(const std::string& node) {
  return kBudgetPrefix + std::to_string(::getpid()) + "-" + node;
}

}  // namespace

Result<std::shared_ptr<Nodes>> Nodes::start(const Topology& topology) {
  if (topology.empty()) return make_error("the topology has no nodes");
  remove_stale_budgets();
  std::shared_ptr<Nodes> nodes(new Nodes(topology));
  auto network = netem::Network::create(network_plan(topology));
  if (!network) return network.error_value();
  nodes->network_ = std::move(*network);
  auto address = nodes->network_->address(topology.gateway_node, "");
  if (!address) return address.error_value();
  nodes->gateway_address_ = *address;
  if (auto made = nodes->make_budgets(); !made) return made.error_value();
  return nodes;
}

Status Nodes::make_budgets() {
  for (const NodeSpec& node : topology_.nodes) {
    std::vector<std::string>& groups = budget_groups_[node.name];
    if (node.cpus > 0) {
      const long period = 100000;
      auto dir =
          create_cgroup("cpu", budget_name(node.name),
                        {{"cpu.cfs_period_us", std::to_string(period)},
                         {"cpu.cfs_quota_us", std::to_string(std::lround(node.cpus * period))}});
      if (!dir) return make_error("node " + node.name + ": its CPU budget: " + dir.error());
      groups.push_back(*dir);
    }
    // Every node's CPU use is accounted (cpuacct), for its utilisation in campaigns.
    if (auto dir = create_cgroup("cpuacct", budget_name(node.name), {})) {
      groups.push_back(*dir);
      cpuacct_dirs_[node.name] = *dir;
    }
    if (node.memory_bytes > 0) {
      auto dir = create_cgroup("memory", budget_name(node.name),
                               {{"memory.limit_in_bytes", std::to_string(node.memory_bytes)}});
      if (!dir) return make_error("node " + node.name + ": its memory budget: " + dir.error());
      groups.push_back(*dir);
    }
  }
  return Ok{};
}

Nodes::~Nodes() {
  for (const auto& [node, groups] : budget_groups_)
    for (const auto& dir : groups) remove_cgroup(dir);
  network_.reset();
}

std::vector<std::string> Nodes::remove_stale_budgets() {
  std::vector<std::string> removed;
  for (const char* controller : {"cpu", "cpuacct", "memory"}) {
    for (const auto& dir : child_cgroups(controller, kBudgetPrefix)) {
      const std::string name = std::filesystem::path(dir).filename().string();
      const std::string rest = name.substr(std::string(kBudgetPrefix).size());
      const auto dash = rest.find('-');
      if (dash == std::string::npos || dash == 0 || dash > 9 ||
          rest.substr(0, dash).find_first_not_of("0123456789") != std::string::npos)
        continue;
      const pid_t pid = static_cast<pid_t>(std::stol(rest.substr(0, dash)));
      if (pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
      if (remove_cgroup(dir)) removed.push_back(dir);
    }
  }
  return removed;
}

Result<std::string> Nodes::reserve(const FunctionSpec& function,
                                   const std::map<std::string, int>& of_function) {
  const auto eligible = eligible_nodes(topology_, function);
  MutexLock lock(mu_);
  const std::string* best = nullptr;
  int best_count = 0;
  for (const std::string& name : eligible) {
    const NodeSpec* node = topology_.node(name);
    if (node->max_replicas > 0 && placed_[name] >= node->max_replicas) continue;
    auto it = of_function.find(name);
    const int count = it == of_function.end() ? 0 : it->second;
    if (!best || count < best_count) {
      best = &name;
      best_count = count;
    }
  }
  if (!best) {
    std::string names;
    for (const auto& n : eligible) names += (names.empty() ? "" : ", ") + n;
    return make_error("function " + function.name + ": no room for another replica on " +
                          (names.empty() ? std::string("any node") : names) +
                          " (max_replicas reached)",
                      Errc::kUnavailable);
  }
  ++placed_[*best];
  return *best;
}

void Nodes::release(const std::string& node) {
  MutexLock lock(mu_);
  if (placed_[node] > 0) --placed_[node];
}

int Nodes::replicas_on(const std::string& node) const {
  MutexLock lock(mu_);
  auto it = placed_.find(node);
  return it == placed_.end() ? 0 : it->second;
}

std::optional<double> Nodes::cpu_seconds(const std::string& node) const {
  auto it = cpuacct_dirs_.find(node);
  if (it == cpuacct_dirs_.end()) return std::nullopt;
  std::ifstream in(it->second + "/cpuacct.usage");
  unsigned long long ns = 0;
  if (!(in >> ns)) return std::nullopt;
  return static_cast<double>(ns) / 1e9;
}

double Nodes::cloud_link_seconds(std::uint64_t up_bytes, std::uint64_t down_bytes) const {
  for (const NodeSpec& node : topology_.nodes) {
    if (node.role != NodeRole::kCloud || node.name == topology_.gateway_node) continue;
    const LinkSpec* link = topology_.link_between(topology_.gateway_node, node.name);
    if (!link) continue;
    const bool forward = link->from == topology_.gateway_node;
    const double up_bps = forward ? link->up_bps : link->down_bps;
    const double down_bps = forward ? link->down_bps : link->up_bps;
    double s = 2 * to_seconds(link->delay);
    if (up_bps > 0) s += static_cast<double>(up_bytes) * 8 / up_bps;
    if (down_bps > 0) s += static_cast<double>(down_bytes) * 8 / down_bps;
    return s;
  }
  return 0;
}

std::map<std::string, std::string> Nodes::replica_variables(const std::string& node) const {
  std::map<std::string, std::string> vars;
  vars["faaslab_node"] = node;
  auto it = budget_groups_.find(node);
  if (it != budget_groups_.end() && !it->second.empty()) {
    std::string dirs;
    for (const auto& d : it->second) dirs += (dirs.empty() ? "" : ",") + d;
    vars["faaslab_node_cgroups"] = dirs;
  }
  if (const NodeSpec* spec = topology_.node(node); spec && !spec->cpu_list.empty())
    vars["faaslab_cpu_list"] = format_cpu_list(spec->cpu_list);
  return vars;
}

Result<boost::asio::ip::tcp::endpoint> Nodes::route(const std::string& node, std::uint16_t port) {
  if (node == topology_.gateway_node)
    return boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address_v4("127.0.0.1"), port);
  return network_->expose(topology_.gateway_node, node, port);
}

void Nodes::unroute(const std::string& node, const boost::asio::ip::tcp::endpoint& endpoint) {
  if (node != topology_.gateway_node) network_->unexpose(topology_.gateway_node, node, endpoint);
}

Result<std::uint16_t> Nodes::open_entry(std::uint16_t host_port, std::uint16_t gateway_port) {
  auto entry = network_->expose("", topology_.gateway_node, gateway_port, host_port, true);
  if (!entry) return entry.error_value();
  return entry->port();
}

}  // namespace faaslab::runtime
