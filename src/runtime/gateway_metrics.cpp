#include "runtime/gateway_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace faaslab::runtime {

namespace {
// Prometheus' default buckets, extended to a minute: the study's requests took up to 25 s.
const prometheus::Histogram::BucketBoundaries kSecondsBuckets = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 60};
}  // namespace

struct GatewayMetrics::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>& invocations =
      prometheus::BuildCounter()
          .Name("gateway_function_invocation_total")
          .Help("Function invocations")
          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& seconds = prometheus::BuildHistogram()
                                                           .Name("gateway_functions_seconds")
                                                           .Help("Function time taken")
                                                           .Register(*registry);
  prometheus::Family<prometheus::Counter>& started =
      prometheus::BuildCounter()
          .Name("gateway_function_invocation_started")
          .Help("Function invocations started")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& service_count = prometheus::BuildGauge()
                                                             .Name("gateway_service_count")
                                                             .Help("Desired replicas")
                                                             .Register(*registry);
  prometheus::Family<prometheus::Gauge>& replicas = prometheus::BuildGauge()
                                                        .Name("faaslab_replicas")
                                                        .Help("Replica processes by state")
                                                        .Register(*registry);
  prometheus::Family<prometheus::Gauge>& queue = prometheus::BuildGauge()
                                                     .Name("faaslab_queue_length")
                                                     .Help("Requests waiting for a replica")
                                                     .Register(*registry);
  prometheus::Family<prometheus::Gauge>& inflight = prometheus::BuildGauge()
                                                        .Name("faaslab_inflight")
                                                        .Help("Requests being served")
                                                        .Register(*registry);
  prometheus::Family<prometheus::Counter>& cold_starts =
      prometheus::BuildCounter()
          .Name("faaslab_cold_starts_total")
          .Help("Replicas started for a waiting request")
          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& cold_start_seconds =
      prometheus::BuildHistogram()
          .Name("faaslab_cold_start_seconds")
          .Help("Replica start to ready, for cold starts")
          .Register(*registry);
};

GatewayMetrics::GatewayMetrics() : impl_(std::make_unique<Impl>()) {}
GatewayMetrics::~GatewayMetrics() = default;

void GatewayMetrics::invocation_started(const std::string& f) {
  impl_->started.Add({{"function_name", f}}).Increment();
}

void GatewayMetrics::invocation_finished(const std::string& f, int code, double seconds) {
  const prometheus::Labels labels{{"function_name", f}, {"code", std::to_string(code)}};
  impl_->invocations.Add(labels).Increment();
  impl_->seconds.Add(labels, kSecondsBuckets).Observe(seconds);
}

void GatewayMetrics::replicas(const std::string& f, int desired, int starting, int ready,
                              int stopping) {
  impl_->service_count.Add({{"function_name", f}}).Set(desired);
  impl_->replicas.Add({{"function_name", f}, {"state", "starting"}}).Set(starting);
  impl_->replicas.Add({{"function_name", f}, {"state", "ready"}}).Set(ready);
  impl_->replicas.Add({{"function_name", f}, {"state", "stopping"}}).Set(stopping);
}

void GatewayMetrics::queue_length(const std::string& f, int length) {
  impl_->queue.Add({{"function_name", f}}).Set(length);
}

void GatewayMetrics::inflight(const std::string& f, int count) {
  impl_->inflight.Add({{"function_name", f}}).Set(count);
}

void GatewayMetrics::cold_start(const std::string& f, double seconds) {
  impl_->cold_starts.Add({{"function_name", f}}).Increment();
  impl_->cold_start_seconds.Add({{"function_name", f}}, kSecondsBuckets).Observe(seconds);
}

std::string GatewayMetrics::render() const {
  return prometheus::TextSerializer().Serialize(impl_->registry->Collect());
}

}  // namespace faaslab::runtime
