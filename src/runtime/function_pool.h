// One deployed function on the local runtime: its replica processes (each a faaslab-watchdog
// started with the function's environment and a listening socket handed over as fd 3), the
// routing of requests to them, the queue of requests waiting for a replica (a cold start, or
// the central FIFO), restarts with back-off, and scaling (by API, by the autoscaler, to and
// from zero). Every replica event goes to the EventLog.
//
// Thread-safe: one mutex per function; callbacks from processes and connections arrive on the
// io_context's threads. Lifetime: shared_ptr; pending work keeps it alive; remove() or
// stop_all() ends its replicas.
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

class FunctionPool : public std::enable_shared_from_this<FunctionPool> {
 public:
  // Errors: invalid labels (scaling or routing), no fprocess.
  static Result<std::shared_ptr<FunctionPool>> create(boost::asio::io_context& ioc,
                                                      FunctionSpec spec,
                                                      const PoolSettings& settings,
                                                      EventLog& events, GatewayMetrics& metrics);

  // Starts the initial replicas: com.openfaas.scale.min (0 leaves it cold until a request).
  void start();

  // Serves a request for /function/<name><path_and_query>; respond is called exactly once.
  void invoke(IncomingRequest&& request, std::string path_and_query, Responder respond);

  // Sets the desired replica count (clamped to max_replicas); `reason` goes to the event log.
  void scale(int replicas, const std::string& reason);

  // Replaces the spec: current replicas drain and stop, new ones start with the new spec.
  Status update(FunctionSpec spec);

  // Stops every replica (draining) and fails waiting requests with `status`.
  void stop_all(int status, const std::string& why);
  bool stopped() const;  // no replica process left

  // Periodic work (every ~50 ms): expire waiting requests, autoscale, scale idle to zero.
  void tick();

  PoolStatus status() const;
  const std::string& name() const { return name_; }

  struct Impl;
  Impl& impl() const { return *impl_; }  // implementation detail (function_pool.cpp)

 private:
  explicit FunctionPool(std::string name);
  const std::string name_;
  std::unique_ptr<Impl> impl_;

 public:
  ~FunctionPool();
};

}  // namespace faaslab::runtime
