// The gateway: OpenFaaS's REST API and routes on one machine, with functions run as local
// replica processes (function_pool.h).
//
//   /function/{name}[/path]          any method; path and query passed on         (open)
//   /system/functions                GET list, POST deploy, PUT update, DELETE     (basic auth)
//   /system/function/{name}          GET status                                    (basic auth)
//   /system/scale-function/{name}    POST {"replicas": N}                          (basic auth)
//   /system/info                     GET                                           (basic auth)
//   /system/faaslab/events?since=N   GET replica events as JSON                    (basic auth)
//   /healthz, /metrics               GET                                           (open)
//
// Responses to function calls carry X-Call-Id, X-Start-Time, X-Faaslab-Replica, and when the
// request waited, X-Faaslab-Queue-Seconds and (for a cold start) X-Faaslab-Cold-Start-Seconds.
//
// Thread-safe. Lifetime: start(), then shutdown() (also on destruction).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/units.h"
#include "runtime/basic_auth.h"
#include "runtime/events.h"
#include "runtime/function_pool.h"
#include "runtime/stack.h"

namespace faaslab::runtime {

struct GatewayOptions {
  std::string bind = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 = any free port (logged, and port())
  int threads = 0;            // 0 = cores
  // OpenFaaS gateway timeouts; defaults are the OpenFaaS Helm chart's. The study's 25 s
  // ceiling: upstream_timeout=25s (the gateway answers 504 at 25 s).
  Micros read_timeout = std::chrono::seconds(65);
  Micros write_timeout = std::chrono::seconds(65);
  std::uint64_t max_body_bytes = 32ull << 20;
  bool auth = true;
  std::string secrets_dir;  // empty: default_secrets_dir()
  // Set: /system/ takes these (auth on), and no secrets directory is read or written.
  std::optional<Credentials> credentials;
  std::string events_path;  // JSON lines; empty: memory only
  Micros tick_interval = std::chrono::milliseconds(50);
  PoolSettings pool;  // upstream_timeout (60s), routing, watchdog path, ...
};

class Gateway {
 public:
  explicit Gateway(GatewayOptions options);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Loads (or creates) the credentials, listens, deploys the functions. Errors: credentials,
  // the port, an invalid function (labels, no fprocess).
  Status start(const std::vector<FunctionSpec>& functions);
  std::uint16_t port() const;
  const Credentials& credentials() const;
  EventLog& events();

  // Stops accepting, lets requests in flight finish (up to `grace`), stops every replica.
  void shutdown(Micros grace);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace faaslab::runtime
