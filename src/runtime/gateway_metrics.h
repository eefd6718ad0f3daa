// The gateway's Prometheus metrics (prometheus-cpp), with OpenFaaS's names and labels so its
// dashboards and alerts work unchanged, plus faaslab's replica and queue gauges:
//   gateway_function_invocation_total{function_name,code}      counter
//   gateway_functions_seconds{function_name,code}               histogram
//   gateway_function_invocation_started{function_name}          counter
//   gateway_service_count{function_name}                        gauge (desired replicas)
//   faaslab_replicas{function_name,state}                       gauge (starting, ready, stopping)
//   faaslab_queue_length{function_name}                         gauge
//   faaslab_inflight{function_name}                             gauge
//   faaslab_cold_starts_total{function_name}                    counter
//   faaslab_cold_start_seconds{function_name}                   histogram
// Thread-safe.
#pragma once

#include <memory>
#include <string>

namespace faaslab::runtime {

class GatewayMetrics {
 public:
  GatewayMetrics();
  ~GatewayMetrics();

  void invocation_started(const std::string& function);
  void invocation_finished(const std::string& function, int code, double seconds);
  void replicas(const std::string& function, int desired, int starting, int ready, int stopping);
  void queue_length(const std::string& function, int length);
  void inflight(const std::string& function, int count);
  void cold_start(const std::string& function, double seconds);

  // The text exposition format (version 0.0.4).
  std::string render() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace faaslab::runtime
