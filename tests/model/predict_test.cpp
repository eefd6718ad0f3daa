// predict(): the method chosen, the formulas' results through it, and bad input.
#include <gtest/gtest.h>

#include "model/model.h"

namespace faaslab::model {
namespace {

Workload closed(std::uint64_t users, double think) {
  Workload w;
  w.users = users;
  w.think_s = think;
  return w;
}

System textbook(int replicas, Routing routing) {
  System s;
  s.replicas = replicas;
  s.concurrency = 1;
  s.routing = routing;
  s.service = Distribution::exponential(2.0);
  return s;
}

TEST(Predict, AutoUsesTheClosedFormWhereItIsExact) {
  auto p = predict(closed(30, 5), textbook(4, Routing::kFifo));
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->method, "repairman");
  EXPECT_TRUE(p->exact);
  EXPECT_NEAR(p->summary.throughput_rps, 2.000, 5e-4);
  EXPECT_NEAR(p->summary.mean_s, 10.00, 5e-3);
  EXPECT_NEAR(*p->knee_users, 14.0, 1e-9);
  EXPECT_NEAR(p->utilization, 1.0, 1e-3);
  // Percentiles by the arrival theorem: ordered, above the mean's neighbourhood.
  EXPECT_LT(p->summary.p50_s, p->summary.p95_s);
  EXPECT_LT(p->summary.p95_s, p->summary.p99_s);
}

TEST(Predict, RandomRoutingUsesExactMva) {
  auto p = predict(closed(30, 5), textbook(4, Routing::kRandom));
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->method, "mva");
  EXPECT_NEAR(p->summary.throughput_rps, 1.749, 1e-3);
  // Two workers per replica: load-dependent MVA; many users: Schweitzer.
  System two = textbook(4, Routing::kRandom);
  two.concurrency = 2;
  auto ld = predict(closed(30, 5), two);
  ASSERT_TRUE(ld) << ld.error();
  EXPECT_EQ(ld->method, "mva-ld");
  auto big = predict(closed(5000, 5), two);
  ASSERT_TRUE(big) << big.error();
  EXPECT_EQ(big->method, "schweitzer");
  EXPECT_NEAR(big->summary.throughput_rps, 4.0, 0.01);  // approximate, within 0.25%
}

TEST(Predict, OpenCentralQueueIsErlangC) {
  Workload w;
  w.rate = 1.6;
  auto p = predict(w, textbook(4, Routing::kFifo));
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->method, "erlang-c");
  EXPECT_TRUE(p->exact);
  EXPECT_FALSE(p->percentiles_approximate);
  EXPECT_NEAR(p->utilization, 0.8, 1e-12);
  // P(R > 10 s) = 0.0413: the 95th percentile lies below 10 s, the 99th above.
  EXPECT_LT(p->summary.p95_s, 10.0);
  EXPECT_GT(p->summary.p99_s, 10.0);
}

TEST(Predict, ForcedMethods) {
  Workload w;
  w.rate = 0.8;
  System s = textbook(2, Routing::kRandom);
  s.service = Distribution::two_moment(2.0, 0.3);
  PredictOptions o;
  o.method = Method::kErlang;
  auto p = predict(w, s, o);
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->method, "mg1");
  o.method = Method::kAuto;
  auto a = predict(w, s, o);  // percentiles need the simulator
  ASSERT_TRUE(a) << a.error();
  EXPECT_EQ(a->method, "des");
  EXPECT_GT(a->replications, 0);
}

TEST(Predict, QueueTimeoutIsMmcPlusD) {
  Workload w;
  w.rate = 1.6;
  System s = textbook(4, Routing::kFifo);
  s.queue_timeout_s = 2;
  PredictOptions o;
  o.method = Method::kErlang;
  auto p = predict(w, s, o);
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->method, "mmc+d");
  EXPECT_NEAR(p->timeout_rate, 0.0682, 5e-5);
  EXPECT_NEAR(p->summary.success_rate, 1 - 0.0682, 5e-5);
  // Overloaded, abandonment keeps it stable.
  w.rate = 3;
  EXPECT_TRUE(predict(w, s, o));
}

