// faaslab topology check|calibrate -f FILE: an edge–cloud topology (the `topology:` section of
// a stack or campaign file) read and shown, or set up for real (a namespace per node, emulated
// links) and each link measured against what it was configured to be.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "common/env.h"
#include "netem/calibrate.h"
#include "runtime/stack.h"
#include "runtime/topology.h"
#include "runtime/topology_network.h"

namespace faaslab::cli {
namespace {

struct TopologyArgs {
  std::string file;
  double bulk_seconds = 1.0;
  int pings = 40;
  std::string json;
};

std::string end_name(const std::string& end) {
  return end.empty() ? "client" : end;
}

// A measured rate, to three significant figures; the configured one as it was written.
std::string measured_rate(double bps) {
  char text[32];
  if (bps >= 1e9)
    std::snprintf(text, sizeof text, "%.3gGbit/s", bps / 1e9);
  else if (bps >= 1e6)
    std::snprintf(text, sizeof text, "%.3gMbit/s", bps / 1e6);
  else
    std::snprintf(text, sizeof text, "%.3gkbit/s", bps / 1e3);
  return text;
}

std::string delay_text(Micros d) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f ms", static_cast<double>(d.count()) / 1000);
  return text;
}

// The topology of a stack file (its functions' placement checked), else of any YAML file.
Result<runtime::StackFile> read_topology(const std::string& file) {
  auto stack = runtime::load_stack(file, current_environment());
  if (stack && !stack->topology.empty()) return stack;
  auto topology = runtime::load_topology(file);
  if (!topology) return stack ? topology.error_value() : stack.error_value();
  runtime::StackFile only;
  only.topology = std::move(*topology);
  return only;
}

int run_check(const TopologyArgs& a) {
  auto stack = read_topology(a.file);
  if (!stack) return std::cerr << "faaslab topology: " << stack.error() << "\n", 2;
  const runtime::Topology& t = stack->topology;
  std::printf("subnet %s, gateway on %s\n\n", t.subnet.c_str(), t.gateway_node.c_str());
  std::printf("%-16s %-6s %8s %10s %12s\n", "node", "role", "cpus", "memory", "max replicas");
  for (const auto& n : t.nodes) {
    std::printf("%-16s %-6s %8s %10s %12s\n", n.name.c_str(),
                std::string(runtime::node_role_name(n.role)).c_str(),
                n.cpus > 0 ? std::to_string(n.cpus).substr(0, 5).c_str() : "any",
                n.memory_bytes ? (std::to_string(n.memory_bytes >> 20) + "Mi").c_str() : "any",
                n.max_replicas ? std::to_string(n.max_replicas).c_str() : "any");
  }
  std::printf("\n%-28s %10s %10s %16s %16s %8s\n", "link", "delay", "jitter", "up", "down", "loss");
  for (const auto& l : t.links) {
    std::printf("%-28s %10s %10s %16s %16s %7.3f%%\n", (l.from + " -> " + l.to).c_str(),
                delay_text(l.delay).c_str(), delay_text(l.jitter).c_str(),
                format_bandwidth(l.up_bps).c_str(), format_bandwidth(l.down_bps).c_str(),
                l.loss * 100);
  }
  if (!stack->functions.empty()) {
    std::printf("\n%-20s %s\n", "function", "may run on");
    for (const auto& f : stack->functions) {
      std::string nodes;
      for (const auto& n : runtime::eligible_nodes(t, f)) nodes += (nodes.empty() ? "" : ", ") + n;
      std::printf("%-20s %s\n", f.name.c_str(), nodes.c_str());
    }
  }
  return 0;
}

int run_calibrate(const TopologyArgs& a) {
  if (a.bulk_seconds <= 0 || a.bulk_seconds > 60)
    return std::cerr << "faaslab topology calibrate: --bulk-seconds must be in (0, 60]\n", 2;
  if (a.pings < 1 || a.pings > 100000)
    return std::cerr << "faaslab topology calibrate: --pings must be 1..100000\n", 2;
  auto stack = read_topology(a.file);
  if (!stack) return std::cerr << "faaslab topology: " << stack.error() << "\n", 2;
  if (auto ok = netem::check_namespace_support(); !ok)
    return std::cerr << "faaslab topology calibrate: " << ok.error() << "\n", 2;
  auto network = netem::Network::create(runtime::network_plan(stack->topology));
  if (!network) return std::cerr << "faaslab topology calibrate: " << network.error() << "\n", 2;
  netem::CalibrateOptions options;
  options.bulk_seconds = a.bulk_seconds;
  options.pings = a.pings;
  std::printf("%-24s %-7s %20s %30s %30s\n", "link", "how", "rtt: set / measured",
              "up: set / measured", "down: set / measured");
  nlohmann::json out = nlohmann::json::array();
  bool all_ok = true;
  const auto links = (*network)->links();
  for (std::size_t i = 0; i < links.size(); ++i) {
    auto m = netem::calibrate_link(**network, i, options);
    if (!m) return std::cerr << "faaslab topology calibrate: " << m.error() << "\n", 1;
    all_ok = all_ok && m->ok();
    auto mark = [](bool ok) { return ok ? " " : "!"; };
    char rtt[64], up[64], down[64];
    std::snprintf(rtt, sizeof rtt, "%.2f / %.2f ms%s", m->configured_rtt_s * 1e3, m->rtt_s * 1e3,
                  mark(m->rtt_ok));
    std::snprintf(up, sizeof up, "%s / %s%s", format_bandwidth(m->configured_up_bps).c_str(),
                  measured_rate(m->up_bps).c_str(), mark(m->up_ok));
    std::snprintf(down, sizeof down, "%s / %s%s", format_bandwidth(m->configured_down_bps).c_str(),
                  measured_rate(m->down_bps).c_str(), mark(m->down_ok));
    std::printf("%-24s %-7s %20s %30s %30s\n", (end_name(m->from) + " -> " + m->to).c_str(),
                netem::emulation_name(m->emulation), rtt, up, down);
    out.push_back({{"from", end_name(m->from)},
                   {"to", m->to},
                   {"emulation", netem::emulation_name(m->emulation)},
                   {"configured_rtt_s", m->configured_rtt_s},
                   {"rtt_s", m->rtt_s},
                   {"rtt_min_s", m->rtt_min_s},
                   {"rtt_max_s", m->rtt_max_s},
                   {"configured_up_bps", m->configured_up_bps},
                   {"up_bps", m->up_bps},
                   {"configured_down_bps", m->configured_down_bps},
                   {"down_bps", m->down_bps},
                   {"ok", m->ok()}});
  }
  std::printf("\n%s (tolerance: rtt 5%% + 0.2 ms, bandwidth 5%%; ! marks a miss)\n",
              all_ok ? "every link as configured" : "some links are not as configured");
  if (!a.json.empty()) {
    std::ofstream f(a.json);
    f << out.dump(2) << "\n";
    if (!f) return std::cerr << "faaslab topology calibrate: cannot write " << a.json << "\n", 1;
  }
  return all_ok ? 0 : 1;
}

}  // namespace

