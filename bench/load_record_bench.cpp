// Per-request costs of the load generator's recording, in process (Google Benchmark):
//
//   build/bin/load_record_bench
//
// Formatting one record line (--records), one JTL line (--jtl), and the four histogram updates
// every request makes (response and service time, overall and per label).
#include <benchmark/benchmark.h>

#include "common/histogram.h"
#include "load/record_files.h"
#include "load/stats.h"

namespace {

using namespace faaslab;

load::Record sample(std::int64_t i) {
  load::Record r;
  r.user = static_cast<std::uint64_t>(i % 16);
  r.sequence = static_cast<std::uint64_t>(i);
  r.intended_us = 1'000'000 + i * 7;
  r.start_us = r.intended_us + 3;
  r.first_byte_us = r.start_us + 95;
  r.end_us = r.start_us + 110 + i % 50;
  r.connect_us = -1;
  r.status = 200;
  r.reason = "OK";
  r.bytes_sent = 120;
  r.bytes_received = 70;
  r.text_response = true;
  return r;
}

void BM_RecordCsvLine(benchmark::State& state) {
  const std::string label = "frame-0001", url = "http://127.0.0.1:8080/";
  load::RecordContext ctx{1'700'000'000'000'000, &label, &url, 16};
  std::string out;
  std::int64_t i = 0;
  for (auto _ : state) {
    load::append_record_csv(out, sample(i++), ctx);
    if (out.size() > (256 << 10)) out.clear();
  }
}
BENCHMARK(BM_RecordCsvLine);

void BM_JtlLine(benchmark::State& state) {
  const std::string label = "frame-0001", url = "http://127.0.0.1:8080/";
  load::RecordContext ctx{1'700'000'000'000'000, &label, &url, 16};
  std::string out;
  std::int64_t i = 0;
  for (auto _ : state) {
    load::append_jtl_line(out, sample(i++), ctx);
    if (out.size() > (256 << 10)) out.clear();
  }
}
BENCHMARK(BM_JtlLine);

void BM_StatsAdd(benchmark::State& state) {
  load::RunStats stats({"a", "b", "c"});
  std::int64_t i = 0;
  for (auto _ : state) {
    const auto r = sample(i++);
    stats.add(r, static_cast<std::size_t>(i % 3), r.intended_us, r.end_us);
  }
}
BENCHMARK(BM_StatsAdd);

void BM_HistogramPercentile(benchmark::State& state) {
  Histogram h;
  for (std::int64_t v = 0; v < 1'000'000; ++v) h.record(50 + (v * 7919) % 2'000'000);
  for (auto _ : state) benchmark::DoNotOptimize(h.percentile(0.99));
}
BENCHMARK(BM_HistogramPercentile);

}  // namespace

BENCHMARK_MAIN();
