// A replica's process, from plan to running: each replica of a function is a faaslab-watchdog
// that serves a listening socket the pool made and handed over as fd 3 (so its port is known
// before it starts, and a request sent while it loads waits instead of being refused), started
// with the function's environment, a TMPDIR of its own and the function's CPU and memory limits
// as variables the watchdog applies. Its output goes to the log, line by line, under its name.
//
// The pool plans a replica under its lock (ReplicaPlan: no I/O) and starts it outside the lock
// (start_replica: socket, directory, spawn). Functions are thread-safe; the handles returned
// are shared_ptrs whose lifetime the pool's replica record holds.
#pragma once

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/env.h"
#include "common/result.h"
#include "common/units.h"
#include "runtime/async_process.h"
#include "runtime/stack.h"
#include "runtime/upstream.h"

namespace faaslab::runtime {

class Nodes;

struct ReplicaPlan {
  int id = 0;                 // 1, 2, ... within the function, never reused
  std::string name;           // "<function>-<id>"
  std::string tmpdir;         // its TMPDIR (created by start_replica, removed at its exit)
  std::string watchdog_path;  // the faaslab-watchdog binary
  std::string bin_dir;        // first on its PATH (where faaslab-fn lives)
  FunctionSpec spec;          // what it runs (a copy: the function may be redeployed meanwhile)
  // On a topology: the node it runs on (its namespace, its budget), reserved by the pool.
  std::shared_ptr<Nodes> nodes;
  std::string node;
};

// The replica watchdog's whole environment. Pure, for tests: `parent` is the gateway's own
// environment (PATH, HOME, locale, FAASLAB_MODELS_DIR and LD_LIBRARY_PATH pass on, nothing else),
// `port` the socket's, `upstream_port` where an http-mode function should listen (0: classic),
// `cores` the cores to spread CPU-limited replicas over. faaslab_parent_pid is this process's
// pid: the watchdog stops when its gateway is gone.
// `node_vars` (Nodes::replica_variables) go in last, over the function's own.
std::vector<std::string> replica_environment(
    const ReplicaPlan& plan, std::uint16_t port, std::uint16_t upstream_port, const EnvList& parent,
    int cores, const std::map<std::string, std::string>& node_vars = {});

struct StartedReplica {
  std::uint16_t port = 0;
  std::shared_ptr<AsyncProcess> process;  // its watchdog; output already read into the log
  std::shared_ptr<Upstream> upstream;     // connections to it
  // On a topology: undoes the gateway's route to it (a relay's port) when the last copy goes.
  std::shared_ptr<void> route;
};

// Starts the replica's watchdog. `on_line` sees each line it prints (stdout and stderr), on the
// process's strand. Errors: no socket or port, the watchdog cannot be started. Does I/O: call
// without holding locks. The caller then waits for exit (process->wait_exit) and health.
Result<StartedReplica> start_replica(boost::asio::io_context& ioc, const ReplicaPlan& plan,
                                     std::function<void(const std::string&)> on_line);

// One GET /_/health within `timeout`; done(true) on 200. Callback on the upstream's strand.
void check_health(Upstream& upstream, Micros timeout, std::function<void(bool healthy)> done);

}  // namespace faaslab::runtime
