// The watchdog's configuration, read from environment variables with OpenFaaS's names and
// semantics (classic watchdog and of-watchdog). parse_watchdog_config() is a pure function over
// "KEY=value" strings. Defaults, and where the two OpenFaaS watchdogs differ: docs/runtime.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/env.h"
#include "common/result.h"
#include "common/units.h"
#include "common/url.h"

namespace faaslab::runtime {

enum class WatchdogMode {
  kClassic,  // a process per request: body to stdin, stdout back (faas/watchdog; of-watchdog
             // "serializing")
  kHttp,     // one long-running process; requests proxied to upstream_url (of-watchdog "http")
  kFork,     // a template process, loaded once, forks a child per request (the classic
             // contract; common/fork_server.h)
};

struct WatchdogConfig {
  WatchdogMode mode = WatchdogMode::kClassic;
  std::vector<std::string> fprocess;  // argv, split without a shell
  std::string fprocess_text;          // as given
  Url upstream;                       // http mode
  std::string ready_path;             // http mode: GET this on the upstream until 2xx (of-watchdog)
  std::uint16_t port = 8080;
  std::string bind = "127.0.0.1";  // a container sets 0.0.0.0
  int listen_fd = -1;              // LISTEN_FDS=1: serve the inherited socket on fd 3
  Micros read_timeout = std::chrono::seconds(10);
  Micros write_timeout = std::chrono::seconds(10);
  Micros exec_timeout = std::chrono::seconds(10);          // 0 = none
  Micros healthcheck_interval = std::chrono::seconds(10);  // default: write_timeout
  int max_inflight = 0;                                    // 0 = unlimited
  bool combine_output = true;                              // classic: stderr into the response
  bool cgi_headers = true;  // classic: request headers as Http_* variables
  bool suppress_lock = false;
  std::string content_type;  // forces the response Content-Type
  std::uint64_t max_body_bytes = 32ull << 20;
  std::uint64_t max_output_bytes = 64ull << 20;  // classic: more stdout kills the process (500)
  int threads = 0;                               // I/O threads; 0 = cores
  // faaslab's limits for the replica (set by the gateway from stack.yml limits)
  double cpus = 0;                        // 0 = no limit
  std::vector<int> cpu_list;              // cores to pin to
  std::vector<std::string> node_cgroups;  // an emulated node's budget groups, joined first
  std::uint64_t memory_bytes = 0;         // 0 = no limit
  std::string log_level = "info";
  // faaslab_parent_pid (set by the gateway): once this process is no longer the watchdog's
  // parent (it died), the watchdog shuts down as on SIGTERM. 0 = not watched.
  int parent_pid = 0;
};

std::string_view watchdog_mode_name(WatchdogMode mode);
// "classic" (or its of-watchdog name "serializing"), "http", "fork"; nullopt for anything else.
std::optional<WatchdogMode> watchdog_mode_from_name(std::string_view name);

// The environment a function process gets: the watchdog's own, without the socket-activation
// variables (LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES), which described the watchdog's fd 3, and
// faaslab_parent_pid, which names the watchdog's parent, not the function's.
EnvList function_environment();

Result<WatchdogConfig> parse_watchdog_config(const EnvList& env);

}  // namespace faaslab::runtime
