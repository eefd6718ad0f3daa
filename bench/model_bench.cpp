// The performance model's costs (issue 6 targets: exact MVA for N = 10,000 users in under
// 50 ms; the simulator >= 1 million events per second on one core).
//
//   build/bin/model_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// Figures: docs/performance.md, "Performance model".
#include <benchmark/benchmark.h>

#include "model/closed_network.h"
#include "model/model.h"
#include "model/simulator.h"

namespace faaslab::model {
namespace {

// Exact MVA: N users, think 5 s, 4 single-server stations (random routing over 4 replicas).
void BM_MvaExact(benchmark::State& state) {
  const auto n = static_cast<std::uint64_t>(state.range(0));
  const std::vector<double> demands(4, 0.5);
  for (auto _ : state) benchmark::DoNotOptimize(mva_exact(n, 5.0, demands).throughput);
  state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_MvaExact)->Arg(30)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

// The machine-repairman closed form (a 4-server station), O(N).
void BM_Repairman(benchmark::State& state) {
  const auto n = static_cast<std::uint64_t>(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(repairman(n, 5.0, Station{2.0, 4}).throughput);
}
BENCHMARK(BM_Repairman)->Arg(30)->Arg(10000)->Unit(benchmark::kMillisecond);

// Load-dependent MVA, O(N²): 4 two-server replicas.
void BM_MvaLoadDependent(benchmark::State& state) {
  const auto n = static_cast<std::uint64_t>(state.range(0));
  const std::vector<Station> st(4, Station{0.5, 2});
  for (auto _ : state) benchmark::DoNotOptimize(mva_load_dependent(n, 5.0, st).throughput);
}
BENCHMARK(BM_MvaLoadDependent)->Arg(30)->Arg(2000)->Unit(benchmark::kMillisecond);

void BM_Schweitzer(benchmark::State& state) {
  const auto n = static_cast<std::uint64_t>(state.range(0));
  const std::vector<Station> st(4, Station{0.5, 2});
  for (auto _ : state) benchmark::DoNotOptimize(schweitzer(n, 5.0, st).throughput);
}
BENCHMARK(BM_Schweitzer)->Arg(10000)->Unit(benchmark::kMillisecond);

// The simulator: events processed per second of CPU.
void simulate_bench(benchmark::State& state, const Workload& w, const System& s) {
  SimulationLimits limits;
  limits.measured_requests = 200000;
  std::uint64_t events = 0, seed = 1;
  for (auto _ : state) {
    const auto r = simulate(w, s, seed++, limits);
    events += r.events;
    benchmark::DoNotOptimize(r.summary.mean_s);
  }
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}

// The textbook station: 30 users, 4 replicas, central queue, exponential service.
void BM_SimulatorClosedFifo(benchmark::State& state) {
  Workload w;
  w.users = 30;
  w.think_s = 5;
  System s;
  s.replicas = 4;
  s.routing = Routing::kFifo;
  s.service = Distribution::exponential(2.0);
  simulate_bench(state, w, s);
}
BENCHMARK(BM_SimulatorClosedFifo)->Unit(benchmark::kMillisecond);

// A calibrated-looking classic deployment: processor sharing on 2 cores, overhead CPU work,
// a 25 s timeout, 50 users. Argument 0: a run queue per core (the default), 1: shared cores.
void BM_SimulatorClassicOnCores(benchmark::State& state) {
  Workload w;
  w.users = 50;
  w.think_s = 1;
  System s;
  s.mode = Mode::kClassic;
  s.concurrency = 0;
  s.cores = 2;
  s.service = Distribution::two_moment(0.045, 0.1);
  s.overhead = Distribution::two_moment(0.04, 0.2);
  s.overhead_cpu = 1;
  s.timeout_s = 25;
  s.core_scheduling = state.range(0) == 0 ? CoreScheduling::kPerCore : CoreScheduling::kShared;
  simulate_bench(state, w, s);
}
BENCHMARK(BM_SimulatorClassicOnCores)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// Open, random routing over 8 replicas with timeouts that fire.
void BM_SimulatorOpenRandom(benchmark::State& state) {
  Workload w;
  w.rate = 3.8;
  System s;
  s.replicas = 8;
  s.service = Distribution::exponential(2.0);
  s.timeout_s = 10;
  simulate_bench(state, w, s);
}
BENCHMARK(BM_SimulatorOpenRandom)->Unit(benchmark::kMillisecond);

// A whole prediction as `faaslab model predict --method des` makes it (5 × 20,000 requests).
void BM_PredictDes(benchmark::State& state) {
  Workload w;
  w.users = 30;
  w.think_s = 5;
  System s;
  s.replicas = 4;
  s.service = Distribution::two_moment(2.0, 0.3);
  PredictOptions o;
  o.method = Method::kDes;
  for (auto _ : state) benchmark::DoNotOptimize(predict(w, s, o)->summary.mean_s);
}
BENCHMARK(BM_PredictDes)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace faaslab::model

BENCHMARK_MAIN();
