// The pool's dispatcher on fake replicas and a fake clock: routing, the wait queue and its
// limits, retries of refused requests, broken and retired replicas.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>

#include "runtime/dispatcher.h"

namespace faaslab::runtime {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const SteadyClock::time_point t0{seconds(5000)};

std::shared_ptr<PendingRequest> request(SteadyClock::time_point at = t0) {
  return std::make_shared<PendingRequest>(at);
}

Dispatcher with_replicas(DispatchOptions o, std::initializer_list<ReplicaId> ids,
                         std::uint64_t seed = 42) {
  Dispatcher d(o, seed);
  for (ReplicaId id : ids) d.add_replica(id);
  return d;
}

DispatchOptions routing(Routing r) {
  DispatchOptions o;
  o.routing = r;
  return o;
}

TEST(Dispatcher, RandomRoutingIsSeededAndSpreadsOverEveryReplica) {
  auto run = [](std::uint64_t seed) {
    auto d = with_replicas(routing(Routing::kRandom), {1, 2, 3}, seed);
    std::vector<ReplicaId> picks;
    for (int i = 0; i < 300; ++i) {
      auto a = d.route(request());
      EXPECT_TRUE(a.has_value());
      picks.push_back(a->replica);
      d.finish(*a, false, true);
    }
    return picks;
  };
  const auto picks = run(7);
  EXPECT_EQ(picks, run(7)) << "the same seed routes the same way";
  EXPECT_NE(picks, run(8));
  std::map<ReplicaId, int> counts;
  for (ReplicaId id : picks) counts[id]++;
  ASSERT_EQ(counts.size(), 3u);
  for (const auto& [id, n] : counts) EXPECT_GT(n, 60) << "replica " << id;
}

TEST(Dispatcher, RoundRobinCyclesAndLeastInflightFillsTheIdlest) {
  auto rr = with_replicas(routing(Routing::kRoundRobin), {1, 2, 3});
  std::vector<ReplicaId> order;
  for (int i = 0; i < 6; ++i) order.push_back(rr.route(request())->replica);
  EXPECT_EQ(order, (std::vector<ReplicaId>{1, 2, 3, 1, 2, 3}));

  auto least = with_replicas(routing(Routing::kLeastInflight), {1, 2});
  const auto a = *least.route(request());
  const auto b = *least.route(request());
  EXPECT_NE(a.replica, b.replica) << "the second request goes to the idle replica";
  least.finish(a, false, true);
  EXPECT_EQ(least.route(request())->replica, a.replica);
  EXPECT_EQ(least.inflight(), 2);
}

TEST(Dispatcher, FifoQueuesCentrallyAndRespectsConcurrency) {
  DispatchOptions o = routing(Routing::kFifo);
  o.concurrency = 2;
  auto d = with_replicas(o, {1});
  EXPECT_FALSE(d.route(request()).has_value()) << "fifo always goes through the queue";
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(d.enqueue(request()));
  auto assigned = d.assign_waiting();
  ASSERT_EQ(assigned.size(), 2u) << "one replica takes `concurrency` requests at once";
  EXPECT_EQ(d.waiting(), 1u);
  d.finish(assigned[0], false, true);
  EXPECT_EQ(d.assign_waiting().size(), 1u);
  EXPECT_EQ(d.waiting(), 0u);
}

TEST(Dispatcher, ARequestNobodyCanTakeWaitsAndTheQueueHasALimit) {
  DispatchOptions o;
  o.queue_limit = 2;
  Dispatcher d(o, 1);
  EXPECT_FALSE(d.route(request()).has_value()) << "no replica yet";
  EXPECT_TRUE(d.enqueue(request()));
  EXPECT_TRUE(d.enqueue(request()));
  EXPECT_FALSE(d.enqueue(request())) << "the third is refused: the pool answers 429";
  EXPECT_FALSE(d.route(request()).has_value()) << "nobody overtakes waiting requests";
  d.add_replica(1);
  EXPECT_EQ(d.assign_waiting().size(), 2u) << "random routing takes any number at once";
}

TEST(Dispatcher, WaitingRequestsExpireAfterTheTimeoutFromTheirArrival) {
  DispatchOptions o;
  o.timeout = seconds(2);
  Dispatcher d(o, 1);
  auto old = request(t0);
  auto young = request(t0 + milliseconds(1500));
  d.enqueue(old);
  d.enqueue(young);
  EXPECT_TRUE(d.expire(t0 + milliseconds(1999)).empty());
  auto expired = d.expire(t0 + seconds(2));
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0], old) << "the pool answers it 504";
  EXPECT_EQ(d.waiting(), 1u);
  EXPECT_EQ(d.expire(t0 + milliseconds(3500)).size(), 1u);
}

TEST(Dispatcher, ARefusedRequestIsRetriedOnAnotherReplicaThenGivenUp) {
  DispatchOptions o = routing(Routing::kRoundRobin);
  o.max_refusals = 3;
  auto d = with_replicas(o, {1, 2});
  auto r = request();
  auto a = *d.route(r);
  EXPECT_EQ(a.replica, 1);
  // Replica 1 refused it unprocessed (connection refused, or a marked 503): it waits again, at
  // the front, as a cold request, and replica 1 leaves the rotation.
  EXPECT_TRUE(d.set_broken(1, true));
  EXPECT_TRUE(d.finish(a, /*refused_unprocessed=*/true, /*may_retry=*/true));
  EXPECT_TRUE(r->cold);
  EXPECT_EQ(r->attempts, 1);
  auto retry = d.assign_waiting();
  ASSERT_EQ(retry.size(), 1u);
  EXPECT_EQ(retry[0].replica, 2) << "not the broken replica";
  EXPECT_TRUE(d.finish(retry[0], true, true));
  EXPECT_TRUE(d.finish(d.assign_waiting().at(0), true, true));
  EXPECT_EQ(r->attempts, 3);
  EXPECT_FALSE(d.finish(d.assign_waiting().at(0), true, true))
      << "after max_refusals the request fails instead of waiting again";
  EXPECT_EQ(d.waiting(), 0u);
  // A processed failure is never retried, nor is anything while the pool stops.
  auto other = *d.route(request());
  EXPECT_FALSE(d.finish(other, false, true));
  auto stopping = *d.route(request());
  EXPECT_FALSE(d.finish(stopping, true, /*may_retry=*/false));
}

