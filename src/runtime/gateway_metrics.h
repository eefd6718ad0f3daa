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
//
// Looking a labelled series up costs a hash of its labels and a lock, so each function keeps
// handles to its own series (FunctionMetrics): the per-request path is atomic increments only.
// Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <vector>
#include "common/mutex.h"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
}  // namespace prometheus

namespace faaslab::runtime {

class GatewayMetrics;

class FunctionMetrics {
 public:
  void invocation_started();
  void invocation_finished(int code, double seconds);
  void replicas(int desired, int starting, int ready, int stopping);
  void queue_length(int length);
  void inflight(int count);
  void cold_start(double seconds);

 private:
  friend class GatewayMetrics;
  struct ByCode {
    prometheus::Counter* invocations = nullptr;
    prometheus::Histogram* seconds = nullptr;
  };
  GatewayMetrics* owner_ = nullptr;
  std::string name_;
  prometheus::Counter* started_ = nullptr;
  prometheus::Gauge* service_count_ = nullptr;
  prometheus::Gauge* starting_ = nullptr;
  prometheus::Gauge* ready_ = nullptr;
  prometheus::Gauge* stopping_ = nullptr;
  prometheus::Gauge* queue_ = nullptr;
  prometheus::Gauge* inflight_ = nullptr;
  prometheus::Counter* cold_starts_ = nullptr;
  prometheus::Histogram* cold_start_seconds_ = nullptr;
  Mutex codes_mu_;
  std::array<std::atomic<ByCode*>, 600> codes_{};  // by status code, made on first use
  std::vector<std::unique_ptr<ByCode>> owned_ GUARDED_BY(codes_mu_);
};

class GatewayMetrics {
 public:
  GatewayMetrics();
  ~GatewayMetrics();

  // The series of one function, created on first use; the handle lives as long as this.
  FunctionMetrics& function(const std::string& name);

  // The text exposition format (version 0.0.4).
  std::string render() const;

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace faaslab::runtime
