#include "experiment/run_target.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>

#include "netem/netns.h"

#include "common/base64.h"
#include "common/clock.h"
#include "common/env.h"
#include "common/http_client.h"
#include "experiment/event_rows.h"

namespace faaslab::experiment {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr auto kReadyTimeout = std::chrono::seconds(60);
// Each sweep's replicas keep their TMPDIRs under <temp>/faaslab-sweep-<pid>.
constexpr const char* kStateDirPrefix = "faaslab-sweep-";

// The function of the stack for this run, set to the run's configuration.
Result<runtime::FunctionSpec> function_for(const runtime::StackFile& stack, const Campaign& c,
                                           const RunConfig& r) {
  const std::string& name = c.target.functions.at(r.mode);
  for (auto f : stack.functions) {
    if (f.name != name) continue;
    f.labels["com.openfaas.scale.min"] = std::to_string(r.replicas);
    f.labels["com.openfaas.scale.max"] = std::to_string(r.replicas);
    f.labels["com.faaslab.routing"] = r.routing;
    f.labels.erase("com.openfaas.scale.type");  // the grid fixes the replicas
    f.labels.erase("com.openfaas.scale.zero");
    f.environment["max_inflight"] = std::to_string(r.max_inflight);
    if (r.workers > 0) f.environment["workers"] = std::to_string(r.workers);
    f.environment["log_level"] = "warn";
    if (!r.placement.empty()) f.labels["com.faaslab.placement"] = r.placement;
    if (r.offload_threshold > 0)
      f.labels["com.faaslab.offload_threshold"] = std::to_string(r.offload_threshold);
    return f;
  }
  return make_error("target.functions: the stack file has no function '" + name + "'");
}

HeaderList basic_auth_header(const std::string& user, const std::string& password) {
  const std::string s = user + ":" + password;
  return {{"Authorization",
           "Basic " + base64_encode({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()})}};
}

HeaderList auth_header(const Target& t) {
  if (t.password.empty()) return {};
  return basic_auth_header(t.user, t.password);
}

// Waits until the function reports `replicas` available replicas.
Status wait_replicas(const Url& gateway, const std::string& function, int replicas,
                     const HeaderList& auth) {
  const auto deadline = SteadyClock::now() + kReadyTimeout;
  std::string last;
  while (SteadyClock::now() < deadline) {
    HttpRequest req;
    req.target = "/system/function/" + function;
    req.headers = auth;
    auto r = http_request(gateway.host, gateway.port, req, 5s);
    if (r && r->status == 200) {
      try {
        const auto j = json::parse(r->body);
        if (j.value("availableReplicas", 0) == replicas && j.value("replicas", 0) == replicas)
          return Ok{};
        if (j.contains("faaslab") && j["faaslab"].contains("unhealthy")) {
          return make_error(
              "function " + function + ": " + j["faaslab"]["unhealthy"].get<std::string>(),
              Errc::kUnavailable);
        }
        last = "available " + std::to_string(j.value("availableReplicas", 0)) + " of " +
               std::to_string(replicas);
      } catch (const json::exception&) {
        last = "unreadable status";
      }
    } else {
      last = r ? "status " + std::to_string(r->status) : r.error();
    }
    std::this_thread::sleep_for(20ms);
  }
  return make_error("function " + function + " did not reach " + std::to_string(replicas) +
                        " ready replicas in " +
                        format_duration(std::chrono::duration_cast<Micros>(kReadyTimeout)) + " (" +
                        last + ")",
                    Errc::kUnavailable);
}

Status scale_external(const Target& t, const std::string& function, int replicas) {
  auto gateway = parse_url(t.gateway);
  if (!gateway) return make_error("target.gateway: " + gateway.error());
  HttpRequest req;
  req.method = "POST";
  req.target = "/system/scale-function/" + function;
  req.headers = auth_header(t);
  req.body = json{{"serviceName", function}, {"replicas", replicas}}.dump();
  auto r = http_request(gateway->host, gateway->port, req, 10s);
  if (!r)
    return make_error("scaling " + function + " on " + t.gateway + ": " + r.error(),
                      Errc::kUnavailable);
  if (r->status != 200 && r->status != 202) {
    return make_error("scaling " + function + " on " + t.gateway + ": status " +
                          std::to_string(r->status) + " " + r->body,
                      Errc::kUnavailable);
  }
  return wait_replicas(*gateway, function, replicas, auth_header(t));
}

}  // namespace

void remove_stale_state_dirs() {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(temp_dir(), ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kStateDirPrefix, 0) != 0) continue;
    // faaslab-sweep-<pid>-XXXXXX (PrivateTempDir's mkdtemp suffix)
    std::string digits = name.substr(std::strlen(kStateDirPrefix));
    digits = digits.substr(0, digits.find('-'));
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    // Only our own: the temporary directory is shared with other users' sweeps.
    struct stat st {};
    if (::lstat(entry.path().c_str(), &st) != 0 || st.st_uid != ::geteuid()) continue;
    const long pid = std::strtol(digits.c_str(), nullptr, 10);
    // Only a process id that is not running: a live sweep's directory, or a reused id's, stays.
    if (pid <= 0 || pid == ::getpid() || ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH)
      continue;
    std::error_code ignored;
    fs::remove_all(entry.path(), ignored);
  }
}

