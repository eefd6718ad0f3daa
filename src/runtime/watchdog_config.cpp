#include "runtime/watchdog_config.h"

#include <unistd.h>

#include "common/env_reader.h"
#include "runtime/command_line.h"
#include "runtime/resource_limits.h"

namespace faaslab::runtime {
std::string_view watchdog_mode_name(WatchdogMode mode) {
  switch (mode) {
    case WatchdogMode::kHttp:
      return "http";
    case WatchdogMode::kFork:
      return "fork";
    case WatchdogMode::kClassic:
      break;
  }
  return "classic";
}

std::optional<WatchdogMode> watchdog_mode_from_name(std::string_view name) {
  if (name == "classic" || name == "serializing") return WatchdogMode::kClassic;
  if (name == "http") return WatchdogMode::kHttp;
  if (name == "fork") return WatchdogMode::kFork;
  return std::nullopt;
}

EnvList function_environment() {
  EnvList env;
  for (auto& e : current_environment()) {
    if (e.rfind("LISTEN_FDS=", 0) == 0 || e.rfind("LISTEN_PID=", 0) == 0 ||
        e.rfind("LISTEN_FDNAMES=", 0) == 0 || e.rfind("faaslab_parent_pid=", 0) == 0)
      continue;
    env.push_back(std::move(e));
  }
  return env;
}

namespace {

// faaslab_node_cgroups: comma-separated cgroup v1 directories under /sys/fs/cgroup/ (set by
// `faaslab up` for a replica on an emulated node).
auto node_cgroups() {
  return [](const std::string& s) -> Result<std::vector<std::string>> {
    std::vector<std::string> dirs;
    std::size_t start = 0;
    while (start <= s.size()) {
      const std::size_t end = std::min(s.find(',', start), s.size());
      const std::string dir = s.substr(start, end - start);
      if (dir.rfind("/sys/fs/cgroup/", 0) != 0 || dir.find("..") != std::string::npos)
        return make_error("'" + dir + "' is not a directory under /sys/fs/cgroup/");
      dirs.push_back(dir);
      start = end + 1;
    }
    return dirs;
  };
}

}  // namespace

Result<WatchdogConfig> parse_watchdog_config(const EnvList& list) {
  using env_value::boolean, env_value::byte_size, env_value::duration, env_value::integer,
      env_value::text;
  const Env env(list);
  WatchdogConfig c;
  // fprocess, or of-watchdog's alias function_process.
  const auto fprocess = env.get("fprocess") ? env.get("fprocess") : env.get("function_process");
  if (!fprocess)
    return make_error(
        "fprocess: not set (the command to run, e.g. fprocess=\"faaslab-fn --stdin\")");
  auto argv = split_command_line(*fprocess);
  if (!argv) return make_error("fprocess: " + argv.error());
  c.fprocess = std::move(*argv);
  c.fprocess_text = *fprocess;

  if (auto mode = env.get("mode")) {
    const auto named = watchdog_mode_from_name(*mode);
    if (!named)
      return make_error("mode: '" + *mode + "' is not one of classic, serializing, http, fork");
    c.mode = *named;
  }
  bool healthcheck_set = false;
  long port = c.port, max_inflight = 0, threads = 0, parent_pid = 0;
  const Status steps[] = {
      read_env(env, "port", port, integer(0, 65535)),
      read_env(env, "bind", c.bind, text()),
      read_env(env, "read_timeout", c.read_timeout, duration()),
      read_env(env, "write_timeout", c.write_timeout, duration()),
      read_env(env, "exec_timeout", c.exec_timeout, duration()),
      read_env(env, "max_inflight", max_inflight, integer(0, 1 << 20)),
      read_env(env, "combine_output", c.combine_output, boolean()),
      read_env(env, "cgi_headers", c.cgi_headers, boolean()),
      read_env(env, "suppress_lock", c.suppress_lock, boolean()),
      read_env(env, "content_type", c.content_type, text()),
      read_env(env, "max_body_size", c.max_body_bytes, byte_size()),
      read_env(env, "max_output_size", c.max_output_bytes, byte_size()),
      read_env(env, "watchdog_threads", threads, integer(0, 256)),
      read_env(env, "log_level", c.log_level, text()),
      read_env(env, "ready_path", c.ready_path, text()),
      read_env(env, "faaslab_cpus", c.cpus,
               [](const std::string& s) { return parse_cpu_quantity(s); }),
      read_env(env, "faaslab_cpu_list", c.cpu_list,
               [](const std::string& s) { return parse_cpu_list(s); }),
      read_env(env, "faaslab_memory", c.memory_bytes,
               [](const std::string& s) { return parse_memory_quantity(s); }),
      read_env(env, "faaslab_parent_pid", parent_pid, integer(1, 1L << 22)),
      read_env(env, "faaslab_node_cgroups", c.node_cgroups, node_cgroups()),
  };
  for (const auto& st : steps) {
    if (!st) return st.error_value();
  }
  if (env.get("healthcheck_interval")) {
    if (auto st = read_env(env, "healthcheck_interval", c.healthcheck_interval, duration()); !st)
      return st.error_value();
    healthcheck_set = true;
  }
  if (!healthcheck_set) c.healthcheck_interval = c.write_timeout;  // of-watchdog's default
  c.port = static_cast<std::uint16_t>(port);
  c.max_inflight = static_cast<int>(max_inflight);
  c.threads = static_cast<int>(threads);
  c.parent_pid = static_cast<int>(parent_pid);

  if (auto fds = env.get("LISTEN_FDS")) {
    if (*fds != "1") return make_error("LISTEN_FDS: only one inherited socket is supported");
    const auto pid = env.get("LISTEN_PID");
    if (!pid || *pid == std::to_string(::getpid())) c.listen_fd = 3;
  }
  if (c.mode == WatchdogMode::kHttp) {
    const auto upstream = env.get("upstream_url");
    if (!upstream)
      return make_error(
          "upstream_url: required in http mode (e.g. upstream_url=http://127.0.0.1:8082)");
    auto url = parse_url(*upstream);
    if (!url) return make_error("upstream_url: " + url.error());
    c.upstream = *url;
  }
  if (c.max_body_bytes == 0) return make_error("max_body_size: must be positive");
  return c;
}

}  // namespace faaslab::runtime
