#include <cstring>
#include <iostream>

#include "common/env.h"
#include "common/logging.h"
#include "runtime/watchdog.h"
#include "runtime/watchdog_main.h"

namespace faaslab::runtime {

namespace {
constexpr const char* kHelp =
    R"(faaslab watchdog: an OpenFaaS-compatible watchdog (configured by environment)

Usage: faaslab watchdog        (or faaslab-watchdog)

Environment (OpenFaaS names; defaults in brackets):
  fprocess              the function's command, run without a shell (required)
  mode                  classic | serializing | http | fork [classic]
                        fork: a template of fprocess loads once and forks a child per request
  upstream_url          http mode: where the function listens, e.g. http://127.0.0.1:8082
  ready_path            http mode: also wait for GET <upstream><ready_path> to answer 2xx
  port                  listen port [8080]           bind      listen address [127.0.0.1]
  read_timeout          receive a request [10s]      write_timeout  send a response; drain [10s]
  exec_timeout          run one request; 0 = none [10s]: classic, fork 408, http 504
  healthcheck_interval  keep serving after SIGTERM before draining [write_timeout]
  max_inflight          concurrent requests; over it 429 [0 = unlimited]
  combine_output        classic: stderr into the response [true]
  cgi_headers           classic: request headers as Http_* variables [true]
  content_type          force the response Content-Type [recognised from the output]
  max_body_size         request body limit [32MiB]   max_output_size  classic output limit [64MiB]
  suppress_lock         do not write $TMPDIR/.lock [false]
  watchdog_threads      I/O threads [cores]          log_level  [info]
  faaslab_cpus, faaslab_cpu_list, faaslab_memory    limits (set by `faaslab up` from stack.yml)
  faaslab_node_cgroups                               cgroup v1 directories of an emulated node's CPU
                                                     and memory budget, joined first (set by `faaslab up`)
  faaslab_parent_pid    shut down once this process (the gateway) is gone (set by `faaslab up`)
  LISTEN_FDS=1          serve the listening socket inherited on fd 3 instead of binding
Durations: 25s, 1m30s, 500ms or a number of seconds. Details: docs/runtime.md
)";
}  // namespace

int watchdog_main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::cout << kHelp;
      return 0;
    }
    std::cerr << "faaslab watchdog: unexpected argument '" << argv[i]
              << "' (configuration comes from the environment; see --help)\n";
    return 2;
  }
  auto config = parse_watchdog_config(current_environment());
  if (!config) {
    std::cerr << "faaslab watchdog: invalid configuration: " << config.error() << "\n";
    return 2;
  }
  if (auto st = init_logging(config->log_level); !st) {
    std::cerr << "faaslab watchdog: log_level: " << st.error() << "\n";
    return 2;
  }
  Watchdog watchdog(std::move(*config));
  if (auto st = watchdog.start(); !st) {
    std::cerr << "faaslab watchdog: " << st.error() << "\n";
    return 1;
  }
  return watchdog.run_until_signal();
}

}  // namespace faaslab::runtime
