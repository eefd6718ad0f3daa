// One deployed function on the local runtime: its replicas (each a faaslab-watchdog process,
// replica_process.h) and the requests for it. The pool keeps the replica count where it should
// be (by API, by the autoscaler, to and from zero), restarts what crashed with back-off
// (restart_backoff.h), and hands each request to the Dispatcher (dispatcher.h), which routes it
// to a replica or holds it until one is free. Every replica event goes to the EventLog.
//
// Thread-safe: one mutex per function guards its state; process, probe and connection
// callbacks arrive on the io_context's threads; process starts and other I/O happen outside
// the mutex. Lifetime: owned by shared_ptr (the gateway's); requests in flight keep its state
// alive; stop_all() ends its replicas and stopped() says when they are gone.
#pragma once

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/http_server.h"
#include "common/result.h"
#include "runtime/events.h"
#include "runtime/gateway_metrics.h"
#include "runtime/scaling.h"
#include "runtime/stack.h"

namespace faaslab::runtime {

class Nodes;

struct PoolSettings {
  std::string watchdog_path;  // the faaslab-watchdog binary
  std::string state_dir;      // replicas' TMPDIRs go below it
  std::string bin_dir;        // put first on the replicas' PATH (faaslab-fn lives there)
  Micros upstream_timeout = std::chrono::seconds(60);
  Micros replica_start_timeout = std::chrono::seconds(30);
  int max_start_failures = 5;  // consecutive starts that never became ready -> unhealthy
  Routing default_routing = Routing::kRandom;
  bool scale_from_zero = true;
  int max_replicas = 64;
  std::uint64_t routing_seed = 0;  // random routing's seed; 0 = a random one per function
  // A running topology (nodes.h): replicas go to the nodes their function's constraints allow,
  // in the nodes' namespaces and under their budgets. Null: every replica on this machine's
  // loopback.
  std::shared_ptr<Nodes> nodes;
};

struct PoolStatus {
  FunctionSpec spec;
  int desired = 0;
  int ready = 0;
  int starting = 0;
  int stopping = 0;
  int queued = 0;
  int inflight = 0;
  std::uint64_t invocations = 0;
  std::int64_t created_unix_s = 0;
  std::string unhealthy;  // why the function stopped being restarted, or empty
  Routing routing = Routing::kRandom;
  std::vector<std::string> replica_names;
};

class FunctionPool {
 public:
  // What create(), update() and the gateway's start check before anything runs: an fprocess,
  // and valid scaling and routing labels. Errors name the function.
  static Status validate(const FunctionSpec& spec);

  // Errors: those of validate().
  static Result<std::shared_ptr<FunctionPool>> create(boost::asio::io_context& ioc,
                                                      FunctionSpec spec,
                                                      const PoolSettings& settings,
                                                      EventLog& events, GatewayMetrics& metrics);
  ~FunctionPool();
  FunctionPool(const FunctionPool&) = delete;
  FunctionPool& operator=(const FunctionPool&) = delete;

  // Starts the initial replicas: com.openfaas.scale.min (0 leaves it cold until a request).
  void start();

  // Serves a request for /function/<name><path_and_query>; respond is called exactly once.
  void invoke(IncomingRequest&& request, std::string path_and_query, Responder respond);

  // Sets the desired replica count (clamped to max_replicas); `reason` goes to the event log.
  void scale(int replicas, const std::string& reason);

  // Replaces the spec: current replicas drain and stop, new ones start with the new spec.
  // Requests in flight finish on the old replicas; waiting ones go to the new.
  Status update(FunctionSpec spec);

  // Stops every replica (draining) and fails waiting requests with `status`.
  void stop_all(int status, const std::string& why);
  bool stopped() const;  // no replica process left

  // Periodic work (every ~50 ms): expire waiting requests, autoscale, scale idle to zero.
  void tick();

  PoolStatus status() const;
  const std::string& name() const { return name_; }

 private:
  struct Impl;
  FunctionPool(std::string name, std::shared_ptr<Impl> impl);
  const std::string name_;
  std::shared_ptr<Impl> impl_;  // shared with callbacks in flight
};

}  // namespace faaslab::runtime
