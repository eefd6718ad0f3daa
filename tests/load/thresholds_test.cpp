// Thresholds (k6's, in `faaslab model plan`'s syntax): parsed with errors naming the text,
// judged on a run's summary figures, and — for --abort-on-fail — on the live counts without
// ever calling a bound broken before it is.
#include "load/thresholds.h"

#include <gtest/gtest.h>

namespace faaslab::load {
namespace {

Record request(std::int64_t latency_us, Outcome outcome = Outcome::kOk) {
  Record r;
  r.intended_us = r.start_us = 0;
  r.end_us = latency_us;
  r.outcome = outcome;
  r.status = outcome == Outcome::kOk ? 200 : 0;
  return r;
}

// 100 requests over a 2 s window: latencies 1..100 ms, the last two timed out.
RunStats hundred_requests() {
  RunStats st({"request"});
  for (int i = 1; i <= 100; ++i) {
    const auto outcome = i > 98 ? Outcome::kTimeout : Outcome::kOk;
    st.add(request(i * 1000, outcome), 0, 1'000'000 + i * 10'000, 1'000'000 + i * 20'000);
  }
  return st;
}

TEST(Thresholds, ParseOneOrManyPerFlag) {
  auto t = parse_thresholds({"p95<500ms", "success>=99%,throughput>10", "requests>=100"});
  ASSERT_TRUE(t.ok()) << t.error();
  ASSERT_EQ(t->size(), 4u);
  EXPECT_EQ((*t)[0].metric, "p95");
  EXPECT_DOUBLE_EQ((*t)[0].value, 0.5);
  EXPECT_EQ((*t)[1].op, ">=");
  EXPECT_DOUBLE_EQ((*t)[1].value, 0.99);
  EXPECT_EQ((*t)[2].op, ">");
  EXPECT_EQ((*t)[3].metric, "requests");
}

TEST(Thresholds, BadTextIsAnErrorNamingIt) {
  for (const char* bad :
       {"p97<1s", "p95", "p95<soon", "success>=most", "rejected<0.1", "", "p95<1s,"}) {
    auto t = parse_thresholds({bad});
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_NE(t.error().find("--threshold"), std::string::npos) << t.error();
  }
  EXPECT_NE(parse_thresholds({"p97<1s"}).error().find("p97"), std::string::npos);
}

TEST(Thresholds, JudgedOnTheSummaryFigures) {
  const auto st = hundred_requests();
  auto t = parse_thresholds({"p95<=96ms", "p95<94ms", "max<=100ms", "success>=0.98", "success>0.98",
                             "timeouts<=0.02", "requests>=100", "throughput>1000"});
  ASSERT_TRUE(t.ok()) << t.error();
  const auto checks = check_thresholds(*t, st);
  ASSERT_EQ(checks.size(), 8u);
  const bool expected[] = {true, false, true, true, false, true, true, false};
  for (std::size_t i = 0; i < checks.size(); ++i)
    EXPECT_EQ(checks[i].passed, expected[i]) << checks[i].threshold.text << " " << checks[i].actual;
  EXPECT_NEAR(checks[0].actual, 0.095, 0.001);
  EXPECT_DOUBLE_EQ(checks[3].actual, 0.98);
  EXPECT_DOUBLE_EQ(checks[6].actual, 100);
  EXPECT_FALSE(all_passed(checks));
  EXPECT_TRUE(all_passed({checks[0], checks[2]}));
}

TEST(Thresholds, LiveJudgementNeverFailsABoundEarly) {
  auto t = parse_thresholds({"p99<10ms", "success>=0.5", "throughput>1e9", "requests>1e9"});
  ASSERT_TRUE(t.ok());
  LiveCounters live;
  EXPECT_FALSE(failing_so_far(*t, live));  // nothing yet
  for (int i = 0; i < 100; ++i) {
    live.done++;
    live.record_latency(9'900);  // just under the bound: its bucket's lower edge is too
  }
  // throughput and requests are for the end; everything else holds.
  EXPECT_FALSE(failing_so_far(*t, live));
  for (int i = 0; i < 100; ++i) {
    live.done++;
    live.failed++;
    live.record_latency(50'000);
  }
  auto why = failing_so_far(*t, live);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("p99<10ms"), std::string::npos) << *why;
  EXPECT_NE(why->find("200 requests"), std::string::npos) << *why;
  live.failed += 1;  // success is now 99/200 < 0.5
  auto only_success = parse_thresholds({"success>=0.5"});
  ASSERT_TRUE(only_success.ok());
  EXPECT_TRUE(failing_so_far(*only_success, live));
}

}  // namespace
}  // namespace faaslab::load
