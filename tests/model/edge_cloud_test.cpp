// The edge–cloud model against values worked out by hand, and its two methods against each
// other.
#include "model/edge_cloud.h"
#include "model/edge_cloud_plan.h"

#include <gtest/gtest.h>

namespace faaslab::model {
namespace {

using runtime::Placement;

// 100 kB each way; the client 2 ms from the edge at 100 Mbit/s (8 ms per transfer); the cloud
// 23 ms beyond at 20 Mbit/s up (40 ms) and 100 Mbit/s down (8 ms). Edge 20 ms per request,
// cloud 10 ms.
EdgeCloudSystem reference(Placement policy) {
  EdgeCloudSystem s;
  s.client = {0.002, 100e6, 100e6};
  s.cloud = {0.023, 20e6, 100e6};
  s.edge = {0.020, 1, 1};
  s.cloud_node = {0.010, 1, 1};
  s.request_bytes = s.response_bytes = 100000;
  s.placement.policy = policy;
  return s;
}

EdgeCloudWorkload users(std::uint64_t n, double think = 0) {
  return EdgeCloudWorkload{n, think, true};
}

TEST(EdgeCloudModel, OneUserAddsUpItsStations) {
  auto edge = predict_edge_cloud(users(1), reference(Placement::kEdgeOnly));
  ASSERT_TRUE(edge.ok()) << edge.error();
  EXPECT_NEAR(edge->mean_s, 0.004 + 0.016 + 0.020, 1e-12);  // delays, transfers, the node
  EXPECT_NEAR(edge->throughput_rps, 1 / 0.040, 1e-9);
  EXPECT_EQ(edge->method, "mva");
  auto cloud = predict_edge_cloud(users(1), reference(Placement::kCloudOnly));
  ASSERT_TRUE(cloud.ok());
  // 4 + 16 at the client's link, 46 of delay and 40 + 8 of transfer to the cloud, 10 there.
  EXPECT_NEAR(cloud->mean_s, 0.124, 1e-12);
  EXPECT_DOUBLE_EQ(cloud->offload_share, 1);
  EdgeCloudSystem half = reference(Placement::kSplit);
  half.placement.split = 0.5;
  auto split = predict_edge_cloud(users(1), half);
  ASSERT_TRUE(split.ok());
  EXPECT_NEAR(split->mean_s, 0.5 * 0.040 + 0.5 * 0.124, 1e-12);
  EXPECT_NEAR(split->edge_mean_s, 0.040, 1e-12);
  EXPECT_NEAR(split->cloud_mean_s, 0.124, 1e-12);
}

TEST(EdgeCloudModel, TwoUsersQueueAsMvaSays) {
  // n = 1: R = 4 + 8 + 8 + 20 = 40 ms, X = 25/s, P(1 at the uplink) = 0.2, at the edge 0.5.
  // n = 2: R = 4 + 8 * 1.2 + 8 * 1.2 + 20 * 1.5 = 53.2 ms.
  auto r = predict_edge_cloud(users(2), reference(Placement::kEdgeOnly));
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(r->mean_s, 0.0532, 1e-12);
  EXPECT_NEAR(r->throughput_rps, 2 / 0.0532, 1e-9);
}

TEST(EdgeCloudModel, SaturatesAtTheBottleneck) {
  EdgeCloudSystem s = reference(Placement::kEdgeOnly);
  s.edge.parallelism = 2;  // 2 / 20 ms = 100/s, above the client link's 125/s? no: 1/8 ms
  auto r = predict_edge_cloud(users(60), s);
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(r->throughput_rps, 100, 1.0);  // the edge node, 2 at a time, 20 ms each
  EXPECT_GT(r->edge_utilization, 0.98);
  s = reference(Placement::kCloudOnly);
  r = predict_edge_cloud(users(60), s);
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(r->throughput_rps, 25, 0.3);  // the 20 Mbit/s uplink: 40 ms per frame
  EXPECT_GT(r->uplink_utilization, 0.98);
}

TEST(EdgeCloudModel, SimulationAgreesWithMvaOnASplit) {
  EdgeCloudSystem s = reference(Placement::kSplit);
  s.placement.split = 0.3;
  const auto w = users(4, 0.05);
  const auto exact = mva_edge_cloud(w, s, 0.3);
  const auto sim = simulate_edge_cloud(w, s, 7, 60000);
  EXPECT_NEAR(sim.offload_share, 0.3, 0.01);
  EXPECT_NEAR(sim.mean_s / exact.mean_s, 1, 0.03) << sim.mean_s << " vs " << exact.mean_s;
  EXPECT_NEAR(sim.throughput_rps / exact.throughput_rps, 1, 0.03);
}

TEST(EdgeCloudModel, EdgeFirstOffloadsOnlyUnderLoad) {
  EdgeCloudSystem s = reference(Placement::kEdgeFirst);
  s.placement.offload_threshold = 1;
  auto alone = predict_edge_cloud(users(1), s);
  ASSERT_TRUE(alone.ok());
  EXPECT_EQ(alone->method, "des");
  EXPECT_DOUBLE_EQ(alone->offload_share, 0);  // the edge is always free for one user
  EXPECT_NEAR(alone->mean_s, 0.040, 0.004);   // exponential work: a sampled mean of 20 ms
  auto busy = predict_edge_cloud(users(8), s);
  ASSERT_TRUE(busy.ok());
  EXPECT_GT(busy->offload_share, 0.3);
  // Better than either tier alone under that load.
  auto edge = *predict_edge_cloud(users(8), reference(Placement::kEdgeOnly));
  auto cloud = *predict_edge_cloud(users(8), reference(Placement::kCloudOnly));
  EXPECT_LT(busy->mean_s, std::min(edge.mean_s, cloud.mean_s));
}

TEST(EdgeCloudModel, TheEdgeLosesItsAdvantageAsItsQueueGrows) {
  // Half a core at the edge (40 ms a frame), a cloud of 1.5 cores (15 ms, 1.5 at once).
  EdgeCloudSystem edge = reference(Placement::kEdgeOnly), cloud = reference(Placement::kCloudOnly);
  edge.edge = cloud.edge = {0.040, 1, 1};
  edge.cloud_node = cloud.cloud_node = {0.015, 1.5, 2};
  // 50 kB frames: the uplink carries 50 a second, so the cloud outlasts the edge's 25.
  edge.request_bytes = edge.response_bytes = cloud.request_bytes = cloud.response_bytes = 50000;
  int crossover = 0;
  for (std::uint64_t n = 1; n <= 40 && crossover == 0; ++n) {
    if (predict_edge_cloud(users(n, 0.5), edge)->mean_s >
        predict_edge_cloud(users(n, 0.5), cloud)->mean_s)
      crossover = static_cast<int>(n);
  }
  EXPECT_GT(crossover, 1);   // the edge is faster for one user
  EXPECT_LT(crossover, 40);  // and slower once enough users queue there
}

TEST(EdgeCloudModel, BadInputIsAnErrorNamingTheField) {
  EdgeCloudSystem s = reference(Placement::kEdgeOnly);
  EXPECT_NE(predict_edge_cloud(users(0), s).error().find("users"), std::string::npos);
  s.edge.service_s = 0;
  EXPECT_NE(predict_edge_cloud(users(1), s).error().find("edge.service_s"), std::string::npos);
  s = reference(Placement::kEdgeRetry);
  EXPECT_NE(predict_edge_cloud(users(1), s).error().find("covers"), std::string::npos);
  s = reference(Placement::kEdgeOnly);
  s.cloud.up_bps = -1;
  EXPECT_FALSE(predict_edge_cloud(users(1), s).ok());
}

TEST(EdgeCloudPlan, PicksTheCheapestPlacementThatMeetsTheObjectives) {
  EdgeCloudSystem s = reference(Placement::kEdgeOnly);
  s.edge.slots = s.cloud_node.slots = 2;
  s.edge.service_cv = s.cloud_node.service_cv = 0.2;
  std::vector<Objective> light = {*Objective::parse("mean<0.1s")};
  auto plan = plan_edge_cloud(users(1, 1.0), s, light, EdgeCloudPlanOptions{});
  ASSERT_TRUE(plan.ok()) << plan.error();
  ASSERT_NE(plan->chosen(), nullptr);
  EXPECT_EQ(plan->chosen()->placement.policy, Placement::kEdgeOnly);  // one replica, 40 ms
  EXPECT_EQ(plan->chosen()->edge_replicas, 1);
  // 16 users, no think: the edge gives 50/s, the cloud's uplink 25/s; 60/s needs both.
  std::vector<Objective> heavy = {*Objective::parse("throughput>=60")};
  plan = plan_edge_cloud(users(16), s, heavy, EdgeCloudPlanOptions{});
  ASSERT_TRUE(plan.ok()) << plan.error();
  ASSERT_NE(plan->chosen(), nullptr);
  const auto policy = plan->chosen()->placement.policy;
  EXPECT_TRUE(policy == Placement::kSplit || policy == Placement::kEdgeFirst)
      << plan->chosen()->describe();
  EXPECT_GE(plan->chosen()->prediction.throughput_rps, 60);
  // Out of reach: no candidate, the closest first.
  std::vector<Objective> impossible = {*Objective::parse("throughput>=500")};
  plan = plan_edge_cloud(users(16), s, impossible, EdgeCloudPlanOptions{});
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->chosen(), nullptr);
  EXPECT_FALSE(plan->candidates.front().missed.empty());
  auto bad = plan_edge_cloud(users(1), s, {*Objective::parse("p50<1s")}, EdgeCloudPlanOptions{});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("judges mean, p95"), std::string::npos);
}

}  // namespace
}  // namespace faaslab::model
