#include "experiment/results_columns.h"

namespace faaslab::experiment {

const Columns<RequestRow>& request_columns() {
  using R = RequestRow;
  static const Columns<R> columns = Columns<R>()
                                        .add("user", &R::user)
                                        .add("sequence", &R::sequence)
                                        .add("payload", &R::payload)
                                        .add("iteration", &R::iteration)
                                        .add("label", &R::label)
                                        .add("intended_us", &R::intended_us)
                                        .add("start_us", &R::start_us)
                                        .add("first_byte_us", &R::first_byte_us)
                                        .add("end_us", &R::end_us)
                                        .add("intended_wall_us", &R::intended_wall_us)
                                        .add("start_wall_us", &R::start_wall_us)
                                        .add("end_wall_us", &R::end_wall_us)
                                        .add("latency_us", &R::latency_us)
                                        .add("service_us", &R::service_us)
                                        .add("connect_us", &R::connect_us)
                                        .add("status", &R::status)
                                        .add("outcome", &R::outcome)
                                        .add("bytes_sent", &R::bytes_sent)
                                        .add("bytes_received", &R::bytes_received)
                                        .add("ml_s", &R::ml_s)
                                        .add("handler_s", &R::handler_s)
                                        .add("replica", &R::replica)
                                        .add("cold_start", &R::cold_start)
                                        .add("cold_start_s", &R::cold_start_s)
                                        .add("error", &R::error)
                                        .add("warmup", &R::warmup)
                                        .add("node", &R::node)
                                        .add("placement", &R::placement);
  return columns;
}

const Columns<EventRow>& event_columns() {
  using E = EventRow;
  static const Columns<E> columns = Columns<E>()
                                        .add("seq", &E::seq)
                                        .add("wall_us", &E::wall_us)
                                        .add("mono_us", &E::mono_us)
                                        .add("function", &E::function)
                                        .add("replica", &E::replica)
                                        .add("kind", &E::kind)
                                        .add("seconds", &E::seconds)
                                        .add("from_replicas", &E::from_replicas)
                                        .add("to_replicas", &E::to_replicas)
                                        .add("detail", &E::detail);
  return columns;
}

const Columns<SummaryRow>& summary_columns() {
  using S = SummaryRow;
  static const Columns<S> columns = Columns<S>()
                                        .add("label", &S::label)
                                        .add("count", &S::count)
                                        .add("success_rate", &S::success_rate)
                                        .add("throughput_rps", &S::throughput_rps)
                                        .add("mean_s", &S::mean_s)
                                        .add("stddev_s", &S::stddev_s)
                                        .add("min_s", &S::min_s)
                                        .add("p50_s", &S::p50_s)
                                        .add("p90_s", &S::p90_s)
                                        .add("p95_s", &S::p95_s)
                                        .add("p99_s", &S::p99_s)
                                        .add("p999_s", &S::p999_s)
                                        .add("max_s", &S::max_s)
                                        .add("repetitions", &S::repetitions)
                                        .add("mean_s_ci95", &S::mean_s_ci95)
                                        .add("throughput_rps_ci95", &S::throughput_rps_ci95)
                                        .add("success_rate_ci95", &S::success_rate_ci95)
                                        .add("p95_s_ci95", &S::p95_s_ci95);
  return columns;
}

const Columns<RunColumns>& run_columns() {
  using C = RunColumns;
  static const Columns<C> columns = Columns<C>()
                                        .add("config_key", &C::config_key)
                                        .add("repetition", &C::repetition)
                                        .add("ordinal", &C::ordinal)
                                        .add("config_json", &C::config_json)
                                        .add("users", &C::users)
                                        .add("think_s", &C::think_s)
                                        .add("think_dist", &C::think_dist)
                                        .add("rate", &C::rate)
                                        .add("replicas", &C::replicas)
                                        .add("mode", &C::mode)
                                        .add("routing", &C::routing)
                                        .add("max_inflight", &C::max_inflight)
                                        .add("workers", &C::workers)
                                        .add("codec", &C::codec)
                                        .add("frame_width", &C::frame_width)
                                        .add("frame_height", &C::frame_height)
                                        .add("timeout_s", &C::timeout_s)
                                        .add("cores", &C::cores)
                                        .add("target", &C::target)
                                        .add("seed", &C::seed)
                                        .add("warmup_requests", &C::warmup_requests)
                                        .add("topology", &C::topology)
                                        .add("placement", &C::placement)
                                        .add("offload_threshold", &C::offload_threshold)
                                        .add("cloud_delay_s", &C::cloud_delay_s)
                                        .add("cloud_bandwidth_bps", &C::cloud_bandwidth_bps);
  return columns;
}

}  // namespace faaslab::experiment
