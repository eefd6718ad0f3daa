// An emulated network on one machine: a network namespace per node, a veth pair per link with
// an address at each end (link i is the /30 at subnet + 4i: .1 on its `from` end, .2 on its `to`
// end), and each link's shape applied in one of two ways:
//   kernel: tbf (the rate) on each veth end's egress, under netem (delay, jitter, loss) where
//           the kernel has sch_netem; a connection to the far address crosses it as it is;
//   relay:  a user-space Relay (relay.h) listening on 127.0.0.1 in the link's `from` namespace
//           forwards to the far address through the veth, with the rate and delay applied.
// kAuto picks kernel when it can do all the link asks (netem exists, or the link has no delay,
// jitter or loss), else relay. The host (the namespace faaslab started in) is the client side,
// named "" here; only links from the host leave an interface (the veth's host end) outside the
// namespaces, and it goes when its namespace does.
//
// Thread-safe after create(). Lifetime: the destructor stops the relays and deletes every
// namespace (and so every veth and qdisc). create() first removes what crashed runs left.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "common/result.h"
#include "netem/netns.h"
#include "netem/relay.h"

namespace faaslab::netem {

enum class Emulation { kAuto, kKernel, kRelay };
const char* emulation_name(Emulation e);

struct LinkPlan {
  std::string from;    // "" = the host (client side), else a node
  std::string to;      // a node
  LinkDirection up;    // from -> to
  LinkDirection down;  // to -> from
  Emulation emulation = Emulation::kAuto;
};

struct NetworkPlan {
  std::string subnet = "10.231.0.0/16";  // IPv4, prefix 8..20; must not overlap the host's routes
  std::vector<std::string> nodes;
  std::vector<LinkPlan> links;
};

struct LinkState {
  LinkPlan plan;  // emulation resolved (never kAuto)
  std::string from_address, to_address;
  std::string from_device, to_device;
  RelayCounters relayed;  // relay links only
};

class Network {
 public:
  // Errors: no rights for namespaces, a bad subnet or one the host already routes, a link
  // naming an unknown node, kKernel asked for a delay where netem is missing, a tool failing.
  static Result<std::unique_ptr<Network>> create(const NetworkPlan& plan);
  ~Network();
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  // The node's namespace; nullptr for the host ("") or an unknown node.
  const Namespace* ns(const std::string& node) const;

  // The address of `node` on its link with `peer`. Errors: no such link.
  Result<std::string> address(const std::string& node, const std::string& peer) const;

  // Where a socket in `from` connects to reach `port` on `to` over their link, with the link's
  // shape: `to`'s address itself (kernel), or a relay's 127.0.0.1 port in `from` (relay; one
  // per call, released with unexpose). Errors: no link between them.
  // `listen_port`: the relay's port (0: any free one). `entry`: a relay even on a kernel link
  // (unshaped there: the veth's qdiscs shape it), for a fixed port a user connects to.
  Result<boost::asio::ip::tcp::endpoint> expose(const std::string& from, const std::string& to,
                                                std::uint16_t port, std::uint16_t listen_port = 0,
                                                bool entry = false);
  void unexpose(const std::string& from, const std::string& to,
                const boost::asio::ip::tcp::endpoint& exposed);

  std::vector<LinkState> links() const;

 private:
  struct Link {
    LinkState state;
    std::unique_ptr<Relay> relay;                        // relay links
    std::map<std::uint16_t, int> routes GUARDED_BY(mu);  // relay port -> route id
    mutable Mutex mu;
  };
  Network() = default;
  Link* find(const std::string& a, const std::string& b, bool* reversed);
  const Link* find(const std::string& a, const std::string& b, bool* reversed) const;
  Status build(const NetworkPlan& plan);

  std::map<std::string, std::unique_ptr<Namespace>> namespaces_;
  std::unique_ptr<Relay> plain_;  // unshaped entries to kernel links (made by create)
  std::vector<std::unique_ptr<Link>> links_;
};

// The subnet's base address and prefix length. Errors: malformed, host bits set, prefix
// outside 8..20.
Result<std::pair<std::uint32_t, int>> parse_subnet(const std::string& text);
std::string format_ipv4(std::uint32_t address);  // host byte order

// The IPv4 routes of the calling thread's namespace that overlap base/prefix, as "dst/len dev".
std::vector<std::string> overlapping_routes(std::uint32_t base, int prefix);

}  // namespace faaslab::netem
