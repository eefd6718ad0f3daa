// A running edge–cloud topology, as the gateway and its function pools use it: the emulated
// network (netem/network.h: a namespace per node, the links), each node's CPU and memory budget
// (cgroup v1 groups its replicas' watchdogs join, so all replicas of a node share its cores),
// where a new replica goes, and how the gateway reaches it.
//
// The gateway runs in its node's namespace (`faaslab up` puts its threads there), so it reaches
// a replica on its own node over that namespace's loopback and one on another node through the
// link between them. The client reaches the gateway through an entry on the host's 127.0.0.1
// that crosses the client's link to the gateway's node.
//
// Thread-safe. Lifetime: shared by the gateway's pools; the destructor removes the budgets and
// the network (replicas must have exited first). start() first removes what a crashed run left.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "common/result.h"
#include "netem/network.h"
#include "runtime/stack.h"
#include "runtime/topology.h"

namespace faaslab::runtime {

class Nodes {
 public:
  // Errors: no rights for namespaces (the message says so), the network or a budget cannot be
  // made.
  static Result<std::shared_ptr<Nodes>> start(const Topology& topology);
  ~Nodes();
  Nodes(const Nodes&) = delete;
  Nodes& operator=(const Nodes&) = delete;

  const Topology& topology() const { return topology_; }
  netem::Network& network() { return *network_; }
  const netem::Namespace* ns(const std::string& node) const { return network_->ns(node); }
  const std::string& gateway_node() const { return topology_.gateway_node; }
  // The gateway node's address on its link with the client: where the gateway listens.
  const std::string& gateway_address() const { return gateway_address_; }

  // A node for a new replica of `function`: one its constraints allow, with room under its
  // max_replicas (counting every function's replicas), and the fewest replicas of this function
  // (`of_function`: node -> count); ties go to the first in the file. Reserves the room;
  // release() gives it back. Errors: no node has room.
  Result<std::string> reserve(const FunctionSpec& function,
                              const std::map<std::string, int>& of_function);
  void release(const std::string& node);
  int replicas_on(const std::string& node) const;

  // What the link from the gateway's node to the (first) cloud node adds to a request of
  // `up_bytes` answered with `down_bytes`: both one-way delays and both transfers at the link's
  // rates. 0 with no cloud node linked to the gateway's.
  double cloud_link_seconds(std::uint64_t up_bytes, std::uint64_t down_bytes) const;

  // The watchdog variables of a replica on `node`: its budget's groups, its cores.
  std::map<std::string, std::string> replica_variables(const std::string& node) const;

  // Where the gateway connects to reach `port` on `node` (a replica's listener), released with
  // unroute(). Errors: no link between the gateway's node and `node`.
  Result<boost::asio::ip::tcp::endpoint> route(const std::string& node, std::uint16_t port);
  void unroute(const std::string& node, const boost::asio::ip::tcp::endpoint& endpoint);

  // The client's way in: 127.0.0.1:host_port on the host (0: any free port; the port is
  // returned), across the client's link to the gateway on gateway_address():gateway_port.
  Result<std::uint16_t> open_entry(std::uint16_t host_port, std::uint16_t gateway_port);

  // CPU time the node's replicas have used so far, in seconds (cgroup v1 cpuacct); nullopt
  // where that hierarchy is missing.
  std::optional<double> cpu_seconds(const std::string& node) const;

  // The cgroups of nodes whose owner is gone (a killed `faaslab up`), removed; their paths.
  static std::vector<std::string> remove_stale_budgets();

 private:
  explicit Nodes(Topology topology) : topology_(std::move(topology)) {}
  Status make_budgets();

  const Topology topology_;
  std::unique_ptr<netem::Network> network_;
  std::string gateway_address_;
  std::map<std::string, std::vector<std::string>> budget_groups_;  // node -> cgroup dirs
  std::map<std::string, std::string> cpuacct_dirs_;                // node -> its CPU account
  mutable Mutex mu_;
  std::map<std::string, int> placed_ GUARDED_BY(mu_);  // node -> replicas of every function
};

}  // namespace faaslab::runtime
