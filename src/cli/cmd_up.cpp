// faaslab up -f stack.yml: the embedded OpenFaaS-compatible gateway with local replicas.
#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>
#include <optional>

#include "cli/commands.h"
#include "common/env.h"
#include "common/logging.h"
#include "common/shutdown_signals.h"
#include "netem/netns.h"
#include "runtime/gateway.h"
#include "runtime/nodes.h"
#include "runtime/stack.h"

namespace faaslab::cli {
namespace {

namespace fs = std::filesystem;

struct UpArgs {
  std::string stack_file = "stack.yml";
  int port = 8080;
  int threads = 0;
  std::string bind = "127.0.0.1";
  std::string routing = "random";
  std::uint64_t seed = 0;
  std::string read_timeout, write_timeout, upstream_timeout, replica_start_timeout;
  std::string events;
  std::string secrets_dir;
  std::string watchdog;
  std::string max_body_size = "32MiB";
  std::vector<std::string> only;
  bool no_auth = false;
  bool no_scale_from_zero = false;
  std::string log_level = "info";
};

fs::path exe_dir() {
  std::error_code ec;
  return fs::read_symlink("/proc/self/exe", ec).parent_path();
}

// A duration from the flag, else the OpenFaaS gateway's environment variable, else the default.
Result<Micros> duration_setting(const std::string& flag, const Env& env, const char* var,
                                Micros fallback) {
  const std::string text = !flag.empty() ? flag : env.get_or(var, "");
  if (text.empty()) return fallback;
  auto d = parse_duration(text);
  if (!d) return make_error(std::string(var) + ": " + d.error());
  return *d;
}

int run_up(const UpArgs& a) {
  // The shutdown signals are waited for below; block them before any thread starts.
  ShutdownSignals signals;
  if (auto st = init_logging(a.log_level); !st)
    return std::cerr << "faaslab up: " << st.error() << "\n", 2;

  const auto env_list = current_environment();
  const Env env(env_list);
  auto stack = runtime::load_stack(a.stack_file, env_list);
  if (!stack) return std::cerr << "faaslab up: " << stack.error() << "\n", 2;
  for (const auto& w : stack->warnings) spdlog::warn("{}: {}", a.stack_file, w);
  // A topology needs network namespaces: said before anything else is set up.
  if (!stack->topology.empty()) {
    if (auto ok = netem::check_namespace_support(); !ok)
      return std::cerr << "faaslab up: " << a.stack_file << " has a topology, and " << ok.error()
                       << "\n",
             2;
  }
  std::vector<runtime::FunctionSpec> functions;
  for (auto& f : stack->functions) {
    if (a.only.empty() || std::find(a.only.begin(), a.only.end(), f.name) != a.only.end())
      functions.push_back(f);
  }
  if (functions.empty())
    return std::cerr << "faaslab up: no function selected from " << a.stack_file << "\n", 2;

  runtime::GatewayOptions o;
  o.bind = a.bind;
  o.port = static_cast<std::uint16_t>(a.port);
  o.threads = a.threads;
  o.auth = !a.no_auth;
  o.secrets_dir = a.secrets_dir;
  o.events_path = a.events;
  auto read = duration_setting(a.read_timeout, env, "read_timeout", o.read_timeout);
  auto write = duration_setting(a.write_timeout, env, "write_timeout", o.write_timeout);
  auto upstream =
      duration_setting(a.upstream_timeout, env, "upstream_timeout", o.pool.upstream_timeout);
  auto start = duration_setting(a.replica_start_timeout, env, "replica_start_timeout",
                                o.pool.replica_start_timeout);
  for (const auto* r : {&read, &write, &upstream, &start}) {
    if (!*r) return std::cerr << "faaslab up: " << r->error() << "\n", 2;
  }
  o.read_timeout = *read;
  o.write_timeout = *write;
  o.pool.upstream_timeout = *upstream;
  o.pool.replica_start_timeout = *start;
  auto body = parse_byte_size(a.max_body_size);
  if (!body || *body == 0)
    return std::cerr << "faaslab up: --max-body-size: "
                     << (body ? "must be positive" : body.error()) << "\n",
           2;
  o.max_body_bytes = *body;
  o.pool.default_routing = *runtime::routing_from_name(a.routing);
  o.pool.routing_seed = a.seed;
  o.pool.scale_from_zero = !a.no_scale_from_zero;
  o.pool.bin_dir = exe_dir().string();
  o.pool.watchdog_path =
      a.watchdog.empty() ? (exe_dir() / "faaslab-watchdog").string() : a.watchdog;
  std::error_code missing;
  if (!fs::exists(o.pool.watchdog_path, missing)) {
    return std::cerr << "faaslab up: watchdog binary " << o.pool.watchdog_path
                     << (missing ? " cannot be reached: " + missing.message() : " not found")
                     << " (--watchdog)\n",
           2;
  }
  // The replicas' TMPDIRs go below a directory only this user can enter, with a name nobody
  // can create first; removed when this returns (after the gateway, declared below it, stops).
  auto state_dir = PrivateTempDir::create("faaslab-up-" + std::to_string(::getpid()) + "-");
  if (!state_dir) return std::cerr << "faaslab up: " << state_dir.error() << "\n", 1;
  o.pool.state_dir = state_dir->path();

  // A topology: its nodes and links made for real, the replicas placed on the nodes, and the
  // gateway in its node's namespace (its threads start there below), reached by clients
  // through the host's 127.0.0.1:--port across their link. Never on loopback instead.
  std::shared_ptr<runtime::Nodes> nodes;
  std::optional<netem::EnterNamespace> in_gateway_node;
  if (!stack->topology.empty()) {
    auto started = runtime::Nodes::start(stack->topology);
    if (!started) return std::cerr << "faaslab up: topology: " << started.error() << "\n", 2;
    nodes = *started;
    o.pool.nodes = nodes;
    o.bind = nodes->gateway_address();
    o.port = 8080;
    in_gateway_node.emplace(nodes->ns(nodes->gateway_node()));
    if (!in_gateway_node->status())
      return std::cerr << "faaslab up: " << in_gateway_node->status().error() << "\n", 1;
  }

  runtime::Gateway gateway(o);
  if (auto st = gateway.start(functions); !st) {
    std::cerr << "faaslab up: " << st.error() << "\n";
    return 1;
  }
  std::uint16_t client_port = gateway.port();
  if (nodes) {
    auto entry = nodes->open_entry(static_cast<std::uint16_t>(a.port), gateway.port());
    if (!entry) {
      std::cerr << "faaslab up: " << entry.error() << "\n";
      gateway.shutdown(Micros(0));
      return 1;
    }
    client_port = *entry;
    spdlog::info(
        "topology: gateway on node {} at {}:{}; clients connect to 127.0.0.1:{}, across "
        "the link client -> {}",
        nodes->gateway_node(), nodes->gateway_address(), gateway.port(), client_port,
        nodes->gateway_node());
  }
  if (gateway.credentials().generated) {
    std::cerr << "faaslab up: generated credentials for /system/: user "
              << gateway.credentials().user << ", password " << gateway.credentials().password
              << " (saved in " << gateway.credentials().source << ")\n";
  }
  spdlog::info("gateway ready on {}:{} ({} function{})", nodes ? "127.0.0.1" : a.bind, client_port,
               functions.size(), functions.size() == 1 ? "" : "s");
  spdlog::info("received {}; stopping replicas", ShutdownSignals::name(signals.wait()));
  gateway.shutdown(o.write_timeout);
  return 0;
}

}  // namespace

void add_up_command(CLI::App& app, CommandRunner& run) {
  auto args = std::make_shared<UpArgs>();
  auto* cmd = app.add_subcommand(
      "up", "Run the embedded OpenFaaS-compatible gateway with the functions of a stack.yml");
  cmd->add_option("-f,--file", args->stack_file, "OpenFaaS stack file")->capture_default_str();
  cmd->add_option("--port,-p", args->port, "Gateway port (0 = any free port)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_option("--bind", args->bind, "Gateway address")->capture_default_str();
  cmd->add_option("--threads", args->threads, "Gateway I/O threads (default: cores)")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--filter", args->only, "Only these functions (repeatable)");
  cmd->add_option("--routing", args->routing, "Default routing to replicas")
      ->check(CLI::IsMember({"random", "round-robin", "least-inflight", "fifo"}))
      ->capture_default_str();
  cmd->add_option("--seed", args->seed,
                  "Seed of random routing, for repeatable runs (0 = a random seed per function)");
  cmd->add_option("--read-timeout", args->read_timeout,
                  "Receive a request (env read_timeout; default 65s)");
  cmd->add_option("--write-timeout", args->write_timeout,
                  "Send a response (env write_timeout; default 65s)");
  cmd->add_option(
      "--upstream-timeout", args->upstream_timeout,
      "A function call, waiting for a replica included (env upstream_timeout; default 60s)");
  cmd->add_option("--replica-start-timeout", args->replica_start_timeout,
                  "A new replica must be healthy within this, or it counts as a failed start "
                  "(env replica_start_timeout; default 30s)");
  cmd->add_option("--max-body-size", args->max_body_size, "Request body limit (413 over it)")
      ->capture_default_str();
  cmd->add_option("--events", args->events, "Append replica events to this JSON-lines file");
  cmd->add_option("--secrets-dir", args->secrets_dir,
                  "Where basic-auth-user/-password are read or generated (default: "
                  "$XDG_CONFIG_HOME/faaslab, else ~/.config/faaslab)");
  cmd->add_flag("--no-auth", args->no_auth, "Leave /system/ open (tests only)");
  cmd->add_flag("--no-scale-from-zero", args->no_scale_from_zero,
                "Answer 503 instead of starting a replica on demand");
  cmd->add_option("--watchdog", args->watchdog,
                  "The faaslab-watchdog binary (default: beside faaslab)");
  cmd->add_option("--log-level", args->log_level, "trace, debug, info, warn, error, off")
      ->capture_default_str();
  cmd->callback([args, &run] { run = [args] { return run_up(*args); }; });
}

}  // namespace faaslab::cli
