#include "netem/network.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "common/clock.h"

namespace faaslab::netem {

namespace {

using tcp = boost::asio::ip::tcp;

bool shaped(const LinkDirection& d) {
  return d.delay.count() > 0 || d.jitter.count() > 0 || d.loss > 0;
}

std::string bits(double bps) {
  return std::to_string(static_cast<std::uint64_t>(std::llround(bps))) + "bit";
}

std::string millis(Micros d) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3fms", static_cast<double>(d.count()) / 1000.0);
  return text;
}

// tbf's bucket: about 2 ms at the rate, and never less than two full-size frames; its queue:
// 100 ms at the rate (so a TCP sender is slowed by the queue, not by drops), at least 64 KiB.
std::vector<std::string> tbf_args(double bps) {
  const double bytes_per_s = bps / 8;
  const auto burst = static_cast<std::uint64_t>(std::max(2.0 * 1514, bytes_per_s * 0.002));
  const auto limit = static_cast<std::uint64_t>(std::max(64.0 * 1024, bytes_per_s * 0.1));
  return {"tbf", "rate", bits(bps), "burst", std::to_string(burst), "limit", std::to_string(limit)};
}

// The qdiscs for one direction on a veth end's egress. Nothing when the direction is not shaped.
Status shape_device(const Namespace* ns, const std::string& device, const LinkDirection& d) {
  auto tc = [&](const std::vector<std::string>& args) {
    return ns ? ns->run("tc", args) : run_host("tc", args);
  };
  const bool delay = shaped(d);
  if (!delay && d.rate_bps <= 0) return Ok{};
  std::vector<std::string> args = {"qdisc", "add", "dev", device, "root", "handle", "1:"};
  if (delay) {
    args.insert(args.end(), {"netem", "delay", millis(d.delay)});
    if (d.jitter.count() > 0) args.push_back(millis(d.jitter));
    if (d.loss > 0) {
      char loss[32];
      std::snprintf(loss, sizeof loss, "%.6f%%", d.loss * 100);
      args.insert(args.end(), {"loss", loss});
    }
    args.insert(args.end(), {"limit", "100000"});
    if (auto s = tc(args); !s) return s;
    if (d.rate_bps <= 0) return Ok{};
    args = {"qdisc", "add", "dev", device, "parent", "1:1", "handle", "10:"};
  }
  const auto tbf = tbf_args(d.rate_bps);
  args.insert(args.end(), tbf.begin(), tbf.end());
  return tc(args);
}

// Interface names are at most 15 characters and global to a namespace: fl<pid in base 36>
// then the link's index, and one letter for the end.
std::string device_name(int link, char end) {
  static const std::string pid = [] {
    std::string s;
    for (unsigned long p = static_cast<unsigned long>(::getpid()); p > 0; p /= 36)
      s.insert(s.begin(), "0123456789abcdefghijklmnopqrstuvwxyz"[p % 36]);
    return s;
  }();
  return "fl" + pid + "l" + std::to_string(link) + end;
}

}  // namespace

const char* emulation_name(Emulation e) {
  switch (e) {
    case Emulation::kAuto:
      return "auto";
    case Emulation::kKernel:
      return "kernel";
    case Emulation::kRelay:
      return "relay";
  }
  return "?";
}

Result<std::pair<std::uint32_t, int>> parse_subnet(const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos) return make_error("subnet \"" + text + "\": not a.b.c.d/len");
  in_addr addr{};
  if (::inet_pton(AF_INET, text.substr(0, slash).c_str(), &addr) != 1)
    return make_error("subnet \"" + text + "\": not an IPv4 address");
  const std::string len = text.substr(slash + 1);
  if (len.empty() || len.size() > 2 || len.find_first_not_of("0123456789") != std::string::npos)
    return make_error("subnet \"" + text + "\": prefix length must be a number");
  const int prefix = std::stoi(len);
  if (prefix < 8 || prefix > 20)
    return make_error("subnet \"" + text + "\": prefix length must be 8..20");
  const std::uint32_t base = ntohl(addr.s_addr);
  const std::uint32_t mask = prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix);
  if ((base & ~mask) != 0) return make_error("subnet \"" + text + "\": host bits are set");
  return std::make_pair(base, prefix);
}

std::string format_ipv4(std::uint32_t address) {
  in_addr addr{htonl(address)};
  char text[INET_ADDRSTRLEN];
  ::inet_ntop(AF_INET, &addr, text, sizeof text);
  return text;
}

