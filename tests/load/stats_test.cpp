#include "load/stats.h"

#include <gtest/gtest.h>

#include <random>

namespace faaslab::load {
namespace {

std::vector<Record> random_records(int n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Record> out;
  for (int i = 0; i < n; ++i) {
    Record r;
    r.user = rng() % 10;
    r.payload = static_cast<std::uint32_t>(rng() % 3);
    r.intended_us = static_cast<std::int64_t>(rng() % 10'000'000);
    r.start_us = r.intended_us + static_cast<std::int64_t>(rng() % 1000);
    r.end_us = r.start_us + static_cast<std::int64_t>(rng() % 2'000'000);
    r.outcome = rng() % 10 == 0 ? Outcome::kTimeout : Outcome::kOk;
    out.push_back(r);
  }
  return out;
}

TEST(Stats, MergedShardsEqualOneRun) {
  const std::vector<std::string> labels{"a", "b", "c"};
  const auto records = random_records(5000, 11);
  RunStats one(labels);
  std::vector<RunStats> shards(3, RunStats(labels));
  for (const auto& r : records) {
    one.add(r, r.payload, 1000 + r.intended_us, 1000 + r.end_us);
    shards[r.user % 3].add(r, r.payload, 1000 + r.intended_us, 1000 + r.end_us);
  }
  // Through the file format, as faaslab merge does.
  RunStats merged;
  for (const auto& s : shards) {
    auto back = stats_from_json(nlohmann::json::parse(stats_to_json(s).dump()));
    ASSERT_TRUE(back.ok()) << back.error();
    merged.merge(*back);
  }
  EXPECT_EQ(summary_json(merged)["overall"], summary_json(one)["overall"]);
  EXPECT_EQ(summary_json(merged)["labels"], summary_json(one)["labels"]);
  EXPECT_TRUE(merged.overall.latency == one.overall.latency);
}

TEST(Stats, SummaryHasTheSchema) {
  RunStats st({"x"});
  Record r;
  r.intended_us = 0;
  r.start_us = 0;
  r.end_us = 500'000;
  st.add(r, 0, 1'000'000, 1'500'000);
  Record d;
  d.outcome = Outcome::kDropped;
  st.add(d, 0, 1'000'000, 1'000'000);
  const auto s = summary_json(st);
  for (const char* key : {"count", "success_rate", "throughput_rps", "mean_s", "stddev_s", "min_s",
                          "p50_s", "p90_s", "p95_s", "p99_s", "p999_s", "max_s"}) {
    EXPECT_TRUE(s["overall"].contains(key)) << key;
    EXPECT_TRUE(s["labels"]["x"].contains(key)) << key;
  }
  EXPECT_EQ(s["overall"].size(), 12u);
  EXPECT_EQ(s["overall"]["count"], 2);
  EXPECT_DOUBLE_EQ(s["overall"]["success_rate"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(s["overall"]["throughput_rps"].get<double>(), 2.0);  // 1 sent in 0.5 s
  EXPECT_DOUBLE_EQ(s["overall"]["p50_s"].get<double>(), 0.5);
  EXPECT_EQ(s["run"]["outcomes"]["dropped"], 1);
}

TEST(Stats, NotAHistogramFileIsAnError) {
  EXPECT_FALSE(stats_from_json(nlohmann::json::parse("{\"format\": \"other\"}")).ok());
  EXPECT_FALSE(stats_from_json(nlohmann::json::parse("[1, 2]")).ok());
  EXPECT_FALSE(merge_histogram_files({"/nonexistent.json"}).ok());
}

// Found by load_files_fuzz: a bucket count written as 7.7e39 was cast to an integer (undefined
// behaviour) by nlohmann::json's get<>. Every integer of the file is now range-checked.
TEST(Stats, NumbersOutOfRangeInAHistogramFileAreErrors) {
  RunStats st({"x"});
  Record r;
  r.end_us = 1000;
  st.add(r, 0, 0, 1000);
  const nlohmann::json good = stats_to_json(st);
  ASSERT_TRUE(stats_from_json(good).ok());
  const std::pair<nlohmann::json::json_pointer, nlohmann::json> edits[] = {
      {"/overall/latency_us/buckets/0/1"_json_pointer, 7.66889e+39},
      {"/overall/latency_us/buckets/0/0"_json_pointer, -1},
      {"/overall/latency_us/count"_json_pointer, 1.5},
      {"/overall/latency_us/min"_json_pointer, 1e300},
      {"/overall/latency_us/buckets/0/1"_json_pointer, ~std::uint64_t{0}},  // more than count
      {"/overall/outcomes/0"_json_pointer, -3},
      {"/window_end_wall_us"_json_pointer, 1e19},
      {"/connections_opened"_json_pointer, -1},
  };
  for (const auto& [where, value] : edits) {
    nlohmann::json bad = good;
    ASSERT_TRUE(bad.contains(where)) << where.to_string();
    bad[where] = value;
    auto back = stats_from_json(bad);
    EXPECT_FALSE(back.ok()) << where.to_string() << " = " << value.dump();
  }
  nlohmann::json bad = good;
  bad["/overall/latency_us/buckets/0/1"_json_pointer] = 7.66889e+39;
  EXPECT_NE(stats_from_json(bad).error().find(
                "histogram: bucket count: expected an integer from 0 to 18446744073709551615, got "
                "7.66889e+39"),
            std::string::npos)
      << stats_from_json(bad).error();
}

}  // namespace
}  // namespace faaslab::load
