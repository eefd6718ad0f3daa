// The simulator against the formulas, within its own confidence intervals, and its behaviour
// where no formula applies (timeouts without cancellation, cold starts, autoscaling).
#include <gtest/gtest.h>

#include <cmath>

#include "experiment/summaries.h"
#include "model/closed_network.h"
#include "model/open_queue.h"
#include "model/simulator.h"

namespace faaslab::model {
namespace {

PredictOptions des(int replications = 8, std::uint64_t measured = 20000) {
  PredictOptions o;
  o.method = Method::kDes;
  o.replications = replications;
  o.measured_requests = measured;
  o.seed = 11;
  return o;
}

Workload closed(std::uint64_t users, double think) {
  Workload w;
  w.users = users;
  w.think_s = think;
  w.think_dist = "exponential";
  return w;
}

System servers(int replicas, double service, Routing routing, double scv = 1.0) {
  System s;
  s.replicas = replicas;
  s.concurrency = 1;
  s.routing = routing;
  s.service = Distribution::two_moment(service, scv);
  return s;
}

// |simulated - exact| within twice the 95% half-width (and a floor for tiny intervals).
void expect_within(double simulated, const std::optional<double>& ci, double exact, double floor,
                   const char* what) {
  ASSERT_TRUE(ci.has_value()) << what;
  EXPECT_NEAR(simulated, exact, 2 * *ci + floor) << what << " ± " << *ci;
}

TEST(Simulator, MachineRepairmanWithinItsConfidenceInterval) {
  auto p = predict(closed(30, 5), servers(4, 2.0, Routing::kFifo), des());
  ASSERT_TRUE(p) << p.error();
  const auto exact = repairman(30, 5, Station{2.0, 4});
  expect_within(p->summary.throughput_rps, p->summary.throughput_rps_ci95, exact.throughput, 1e-3,
                "throughput");
  expect_within(p->summary.mean_s, p->summary.mean_s_ci95, exact.response, 1e-3, "response");
  EXPECT_EQ(p->method, "des");
}

TEST(Simulator, RandomRoutingMatchesExactMva) {
  auto p = predict(closed(30, 5), servers(4, 2.0, Routing::kRandom), des());
  ASSERT_TRUE(p) << p.error();
  const auto exact = mva_exact(30, 5, {0.5, 0.5, 0.5, 0.5});
  expect_within(p->summary.throughput_rps, p->summary.throughput_rps_ci95, exact.throughput, 1e-3,
                "throughput");
  expect_within(p->summary.mean_s, p->summary.mean_s_ci95, exact.response, 1e-3, "response");
}

// Classic mode: a process per request on 2 cores, 10 users, think 1 s, work 0.5 s of the
// given SCV, against the closed form of a 2-server station with think time.
void expect_repairman_on_two_cores(double scv, CoreScheduling scheduling) {
  System s = servers(1, 0.5, Routing::kRandom, scv);
  s.mode = Mode::kClassic;
  s.concurrency = 0;
  s.cores = 2;
  s.core_scheduling = scheduling;
  auto p = predict(closed(10, 1.0), s, des());
  ASSERT_TRUE(p) << p.error();
  const auto exact = repairman(10, 1.0, Station{0.5, 2});
  expect_within(p->summary.mean_s, p->summary.mean_s_ci95, exact.response, 1e-3, "response");
  expect_within(p->summary.throughput_rps, p->summary.throughput_rps_ci95, exact.throughput, 1e-3,
                "throughput");
  EXPECT_NEAR(p->utilization, exact.throughput * 0.5 / 2, 0.02);
}

TEST(Simulator, ProcessorSharingOnCoresIsInsensitive) {
  // Shared cores are processor sharing: the closed form holds whatever the distribution.
  expect_repairman_on_two_cores(0.2, CoreScheduling::kShared);
}

// Classic mode on 2 cores: a process per request, each exactly 1 s of work.
System classic_on_two_cores(CoreScheduling scheduling) {
  System s = servers(1, 1.0, Routing::kRandom);
  s.service = Distribution::constant(1.0);
  s.mode = Mode::kClassic;
  s.concurrency = 0;
  s.cores = 2;
  s.core_scheduling = scheduling;
  return s;
}

Workload one_request_each(std::uint64_t users) {
  Workload w = closed(users, 0);
  w.think_dist = "constant";
  w.requests_per_user = 1;
  return w;
}

TEST(Simulator, SharedCoresKeepSimultaneousRequestsInStep) {
  // Each progresses at 2/3 of a core: all three finish together at 1.5 s.
  const auto r = simulate(one_request_each(3), classic_on_two_cores(CoreScheduling::kShared), 1);
  EXPECT_EQ(r.summary.count, 3u);
  EXPECT_NEAR(r.summary.min_s, 1.5, 1e-9);
  EXPECT_NEAR(r.summary.max_s, 1.5, 1e-9);
}

TEST(Simulator, PerCoreQueuesBreakTheStep) {
  // Two on core 0 and one on core 1: the lone one finishes at 1 s; core 1 then takes one of the
  // two, which have 0.5 s left each: both finish at 1.5 s. Same work, same last finish.
  const auto r = simulate(one_request_each(3), classic_on_two_cores(CoreScheduling::kPerCore), 1);
  EXPECT_EQ(r.summary.count, 3u);
  EXPECT_NEAR(r.summary.min_s, 1.0, 1e-9);
  EXPECT_NEAR(r.summary.max_s, 1.5, 1e-9);
  EXPECT_NEAR(r.summary.mean_s, 4.0 / 3.0, 1e-9);
  // Five: 3 + 2. The pair finishes at 2 s (the three have 1/3 s left each); one moves over
  // and finishes at 2 1/3 s; one more moves then, and the last two finish at 2.5 s.
  const auto five =
      simulate(one_request_each(5), classic_on_two_cores(CoreScheduling::kPerCore), 1);
  EXPECT_EQ(five.summary.count, 5u);
  EXPECT_NEAR(five.summary.min_s, 2.0, 1e-9);
  EXPECT_NEAR(five.summary.max_s, 2.5, 1e-9);
  EXPECT_NEAR(five.summary.mean_s, (2 + 2 + 7.0 / 3 + 2.5 + 2.5) / 5, 1e-9);
}

TEST(Simulator, PerCoreQueuesKeepTheRepairmanMeansWithExponentialWork) {
  // With memoryless work only the number of busy cores matters: min(k, 2) either way.
  expect_repairman_on_two_cores(1.0, CoreScheduling::kPerCore);
}

TEST(Simulator, PerCoreQueuesReleaseTheCoreOfACancelledRequest) {
  // Four 1 s requests at 0 s on 2 cores (2 + 2, half a core each) time out at 1.2 s; a fifth
  // arrives at 1.5 s. Cancelled, the four free their cores and the fifth takes 1 s alone;
  // as orphans (0.4 s of work left each) they share the cores with it and it times out too.
  System s = classic_on_two_cores(CoreScheduling::kPerCore);
  s.timeout_s = 1.2;
  s.cancel_on_timeout = true;
  Workload w;
  w.arrival = "trace";
  w.trace = {0, 0, 0, 0, 1.5};
  ASSERT_TRUE(check(w, s));
  const auto cancelled = simulate(w, s, 1);
  EXPECT_EQ(cancelled.summary.count, 5u);
  EXPECT_EQ(cancelled.timeouts, 4u);
  EXPECT_NEAR(cancelled.summary.min_s, 1.0, 1e-9);
  s.cancel_on_timeout = false;
  const auto orphans = simulate(w, s, 1);
  EXPECT_EQ(orphans.timeouts, 5u);
}

TEST(Simulator, MmcMeanAndTail) {
  Workload w;
  w.rate = 1.6;
  auto p = predict(w, servers(4, 2.0, Routing::kFifo), des(8, 40000));
  ASSERT_TRUE(p) << p.error();
  const auto exact = mmc(1.6, 2.0, 4);
  expect_within(p->summary.mean_s, p->summary.mean_s_ci95, exact.mean_response, 1e-3, "mean");
  // p95 of the exact response-time distribution.
  double lo = 0, hi = 100;
  for (int i = 0; i < 100; ++i) {
    const double mid = (lo + hi) / 2;
    (mmc_response_tail(1.6, 2.0, 4, mid) > 0.05 ? lo : hi) = mid;
  }
  expect_within(p->summary.p95_s, p->summary.p95_s_ci95, hi, 1e-3, "p95");
}

TEST(Simulator, DeterministicPatienceInTheGatewayQueue) {
  Workload w;
  w.rate = 1.6;
  System s = servers(4, 2.0, Routing::kFifo);
  s.queue_timeout_s = 2.0;
  auto p = predict(w, s, des(8, 40000));
  ASSERT_TRUE(p) << p.error();
  const auto exact = mmc_deterministic_patience(1.6, 2.0, 4, 2.0);
  expect_within(p->summary.success_rate, p->summary.success_rate_ci95,
                1 - exact.abandon_probability, 1e-3, "success");
  EXPECT_NEAR(p->timeout_rate, exact.abandon_probability, 0.01);
}

TEST(Simulator, PollaczekKhinchinePerReplica) {
  Workload w;
  w.rate = 0.8;  // 0.4 per replica, ρ = 0.8
  auto p = predict(w, servers(2, 2.0, Routing::kRandom, 0.3), des(8, 40000));
  ASSERT_TRUE(p) << p.error();
  expect_within(p->summary.mean_s, p->summary.mean_s_ci95, 2.0 + mg1_wait(0.4, 2.0, 0.3), 1e-3,
                "mean");
}

TEST(Simulator, MaxInflightBlocking) {
  Workload w;
  w.rate = 0.4;
  System s = servers(1, 2.0, Routing::kRandom);
  s.concurrency = 1;
  s.max_inflight = 5;
  auto p = predict(w, s, des(8, 40000));
  ASSERT_TRUE(p) << p.error();
  const auto exact = mmck(0.4, 2.0, 1, 5);
  expect_within(p->summary.success_rate, p->summary.success_rate_ci95, 1 - exact.blocking, 1e-3,
                "success");
  EXPECT_NEAR(p->rejected_rate, exact.blocking, 0.01);
}

TEST(Simulator, TimeoutsWithoutCancellationCollapseTheClosedLoop) {
  // N/(τ+Z) = 30/8 = 3.75 requests/s offered once everything times out, capacity c/S = 2:
  // orphaned requests pile up and almost nothing succeeds.
  System s = servers(4, 2.0, Routing::kFifo);
  s.timeout_s = 3.0;
  Workload w = closed(30, 5);
  auto orphan = predict(w, s, des(4, 5000));
  ASSERT_TRUE(orphan) << orphan.error();
  EXPECT_LT(orphan->summary.success_rate, 0.05);
  EXPECT_GT(orphan->timeout_rate, 0.95);
  // Cancelling timed-out requests keeps the server useful.
  s.cancel_on_timeout = true;
  auto cancel = predict(w, s, des(4, 5000));
  ASSERT_TRUE(cancel) << cancel.error();
  EXPECT_GT(cancel->summary.success_rate, 0.3);
  // Below the collapse threshold (N/(τ+Z) < c/S) the loop stays healthy.
  s.cancel_on_timeout = false;
  s.timeout_s = 25;
  auto fine = predict(closed(10, 5), s, des(4, 5000));
  ASSERT_TRUE(fine) << fine.error();
  EXPECT_GT(fine->summary.success_rate, 0.99);
}

TEST(Simulator, FiniteRunsAreReproducibleAndCountEveryRequest) {
  Workload w = closed(5, 0.2);
  w.think_dist = "constant";
  w.requests_per_user = 37;
  w.ramp_up_s = 1;
  System s = servers(1, 0.05, Routing::kRandom, 0.1);
  const auto a = simulate(w, s, 5);
  const auto b = simulate(w, s, 5);
  EXPECT_EQ(a.summary.count, 5u * 37u);
  EXPECT_EQ(a.summary.mean_s, b.summary.mean_s);
  EXPECT_EQ(a.events, b.events);
  EXPECT_NE(simulate(w, s, 6).summary.mean_s, a.summary.mean_s);
  w.warmup_requests = 10;
  EXPECT_EQ(simulate(w, s, 5).summary.count, 5u * 37u - 10u);
}

// A time-boxed closed run (`faaslab load --duration` without --iterations): one user, no think
// time, a constant 0.1 s service, 1.05 s: sends at 0, 0.1, ... 1.0 s, 11 requests, the last
// finishing at 1.1 s; with a constant 0.3 s think the sends are at 0.3, 0.7 and 1.1 s... of
// which 0.3 and 0.7 fall inside 1.05 s. Two users with a 0.6 s ramp-up: the second starts at
// 0.6 s and sends at 0.6 and 0.7 ... 1.0 s too (5 requests).
TEST(Simulator, TimeBoxedClosedRunsStopSendingAtTheDuration) {
  Workload w = closed(1, 0);
  w.think_dist = "constant";
  w.duration_s = 1.05;
  System s = servers(1, 0.1, Routing::kRandom);
  s.service = Distribution::constant(0.1);
  s.cores = 0;
  EXPECT_TRUE(w.finite());
  EXPECT_EQ(simulate(w, s, 1).summary.count, 11u);
  w.think_s = 0.3;
  EXPECT_EQ(simulate(w, s, 1).summary.count, 2u);
  w.think_s = 0;
  w.users = 2;
  w.ramp_up_s = 1.2;  // user 1 starts at 0.6 s
  s.concurrency = 2;  // the two never wait for each other
  EXPECT_EQ(simulate(w, s, 1).summary.count, 11u + 5u);
}

// A request that finds the machine idle for at least idle_gap_s pays idle_penalty_s more work:
// one user, a constant 0.1 s service, 10 requests. With a 0.5 s think every request comes after
// an idle gap (0.12 s each); back to back only the first does (0.1 + 0.02 / 10 on average).
TEST(Simulator, RequestsAfterAnIdleGapPayThePenalty) {
  Workload w = closed(1, 0.5);
  w.think_dist = "constant";
  w.requests_per_user = 10;
  System s = servers(1, 0.1, Routing::kRandom);
  s.service = Distribution::constant(0.1);
  s.cores = 0;
  s.idle_penalty_s = 0.02;
  EXPECT_NEAR(simulate(w, s, 1).summary.mean_s, 0.12, 1e-9);
  w.think_s = 0;
  EXPECT_NEAR(simulate(w, s, 1).summary.mean_s, 0.102, 1e-9);
  s.idle_penalty_s = 0;
  EXPECT_NEAR(simulate(w, s, 1).summary.mean_s, 0.1, 1e-9);
  // A gap shorter than idle_gap_s is back to back: 2 ms of client time between requests.
  s.idle_penalty_s = 0.02;
  s.client_s = 0.002;
  EXPECT_NEAR(simulate(w, s, 1).summary.mean_s, 0.102, 1e-9);
}

TEST(Simulator, ScaleFromZeroPaysTheColdStart) {
  Workload w = closed(1, 1.0);
  w.requests_per_user = 5;
  w.think_dist = "constant";
  System s = servers(1, 0.1, Routing::kRandom, 0);
  s.initial_replicas = 0;
  s.cold_start = Distribution::constant(2.0);
  const auto r = simulate(w, s, 1);
  EXPECT_NEAR(r.summary.max_s, 2.1, 1e-9);  // the first request waits for the start
  EXPECT_NEAR(r.summary.min_s, 0.1, 1e-9);  // the others find it warm
  // Scaled to zero after idling, the next request is cold again.
  s.autoscaling.zero_after_s = 0.5;
  const auto again = simulate(w, s, 1);
  EXPECT_NEAR(again.summary.min_s, 2.1, 0.06);
}

TEST(Simulator, AutoscalingAddsReplicasUnderLoad) {
  Workload w;
  w.rate = 3;  // one replica serves 2/s
  w.duration_s = 120;
  System s = servers(1, 0.5, Routing::kRandom, 1);
  s.concurrency = 1;
  auto fixed = simulate(w, s, 3);
  s.autoscaling.enabled = true;
  s.autoscaling.type = "capacity";
  s.autoscaling.target = 1;
  s.autoscaling.proportion = 1;
  s.autoscaling.max_replicas = 4;
  s.cold_start = Distribution::constant(1.0);
  auto scaled = simulate(w, s, 3);
  EXPECT_GT(fixed.summary.mean_s, 10.0);  // the backlog grows for two minutes
  EXPECT_LT(scaled.summary.mean_s, 3.0);
  EXPECT_EQ(fixed.summary.count, scaled.summary.count);  // the same arrivals
}

TEST(Simulator, SummariesUseTheMeasurementDefinitions) {
  std::vector<SimRecord> recs;
  std::vector<experiment::RequestRow> rows;
  Rng rng(9);
  double t = 0;
  for (int i = 0; i < 500; ++i) {
    t += rng.exponential(0.1);
    const double latency = rng.exponential(0.05);
    const std::uint8_t outcome = i % 17 == 0 ? 1 : 0;
    recs.push_back(SimRecord{t, t + latency, outcome});
    experiment::RequestRow r;
    r.intended_wall_us = static_cast<std::int64_t>(std::llround(t * 1e6));
    r.end_wall_us = static_cast<std::int64_t>(std::llround((t + latency) * 1e6));
    r.latency_us = r.end_wall_us - r.intended_wall_us;
    r.outcome = outcome ? "timeout" : "ok";
    rows.push_back(r);
  }
  const auto mine = summarise_records(recs);
  const auto theirs = experiment::summarise_run(rows).front();
  EXPECT_EQ(mine.count, theirs.count);
  EXPECT_DOUBLE_EQ(mine.success_rate, theirs.success_rate);
  EXPECT_NEAR(mine.throughput_rps, theirs.throughput_rps, 1e-3);
  EXPECT_NEAR(mine.mean_s, theirs.mean_s, 2e-6);
  EXPECT_NEAR(mine.p95_s, theirs.p95_s, 2e-6);
  EXPECT_NEAR(mine.p99_s, theirs.p99_s, 2e-6);
  EXPECT_NEAR(mine.stddev_s, theirs.stddev_s, 2e-6);
}

}  // namespace
}  // namespace faaslab::model