Status probe_external(const Target& target, const Url& url) {
  HttpRequest probe;
  probe.method = "GET";
  probe.target = "/";
  if (auto r = http_request(url.host, url.port, probe, 5s); !r) {
    return make_error("target.url " + target.url + " is unreachable: " + r.error(),
                      Errc::kUnavailable);
  }
  return Ok{};
}

Result<RunTarget> RunTarget::start(const Campaign& campaign, const runtime::StackFile* stack,
                                   const RunConfig& run, const std::string& bin_dir) {
  RunTarget t;
  if (!stack) {
    t.external_ = &campaign.target;
    t.url_ = *parse_url(campaign.target.url);  // checked before the first run
    const auto path = t.url_.target.substr(0, t.url_.target.find('?'));
    const std::string function =
        path.rfind("/function/", 0) == 0 ? path.substr(10, path.find('/', 10) - 10) : "";
    if (!campaign.target.gateway.empty() && !function.empty()) {
      if (auto st = scale_external(campaign.target, function, run.replicas); !st)
        return st.error_value();
    }
    return t;
  }
  auto spec = function_for(*stack, campaign, run);
  if (!spec) return spec.error_value();
  runtime::GatewayOptions go;
  go.port = 0;
  // /system/ of the run's gateway takes only credentials made up for this run and kept in
  // this process: without them any local user could deploy a command through it during the
  // campaign. Only wait_replicas below uses them; nothing prints or stores them.
  go.credentials = runtime::random_credentials("faaslab-sweep", "generated for this run");
  go.pool.watchdog_path = (fs::path(bin_dir) / "faaslab-watchdog").string();
  go.pool.bin_dir = bin_dir;
  auto state_dir = PrivateTempDir::create(kStateDirPrefix + std::to_string(::getpid()) + "-");
  if (!state_dir)
    return make_error("starting the runtime: " + state_dir.error(), Errc::kUnavailable);
  t.state_dir_ = std::move(*state_dir);
  go.pool.state_dir = t.state_dir_.path();
  go.pool.upstream_timeout = campaign.timeout + 5s;
  auto topology = run_topology(campaign, run, stack->topology);
  if (!topology) return topology.error_value();
  std::optional<netem::EnterNamespace> in_gateway_node;
  if (!topology->empty()) {
    auto nodes = runtime::Nodes::start(*topology);
    if (!nodes) return make_error("starting the topology: " + nodes.error(), Errc::kUnavailable);
    t.nodes_ = *nodes;
    go.pool.nodes = t.nodes_;
    go.bind = t.nodes_->gateway_address();
    // The gateway's threads start in its node's namespace; this thread leaves it again below.
    in_gateway_node.emplace(t.nodes_->ns(t.nodes_->gateway_node()));
    if (!in_gateway_node->status()) return in_gateway_node->status().error_value();
  }
  t.gateway_ = std::make_unique<runtime::Gateway>(go);
  if (auto st = t.gateway_->start({*spec}); !st)
    return make_error("starting the runtime: " + st.error(), Errc::kUnavailable);
  in_gateway_node.reset();
  t.url_.host = "127.0.0.1";
  t.url_.port = t.gateway_->port();
  if (t.nodes_) {
    auto entry = t.nodes_->open_entry(0, t.gateway_->port());
    if (!entry) return make_error("starting the topology: " + entry.error(), Errc::kUnavailable);
    t.url_.port = *entry;
  }
  t.url_.target = "/function/" + spec->name;
  if (auto st = wait_replicas(t.url_, spec->name, run.replicas,
                              basic_auth_header(go.credentials->user, go.credentials->password));
      !st)
    return st.error_value();
  if (t.nodes_) {
    for (const auto& node : t.nodes_->topology().nodes)
      if (auto s = t.nodes_->cpu_seconds(node.name)) t.node_cpu_at_start_[node.name] = *s;
  }
  return t;
}

Status RunTarget::check_reachable() const {
  if (!external_) return Ok{};
  return probe_external(*external_, url_);
}

std::vector<EventRow> RunTarget::stop() {
  if (!gateway_) return {};
  auto rows = to_event_rows(gateway_->events().since(0));
  // Each node's CPU time over the run (its replicas ready to the end of the load), for its
  // utilisation: an event per node.
  if (nodes_) {
    for (const auto& node : nodes_->topology().nodes) {
      auto start = node_cpu_at_start_.find(node.name);
      auto now = nodes_->cpu_seconds(node.name);
      if (start == node_cpu_at_start_.end() || !now) continue;
      EventRow e;
      e.seq = rows.empty() ? 1 : rows.back().seq + 1;
      e.wall_us = wall_us();
      e.mono_us = mono_us();
      e.replica = node.name;
      e.kind = "node_cpu";
      e.seconds = std::max(0.0, *now - start->second);
      e.detail = "CPU seconds of node " + node.name + "'s replicas during the run";
      rows.push_back(std::move(e));
    }
  }
  gateway_->shutdown(10s);
  gateway_.reset();
  nodes_.reset();  // the network goes after the replicas on it
  state_dir_ = PrivateTempDir();
  return rows;
}

}  // namespace faaslab::experiment