TEST(Predict, UnstableOpenSystemsAreReportedWithTheirGrowthRate) {
  Workload w;
  w.rate = 2.4;
  auto p = predict(w, textbook(4, Routing::kFifo));
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().find("unstable"), std::string::npos) << p.error();
  EXPECT_NE(p.error().find("grows by 0.4 requests/s"), std::string::npos) << p.error();
  // A finite run can be simulated: reported as overloaded, with the growth rate.
  w.duration_s = 60;
  auto finite = predict(w, textbook(4, Routing::kFifo));
  ASSERT_TRUE(finite) << finite.error();
  EXPECT_FALSE(finite->stable);
  EXPECT_NEAR(finite->growth_rps, 0.4, 1e-9);
  EXPECT_NEAR(finite->to_json()["growth_rps"].get<double>(), 0.4, 1e-9);
}

TEST(Predict, BadInputIsAClearError) {
  Workload open;
  open.rate = 0;
  auto p = predict(open, textbook(1, Routing::kRandom));
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().find("rate"), std::string::npos);
  open.rate = -1;
  EXPECT_FALSE(predict(open, textbook(1, Routing::kRandom)));
  open.rate = 1;
  System s = textbook(0, Routing::kRandom);
  auto zero = predict(open, s);
  ASSERT_FALSE(zero);
  EXPECT_NE(zero.error().find("replicas"), std::string::npos);
  s = textbook(1, Routing::kRandom);
  s.service = Distribution::exponential(0);
  EXPECT_FALSE(predict(open, s));
  s = textbook(1, Routing::kRandom);
  s.concurrency = -1;
  EXPECT_FALSE(predict(open, s));
  Workload both = closed(3, 1);
  both.rate = 1;
  EXPECT_FALSE(predict(both, textbook(1, Routing::kRandom)));
  Workload think = closed(3, -1);
  EXPECT_FALSE(predict(think, textbook(1, Routing::kRandom)));
  Workload dist = closed(3, 1);
  dist.think_dist = "gaussian";
  EXPECT_FALSE(predict(dist, textbook(1, Routing::kRandom)));
  EXPECT_FALSE(parse_mode("streaming"));
  EXPECT_FALSE(parse_routing("sticky"));
  EXPECT_FALSE(parse_method("magic"));
}

TEST(Predict, JsonHasTheSummarySchema) {
  auto p = predict(closed(30, 5), textbook(4, Routing::kFifo));
  ASSERT_TRUE(p);
  const auto j = p->to_json();
  for (const char* k : {"count", "success_rate", "throughput_rps", "mean_s", "stddev_s", "min_s",
                        "p50_s", "p90_s", "p95_s", "p99_s", "p999_s", "max_s", "utilization",
                        "method", "exact", "notes", "knee_users", "max_throughput_rps"})
    EXPECT_TRUE(j.contains(k)) << k;
}

TEST(Predict, FormulasAndSimulatorAgreeOnAClassicMachine) {
  // Classic mode on 2 cores, processor sharing: formulas exact for the means.
  System s;
  s.mode = Mode::kClassic;
  s.concurrency = 0;
  s.cores = 2;
  s.service = Distribution::two_moment(0.08, 0.3);
  s.overhead = Distribution::constant(0.01);
  PredictOptions mva;
  mva.method = Method::kMva;
  auto a = predict(closed(20, 0.5), s, mva);
  ASSERT_TRUE(a) << a.error();
  EXPECT_TRUE(a->exact);
  PredictOptions sim;
  sim.method = Method::kDes;
  sim.replications = 6;
  auto d = predict(closed(20, 0.5), s, sim);
  ASSERT_TRUE(d) << d.error();
  EXPECT_NEAR(d->summary.mean_s, a->summary.mean_s, 2 * *d->summary.mean_s_ci95 + 1e-4);
  EXPECT_NEAR(d->summary.throughput_rps, a->summary.throughput_rps,
              2 * *d->summary.throughput_rps_ci95 + 1e-3);
}

}  // namespace
}  // namespace faaslab::model
