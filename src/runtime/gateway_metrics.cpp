#include "runtime/gateway_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <map>

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
  Mutex mu;
  std::map<std::string, std::unique_ptr<FunctionMetrics>> functions GUARDED_BY(mu);
};

GatewayMetrics::GatewayMetrics() : impl_(std::make_unique<Impl>()) {}
GatewayMetrics::~GatewayMetrics() = default;

FunctionMetrics& GatewayMetrics::function(const std::string& name) {
  MutexLock lock(impl_->mu);
  auto& slot = impl_->functions[name];
  if (!slot) {
    slot = std::make_unique<FunctionMetrics>();
    auto& m = *slot;
    auto& i = *impl_;
    const prometheus::Labels fn{{"function_name", name}};
    m.owner_ = this;
    m.name_ = name;
    m.started_ = &i.started.Add(fn);
    m.service_count_ = &i.service_count.Add(fn);
    m.starting_ = &i.replicas.Add({{"function_name", name}, {"state", "starting"}});
    m.ready_ = &i.replicas.Add({{"function_name", name}, {"state", "ready"}});
    m.stopping_ = &i.replicas.Add({{"function_name", name}, {"state", "stopping"}});
    m.queue_ = &i.queue.Add(fn);
    m.inflight_ = &i.inflight.Add(fn);
    m.cold_starts_ = &i.cold_starts.Add(fn);
    m.cold_start_seconds_ = &i.cold_start_seconds.Add(fn, kSecondsBuckets);
  }
  return *slot;
}

void FunctionMetrics::invocation_started() {
  started_->Increment();
}

void FunctionMetrics::invocation_finished(int code, double seconds) {
  if (code < 0 || code >= static_cast<int>(codes_.size())) code = 0;
  ByCode* c = codes_[static_cast<std::size_t>(code)].load(std::memory_order_acquire);
  if (!c) {
    MutexLock lock(codes_mu_);
    c = codes_[static_cast<std::size_t>(code)].load(std::memory_order_relaxed);
    if (!c) {
      auto made = std::make_unique<ByCode>();
      const prometheus::Labels labels{{"function_name", name_}, {"code", std::to_string(code)}};
      made->invocations = &owner_->impl().invocations.Add(labels);
      made->seconds = &owner_->impl().seconds.Add(labels, kSecondsBuckets);
      c = made.get();
      owned_.push_back(std::move(made));
      codes_[static_cast<std::size_t>(code)].store(c, std::memory_order_release);
    }
  }
  c->invocations->Increment();
  c->seconds->Observe(seconds);
}

void FunctionMetrics::replicas(int desired, int starting, int ready, int stopping) {
  service_count_->Set(desired);
  starting_->Set(starting);
  ready_->Set(ready);
  stopping_->Set(stopping);
}

void FunctionMetrics::queue_length(int length) {
  queue_->Set(length);
}
void FunctionMetrics::inflight(int count) {
  inflight_->Set(count);
}

void FunctionMetrics::cold_start(double seconds) {
  cold_starts_->Increment();
  cold_start_seconds_->Observe(seconds);
}

std::string GatewayMetrics::render() const {
  return prometheus::TextSerializer().Serialize(impl_->registry->Collect());
}

}  // namespace faaslab::runtime
