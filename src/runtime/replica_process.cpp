#include "runtime/replica_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>

#include "netem/netns.h"
#include "runtime/line_log.h"
#include "runtime/nodes.h"
#include "runtime/resource_limits.h"

namespace faaslab::runtime {

namespace fs = std::filesystem;
namespace http = boost::beast::http;

namespace {

// A listening socket on 127.0.0.1 (or every address: a replica on an emulated node, reached
// from the gateway's node) with a port the kernel chose, to hand to a watchdog.
Result<std::pair<int, std::uint16_t>> listen_on_free_port(bool any_address = false) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(std::string("socket: ") + std::strerror(errno), Errc::kUnavailable);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(any_address ? INADDR_ANY : INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 1024) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    return make_error("cannot listen on 127.0.0.1: " + why, Errc::kUnavailable);
  }
  return std::make_pair(fd, ntohs(addr.sin_port));
}

// A port that was free a moment ago, for an http-mode function's upstream (the function binds
// it itself, two processes below the gateway). If another process takes it meanwhile, the
// replica fails to start and is started again on another port.
Result<std::uint16_t> free_port() {
  auto l = listen_on_free_port();
  if (!l) return l.error_value();
  ::close(l->first);
  return l->second;
}

bool http_mode(const FunctionSpec& spec) {
  auto it = spec.environment.find("mode");
  return it != spec.environment.end() && it->second == "http";
}

}  // namespace

std::vector<std::string> replica_environment(const ReplicaPlan& plan, std::uint16_t port,
                                             std::uint16_t upstream_port,
                                             const EnvList& parent_list, int cores,
                                             const std::map<std::string, std::string>& node_vars) {
  std::vector<std::string> env;
  const Env parent(parent_list);
  env.push_back("PATH=" + plan.bin_dir + ":" +
                parent.get_or("PATH", "/usr/local/bin:/usr/bin:/bin"));
  for (const char* keep :
       {"HOME", "USER", "LANG", "LC_ALL", "TZ", "FAASLAB_MODELS_DIR", "LD_LIBRARY_PATH"}) {
    if (auto v = parent.get(keep)) env.push_back(std::string(keep) + "=" + *v);
  }
  const FunctionSpec& spec = plan.spec;
  std::map<std::string, std::string> vars = spec.environment;
  vars["fprocess"] = spec.fprocess;
  vars["LISTEN_FDS"] = "1";
  vars["port"] = std::to_string(port);
  vars["TMPDIR"] = plan.tmpdir;
  // The watchdog stops once this process (the gateway) is gone: a killed gateway leaves no
  // replicas behind.
  vars["faaslab_parent_pid"] = std::to_string(::getpid());
  // The gateway stops routing to a replica before it stops it, so no orchestrator grace.
  vars.emplace("healthcheck_interval", "0");
  if (upstream_port != 0)
    vars["upstream_url"] = "http://127.0.0.1:" + std::to_string(upstream_port);
  if (!spec.limits.cpu.empty()) {
    if (auto cpus = parse_cpu_quantity(spec.limits.cpu)) {
      vars["faaslab_cpus"] = spec.limits.cpu;
      // Spread replicas over the cores: replica k starts at core k * ceil(cpus).
      const int n = static_cast<int>(std::ceil(*cpus));
      std::vector<int> list;
      for (int i = 0; i < std::min(n, cores); ++i) list.push_back((plan.id * n + i) % cores);
      vars["faaslab_cpu_list"] = format_cpu_list(list);
    }
  }
  if (!spec.limits.memory.empty()) vars["faaslab_memory"] = spec.limits.memory;
  for (const auto& [k, v] : node_vars) vars[k] = v;
  for (const auto& [k, v] : vars) env.push_back(k + "=" + v);
  return env;
}

Result<StartedReplica> start_replica(boost::asio::io_context& ioc, const ReplicaPlan& plan,
                                     std::function<void(const std::string&)> on_line) {
  // A replica on a node: its sockets, its function's port and its process in the node's
  // namespace.
  const bool on_node = plan.nodes && !plan.node.empty();
  std::optional<netem::EnterNamespace> in_node;
  if (on_node) {
    in_node.emplace(plan.nodes->ns(plan.node));
    if (!in_node->status()) return in_node->status().error_value();
  }
  auto listener = listen_on_free_port(on_node);
  if (!listener) return listener.error_value();
  const int fd = listener->first;
  StartedReplica started;
  started.port = listener->second;
  std::uint16_t upstream_port = 0;
  if (http_mode(plan.spec)) {
    auto p = free_port();
    if (!p) {
      ::close(fd);
      return p.error_value();
    }
    upstream_port = *p;
  }
  std::error_code ec;
  fs::create_directories(plan.tmpdir, ec);
  if (ec) {
    ::close(fd);
    return make_error("cannot create " + plan.tmpdir + ": " + ec.message(), Errc::kUnavailable);
  }

  SpawnOptions o;
  o.argv = {plan.watchdog_path};
  o.env = replica_environment(
      plan, started.port, upstream_port, current_environment(), available_cores(),
      on_node ? plan.nodes->replica_variables(plan.node) : std::map<std::string, std::string>{});
  o.pipe_stdin = false;
  o.pass_fd = fd;
  auto process = AsyncProcess::spawn(ioc, o);
  ::close(fd);
  if (!process) return process.error_value();
  started.process = *process;
  std::string host = "127.0.0.1";
  std::uint16_t port = started.port;
  if (on_node) {
    auto route = plan.nodes->route(plan.node, started.port);
    if (!route) {
      started.process->kill();
      return route.error_value();
    }
    host = route->address().to_string();
    port = route->port();
    started.route =
        std::shared_ptr<void>(nullptr, [nodes = plan.nodes, node = plan.node, endpoint = *route](
                                           void*) { nodes->unroute(node, endpoint); });
  }
  auto upstream = Upstream::create(ioc, host, port);
  if (!upstream) {
    started.process->kill();
    return upstream.error_value();
  }
  started.upstream = *upstream;

  log_output(*started.process, "[" + plan.name + "] ", on_line);
  return started;
}

void check_health(Upstream& upstream, Micros timeout, std::function<void(bool)> done) {
  HttpServerRequest health(http::verb::get, "/_/health", 11);
  upstream.send(std::move(health), timeout, [done = std::move(done)](Result<HttpServerResponse> r) {
    done(r && r->result_int() == 200);
  });
}

}  // namespace faaslab::runtime