std::vector<std::string> overlapping_routes(std::uint32_t base, int prefix) {
  std::vector<std::string> found;
  std::ifstream routes("/proc/thread-self/net/route");
  std::string line;
  std::getline(routes, line);  // header
  const std::uint32_t mask = ~std::uint32_t{0} << (32 - prefix);
  while (std::getline(routes, line)) {
    std::istringstream in(line);
    std::string device, dst_hex, gateway_hex, flags, refcnt, use, metric, mask_hex;
    if (!(in >> device >> dst_hex >> gateway_hex >> flags >> refcnt >> use >> metric >> mask_hex))
      continue;
    // Little-endian hex of the network-order address, as the kernel prints it.
    const auto dst = ntohl(static_cast<std::uint32_t>(std::stoul(dst_hex, nullptr, 16)));
    const auto route_mask = ntohl(static_cast<std::uint32_t>(std::stoul(mask_hex, nullptr, 16)));
    if (route_mask == 0) continue;  // the default route overlaps everything and routes nothing here
    const std::uint32_t common = mask & route_mask;
    if ((dst & common) == (base & common)) {
      int len = 0;
      for (std::uint32_t m = route_mask; m; m <<= 1) ++len;
      found.push_back(format_ipv4(dst) + "/" + std::to_string(len) + " dev " + device);
    }
  }
  return found;
}