void add_topology_command(CLI::App& app, CommandRunner& run) {
  auto a = std::make_shared<TopologyArgs>();
  auto* cmd = app.add_subcommand("topology",
                                 "Check an edge–cloud topology, or set it up and "
                                 "measure its links");
  cmd->require_subcommand(1);
  auto* check = cmd->add_subcommand("check", "Read the topology and show nodes, links, placement");
  check->add_option("-f,--file", a->file, "Stack or campaign file with a topology: section")
      ->required();
  check->callback([a, &run] { run = [a] { return run_check(*a); }; });
  auto* cal = cmd->add_subcommand(
      "calibrate",
      "Make the topology's namespaces and links, measure each link's round trip "
      "and bandwidth against its configuration (exit 1 if one is off)");
  cal->add_option("-f,--file", a->file, "Stack or campaign file with a topology: section")
      ->required();
  cal->add_option("--bulk-seconds", a->bulk_seconds,
                  "How long each bandwidth transfer lasts at the configured rate (default 1)");
  cal->add_option("--pings", a->pings, "Round trips measured per link (default 40)");
  cal->add_option("--json", a->json, "Write the measurements here as JSON");
  cal->callback([a, &run] { run = [a] { return run_calibrate(*a); }; });
}

}  // namespace faaslab::cli