TEST(Dispatcher, ABrokenReplicaLeavesTheRotationAndComesBack) {
  auto d = with_replicas(routing(Routing::kRandom), {1, 2});
  EXPECT_TRUE(d.set_broken(2, true));
  EXPECT_FALSE(d.set_broken(2, true)) << "already broken: the pool schedules one health check";
  EXPECT_EQ(d.routable(), 1);
  for (int i = 0; i < 50; ++i) {
    auto a = *d.route(request());
    EXPECT_EQ(a.replica, 1);
    d.finish(a, false, true);
  }
  EXPECT_TRUE(d.set_broken(2, false));
  std::set<ReplicaId> seen;
  for (int i = 0; i < 50; ++i) seen.insert(d.route(request())->replica);
  EXPECT_EQ(seen, (std::set<ReplicaId>{1, 2}));
}

TEST(Dispatcher, ARetiredReplicaTakesNothingNewButItsRequestsFinish) {
  auto d = with_replicas(routing(Routing::kRoundRobin), {1, 2});
  auto on_one = *d.route(request());
  ASSERT_EQ(on_one.replica, 1);
  d.retire_replica(1);  // scaled down or redeployed: it drains
  EXPECT_EQ(d.inflight(1), 1);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(d.route(request())->replica, 2);
  d.finish(on_one, false, true);
  EXPECT_EQ(d.inflight(1), 0) << "the pool stops it now";
  d.remove_replica(1);
  // A late answer from a replica already gone changes nobody else's count.
  EXPECT_FALSE(d.finish(on_one, false, true));
  EXPECT_EQ(d.inflight(2), 5);
  EXPECT_EQ(d.inflight(), 5);
}

TEST(Dispatcher, NewOptionsKeepWaitingRequests) {
  DispatchOptions o;
  Dispatcher d(o, 1);
  d.enqueue(request());
  o.routing = Routing::kFifo;
  o.concurrency = 1;
  d.set_options(o);
  d.add_replica(9);
  auto a = d.assign_waiting();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].replica, 9);
}

std::shared_ptr<PendingRequest> for_group(int group) {
  auto r = request();
  r->group = group;
  return r;
}

TEST(Dispatcher, AGroupsRequestsGoOnlyToItsReplicas) {
  Dispatcher d(routing(Routing::kRandom), 7);
  d.add_replica(1, 0);
  d.add_replica(2, 1);
  d.add_replica(3, 1);
  for (int i = 0; i < 50; ++i) {
    auto edge = d.route(for_group(0));
    ASSERT_TRUE(edge);
    EXPECT_EQ(edge->replica, 1);
    auto cloud = d.route(for_group(1));
    ASSERT_TRUE(cloud);
    EXPECT_NE(cloud->replica, 1);
  }
  EXPECT_EQ(d.routable_in(1), 2);
  EXPECT_EQ(d.inflight_in(0), 50);
  EXPECT_EQ(d.inflight_in(1), 50);
  std::set<ReplicaId> any;
  for (int i = 0; i < 60; ++i) any.insert(d.route(request())->replica);  // any group: all three
  EXPECT_EQ(any.size(), 3u);
}

TEST(Dispatcher, AGroupWithNoFreeReplicaDoesNotHoldBackAnother) {
  DispatchOptions o = routing(Routing::kFifo);
  o.concurrency = 1;
  Dispatcher d(o, 7);
  d.add_replica(1, 0);  // edge
  d.add_replica(2, 1);  // cloud
  ASSERT_TRUE(d.enqueue(for_group(0)));
  ASSERT_TRUE(d.enqueue(for_group(0)));  // waits behind the first: one edge replica
  ASSERT_TRUE(d.enqueue(for_group(1)));
  auto first = d.assign_waiting();
  ASSERT_EQ(first.size(), 2u);  // one edge, and the cloud one past the waiting edge request
  EXPECT_EQ(first[0].replica, 1);
  EXPECT_EQ(first[1].replica, 2);
  EXPECT_EQ(d.waiting_for(0), 1);
  EXPECT_EQ(d.waiting_for(1), 0);
  // A cloud request now waits for nothing but the busy cloud replica, not for the edge queue.
  EXPECT_FALSE(d.route(for_group(1)));
  d.finish(first[0], false, false);
  auto second = d.assign_waiting();
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].replica, 1);
}

TEST(Dispatcher, RouteKeepsOrderOnlyWithinAGroup) {
  Dispatcher d(routing(Routing::kRandom), 7);
  d.add_replica(2, 1);
  ASSERT_TRUE(d.enqueue(for_group(0)));  // waits: no edge replica
  auto cloud = d.route(for_group(1));    // goes straight to the cloud replica
  ASSERT_TRUE(cloud);
  EXPECT_EQ(cloud->replica, 2);
  EXPECT_FALSE(d.route(for_group(0)));  // behind the edge request already waiting
}

}  // namespace
}  // namespace faaslab::runtime