Result<std::unique_ptr<Network>> Network::create(const NetworkPlan& plan) {
  if (auto ok = check_namespace_support(); !ok) return ok.error_value();
  if (!remove_stale_namespaces().empty()) {
    // The kernel frees a deleted namespace's interfaces (and the host's routes through them)
    // in the background: wait for that, up to 10 s, before checking the subnet is free.
    if (auto subnet = parse_subnet(plan.subnet)) {
      const auto give_up = SteadyClock::now() + std::chrono::seconds(10);
      while (!overlapping_routes(subnet->first, subnet->second).empty() &&
             SteadyClock::now() < give_up)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  std::unique_ptr<Network> network(new Network());
  if (auto built = network->build(plan); !built) return built.error_value();
  return network;
}

Status Network::build(const NetworkPlan& plan) {
  auto subnet = parse_subnet(plan.subnet);
  if (!subnet) return subnet.error_value();
  const auto [base, prefix] = *subnet;
  if (plan.links.size() * 4 > (std::uint64_t{1} << (32 - prefix)))
    return make_error("subnet " + plan.subnet + " is too small for " +
                      std::to_string(plan.links.size()) + " links (a /30 each)");
  if (auto overlap = overlapping_routes(base, prefix); !overlap.empty())
    return make_error("subnet " + plan.subnet + " overlaps a route this machine has (" +
                      overlap.front() + "); choose another topology.subnet");
  auto plain = Relay::start(RelayOptions{});
  if (!plain) return plain.error_value();
  plain_ = std::move(*plain);
  std::set<std::string> names(plan.nodes.begin(), plan.nodes.end());
  for (const std::string& node : plan.nodes) {
    auto ns = Namespace::create(node);
    if (!ns) return ns.error_value();
    namespaces_[node] = std::move(*ns);
  }
  for (std::size_t i = 0; i < plan.links.size(); ++i) {
    const LinkPlan& lp = plan.links[i];
    if ((!lp.from.empty() && !names.count(lp.from)) || !names.count(lp.to) || lp.from == lp.to)
      return make_error("link " + std::to_string(i) + ": unknown or identical ends");
    auto link = std::make_unique<Link>();
    LinkState& st = link->state;
    st.plan = lp;
    const bool delays = shaped(lp.up) || shaped(lp.down);
    if (lp.emulation == Emulation::kKernel && delays && !netem_available())
      return make_error("link " + (lp.from.empty() ? std::string("client") : lp.from) + "->" +
                        lp.to +
                        ": kernel emulation of delay, jitter or loss needs the netem qdisc "
                        "(sch_netem), which this kernel lacks; use emulation: relay");
    if (lp.emulation == Emulation::kAuto)
      st.plan.emulation = (!delays || netem_available()) ? Emulation::kKernel : Emulation::kRelay;
    const std::uint32_t net = base + 4 * static_cast<std::uint32_t>(i);
    st.from_address = format_ipv4(net + 1);
    st.to_address = format_ipv4(net + 2);
    st.from_device = device_name(static_cast<int>(i), 'a');
    st.to_device = device_name(static_cast<int>(i), 'b');
    const Namespace* from_ns = ns(lp.from);
    const Namespace* to_ns = ns(lp.to);
    // Made with both ends in place at once, so a crash never leaves a stray end in the host.
    std::vector<std::string> add = {"link", "add",  st.from_device, "type",  "veth",
                                    "peer", "name", st.to_device,   "netns", to_ns->name()};
    auto in_from = [&](const std::string& tool, const std::vector<std::string>& args) {
      return from_ns ? from_ns->run(tool, args) : run_host(tool, args);
    };
    if (auto s = in_from("ip", add); !s) return s;
    const std::string cidr = "/30";
    if (auto s = in_from("ip", {"addr", "add", st.from_address + cidr, "dev", st.from_device}); !s)
      return s;
    if (auto s = to_ns->run("ip", {"addr", "add", st.to_address + cidr, "dev", st.to_device}); !s)
      return s;
    if (auto s = in_from("ip", {"link", "set", st.from_device, "up"}); !s) return s;
    if (auto s = to_ns->run("ip", {"link", "set", st.to_device, "up"}); !s) return s;
    if (st.plan.emulation == Emulation::kKernel) {
      if (auto s = shape_device(from_ns, st.from_device, lp.up); !s) return s;
      if (auto s = shape_device(to_ns, st.to_device, lp.down); !s) return s;
    } else {
      RelayOptions options;
      options.forward = lp.up;
      options.backward = lp.down;
      options.seed = 1 + i;
      auto relay = Relay::start(options);
      if (!relay) return relay.error_value();
      link->relay = std::move(*relay);
    }
    links_.push_back(std::move(link));
  }
  return Ok{};
}

Network::~Network() {
  for (auto& link : links_)
    if (link->relay) link->relay->stop();
  if (plain_) plain_->stop();
  std::vector<std::string> host_devices;
  for (const auto& link : links_)
    if (link->state.plan.from.empty()) host_devices.push_back(link->state.from_device);
  links_.clear();
  namespaces_.clear();  // each deletes its namespace, and the veths in it
  // The kernel frees those interfaces (and the host's routes through them) in the background;
  // waiting here, up to 10 s, lets the next network on the same subnet start at once.
  const auto give_up = SteadyClock::now() + std::chrono::seconds(10);
  for (const auto& device : host_devices) {
    const std::string path = "/sys/class/net/" + device;
    while (::access(path.c_str(), F_OK) == 0 && SteadyClock::now() < give_up)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

const Namespace* Network::ns(const std::string& node) const {
  auto it = namespaces_.find(node);
  return it == namespaces_.end() ? nullptr : it->second.get();
}

const Network::Link* Network::find(const std::string& a, const std::string& b,
                                   bool* reversed) const {
  for (const auto& link : links_) {
    const LinkPlan& p = link->state.plan;
    if (p.from == a && p.to == b) return *reversed = false, link.get();
    if (p.from == b && p.to == a) return *reversed = true, link.get();
  }
  return nullptr;
}

Network::Link* Network::find(const std::string& a, const std::string& b, bool* reversed) {
  return const_cast<Link*>(static_cast<const Network*>(this)->find(a, b, reversed));
}

Result<std::string> Network::address(const std::string& node, const std::string& peer) const {
  bool reversed = false;
  const Link* link = find(node, peer, &reversed);
  if (!link) return make_error("no link between \"" + node + "\" and \"" + peer + "\"");
  return reversed ? link->state.to_address : link->state.from_address;
}

Result<tcp::endpoint> Network::expose(const std::string& from, const std::string& to,
                                      std::uint16_t port, std::uint16_t listen_port, bool entry) {
  bool reversed = false;
  Link* link = find(from, to, &reversed);
  if (!link) return make_error("no link between \"" + from + "\" and \"" + to + "\"");
  const std::string far = reversed ? link->state.from_address : link->state.to_address;
  const tcp::endpoint target(boost::asio::ip::make_address_v4(far), port);
  const bool kernel = link->state.plan.emulation == Emulation::kKernel;
  if (kernel && !entry) return target;
  if (reversed && !kernel)
    return make_error("link " + link->state.plan.from + "->" + link->state.plan.to +
                      ": a relay carries connections started at its `from` end only");
  const Namespace* from_ns = ns(from);
  auto listener = listen_in(from_ns, "127.0.0.1", listen_port);
  if (!listener) return listener.error_value();
  const std::uint16_t relay_port = local_port(*listener);
  Relay& relay = kernel ? *plain_ : *link->relay;
  auto route = relay.add_route(
      *listener, target, [from_ns]() { return open_socket_in(from_ns, AF_INET, SOCK_STREAM); });
  if (!route) return route.error_value();
  MutexLock lock(link->mu);
  link->routes[relay_port] = *route;
  return tcp::endpoint(boost::asio::ip::make_address_v4("127.0.0.1"), relay_port);
}

void Network::unexpose(const std::string& from, const std::string& to,
                       const tcp::endpoint& exposed) {
  bool reversed = false;
  Link* link = find(from, to, &reversed);
  if (!link) return;
  MutexLock lock(link->mu);
  auto it = link->routes.find(exposed.port());
  if (it == link->routes.end()) return;
  (link->relay ? *link->relay : *plain_).remove_route(it->second);
  link->routes.erase(it);
}

std::vector<LinkState> Network::links() const {
  std::vector<LinkState> out;
  for (const auto& link : links_) {
    LinkState st = link->state;
    if (link->relay) st.relayed = link->relay->counters();
    out.push_back(st);
  }
  return out;
}

}  // namespace faaslab::netem
