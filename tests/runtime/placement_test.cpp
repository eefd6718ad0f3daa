// The placement policies' decisions, against values worked out by hand.
#include "runtime/placement.h"

#include <gtest/gtest.h>

namespace faaslab::runtime {
namespace {

PlacementOptions policy(Placement p) {
  PlacementOptions o;
  o.policy = p;
  return o;
}

TierLoad tier(int replicas, int inflight, int waiting, double response_s) {
  return TierLoad{replicas, inflight, waiting, response_s};
}

TEST(Placement, NamesRoundTripAndUnknownIsAnError) {
  for (auto p : {Placement::kSpread, Placement::kEdgeOnly, Placement::kCloudOnly, Placement::kSplit,
                 Placement::kEdgeFirst, Placement::kModel, Placement::kEdgeRetry}) {
    EXPECT_EQ(*placement_from_name(placement_name(p)), p);
  }
  auto bad = placement_from_name("nearest");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("edge-first"), std::string::npos);
}

TEST(Placement, LabelsAreCheckedByName) {
  auto o =
      placement_from_labels({{"com.faaslab.placement", "split"}, {"com.faaslab.split", "0.25"}});
  ASSERT_TRUE(o.ok()) << o.error();
  EXPECT_EQ(o->policy, Placement::kSplit);
  EXPECT_DOUBLE_EQ(o->split, 0.25);
  o = placement_from_labels(
      {{"com.faaslab.offload_threshold", "3"}, {"com.faaslab.edge_timeout", "2s"}});
  ASSERT_TRUE(o.ok()) << o.error();
  EXPECT_EQ(o->offload_threshold, 3);
  EXPECT_EQ(o->edge_timeout, std::chrono::seconds(2));
  EXPECT_EQ(placement_from_labels({})->policy, Placement::kSpread);
  for (const auto& [key, value] :
       std::map<std::string, std::string>{{"com.faaslab.placement", "closest"},
                                          {"com.faaslab.split", "1.5"},
                                          {"com.faaslab.split", "half"},
                                          {"com.faaslab.offload_threshold", "0"},
                                          {"com.faaslab.offload_threshold", "2.5"},
                                          {"com.faaslab.edge_timeout", "-1s"},
                                          {"com.faaslab.edge_timeout", "0s"}}) {
    auto e = placement_from_labels({{key, value}});
    ASSERT_FALSE(e.ok()) << key << "=" << value;
    EXPECT_NE(e.error().find(key), std::string::npos) << e.error();
  }
}

TEST(Placement, EstimatedWaitCountsTheRequestsAheadBeyondTheReplicas) {
  EXPECT_DOUBLE_EQ(estimated_wait_s(tier(2, 1, 0, 0.1)), 0);     // a replica is free
  EXPECT_DOUBLE_EQ(estimated_wait_s(tier(2, 2, 0, 0.1)), 0.05);  // 1 ahead, shared by 2
  EXPECT_DOUBLE_EQ(estimated_wait_s(tier(2, 2, 3, 0.1)), 0.2);   // 4 ahead * 0.1 / 2
  EXPECT_DOUBLE_EQ(estimated_wait_s(tier(1, 5, 0, 0)), 0);       // nothing measured yet
  EXPECT_DOUBLE_EQ(estimated_wait_s(tier(0, 5, 0, 0.1)), 0);
}

TEST(Placement, FixedPoliciesIgnoreLoad) {
  PlacementInput in{tier(1, 50, 50, 1), tier(1, 0, 0, 0.1), 0.05, 0.9};
  EXPECT_EQ(decide_placement(policy(Placement::kEdgeOnly), in).tier, Tier::kEdge);
  in = PlacementInput{tier(1, 0, 0, 0.1), tier(1, 50, 0, 1), 0.05, 0.1};
  EXPECT_EQ(decide_placement(policy(Placement::kCloudOnly), in).tier, Tier::kCloud);
  // Even with no replica there: the request waits for one (edge-only means edge only).
  in.edge.replicas = 0;
  EXPECT_EQ(decide_placement(policy(Placement::kEdgeOnly), in).tier, Tier::kEdge);
}

TEST(Placement, SplitSendsTheDrawnShareToTheCloud) {
  PlacementOptions o = policy(Placement::kSplit);
  o.split = 0.3;
  PlacementInput in{tier(1, 0, 0, 0), tier(1, 0, 0, 0), 0.05, 0.0};
  int cloud = 0;
  for (int i = 0; i < 100; ++i) {
    in.draw = (i + 0.5) / 100;
    if (decide_placement(o, in).tier == Tier::kCloud) ++cloud;
  }
  EXPECT_EQ(cloud, 30);
}

TEST(Placement, EdgeFirstOffloadsAtTheThreshold) {
  PlacementOptions o = policy(Placement::kEdgeFirst);
  o.offload_threshold = 3;
  PlacementInput in{tier(1, 2, 0, 0), tier(2, 0, 0, 0), 0.5, 0};
  EXPECT_EQ(decide_placement(o, in).tier, Tier::kEdge);  // 2 < 3, nothing measured
  in.edge.waiting = 1;                                   // 3 at the edge
  auto d = decide_placement(o, in);
  EXPECT_EQ(d.tier, Tier::kCloud);
  EXPECT_NE(d.reason.find("saturated (3 requests >= threshold 3)"), std::string::npos) << d.reason;
}

TEST(Placement, EdgeFirstDefaultThresholdIsEveryEdgeReplicaBusy) {
  PlacementOptions o = policy(Placement::kEdgeFirst);
  PlacementInput in{tier(2, 1, 0, 0), tier(1, 0, 0, 0), 0.5, 0};
  EXPECT_EQ(decide_placement(o, in).tier, Tier::kEdge);
  in.edge.inflight = 2;
  EXPECT_EQ(decide_placement(o, in).tier, Tier::kCloud);
}

TEST(Placement, EdgeFirstOffloadsWhenTheQueueWaitExceedsTheCloudsExtra) {
  PlacementOptions o = policy(Placement::kEdgeFirst);
  o.offload_threshold = 100;  // not the reason here
  // Edge: 1 replica, 3 in flight, 0.2 s each: a new request waits 3 * 0.2 = 0.6 s.
  PlacementInput in{tier(1, 3, 0, 0.2), tier(1, 0, 0, 0.3), 0.5, 0};
  auto d = decide_placement(o, in);
  EXPECT_EQ(d.tier, Tier::kCloud);  // 0.6 > 0.5 + 0
  EXPECT_NE(d.reason.find("0.600 s > cloud's extra 0.500 s"), std::string::npos) << d.reason;
  in.cloud_extra_s = 0.7;  // 0.6 < 0.7
  EXPECT_EQ(decide_placement(o, in).tier, Tier::kEdge);
}

TEST(Placement, ModelPicksTheLowerPredictedResponse) {
  PlacementOptions o = policy(Placement::kModel);
  // Edge: 1 replica, 1 in flight, 0.2 s: 0.2 wait + 0.2 = 0.4. Cloud: 2 replicas idle, 0.35 s
  // measured (link included): 0.35. The cloud wins.
  PlacementInput in{tier(1, 1, 0, 0.2), tier(2, 0, 0, 0.35), 0.1, 0};
  auto d = decide_placement(o, in);
  EXPECT_EQ(d.tier, Tier::kCloud);
  EXPECT_NE(d.reason.find("edge 0.400 s vs cloud 0.350 s"), std::string::npos) << d.reason;
  in.edge.inflight = 0;  // edge 0.2 < cloud 0.35
  EXPECT_EQ(decide_placement(o, in).tier, Tier::kEdge);
  // The cloud not measured yet: taken as the edge's time plus the link (0.2 + 0.1 = 0.3).
  in = PlacementInput{tier(1, 1, 0, 0.2), tier(2, 0, 0, 0), 0.1, 0};
  d = decide_placement(o, in);
  EXPECT_EQ(d.tier, Tier::kCloud);  // 0.3 < 0.4
  EXPECT_NE(d.reason.find("cloud 0.300 s"), std::string::npos) << d.reason;
  in = PlacementInput{tier(1, 5, 0, 0), tier(2, 0, 0, 0), 0.1, 0};
  EXPECT_EQ(decide_placement(o, in).tier, Tier::kEdge);  // nothing measured
}

TEST(Placement, AnEmptyTierFallsBackToTheOther) {
  PlacementInput in{tier(0, 0, 0, 0), tier(1, 0, 0, 0.1), 0.1, 0.0};
  auto d = decide_placement(policy(Placement::kEdgeFirst), in);
  EXPECT_EQ(d.tier, Tier::kCloud);
  EXPECT_NE(d.reason.find("no edge replica"), std::string::npos);
  in = PlacementInput{tier(1, 0, 0, 0.1), tier(0, 0, 0, 0), 0.1, 0.0};
  PlacementOptions split = policy(Placement::kSplit);
  split.split = 1;
  d = decide_placement(split, in);
  EXPECT_EQ(d.tier, Tier::kEdge);
  EXPECT_NE(d.reason.find("no cloud replica"), std::string::npos);
}

TEST(Placement, EdgeRetryStartsAtTheEdge) {
  PlacementInput in{tier(1, 9, 9, 1), tier(1, 0, 0, 0.1), 0.1, 0};
  EXPECT_EQ(decide_placement(policy(Placement::kEdgeRetry), in).tier, Tier::kEdge);
}

}  // namespace
}  // namespace faaslab::runtime
