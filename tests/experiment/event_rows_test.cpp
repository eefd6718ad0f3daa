// Replica events as database rows, and the statuses' stored text: both are what databases
// written by earlier builds hold, so they must not change.
#include "experiment/event_rows.h"

#include <gtest/gtest.h>

#include "experiment/run_status.h"

namespace faaslab::experiment {
namespace {

TEST(EventRows, CopyEveryFieldAndTurnTheRuntimesUnsetValuesIntoNulls) {
  runtime::ReplicaEvent scale;
  scale.seq = 7;
  scale.wall_us = 1'700'000'000'000'000;
  scale.mono_us = 42;
  scale.function = "slblur";
  scale.kind = "scale";
  scale.from = 1;
  scale.to = 0;  // scaling to zero: 0 is a value, not "unset"
  scale.detail = "idle";
  runtime::ReplicaEvent ready;
  ready.function = "slblur";
  ready.replica = "slblur-1";
  ready.kind = "ready";
  ready.seconds = 0.25;

  const auto rows = to_event_rows({scale, ready});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].seq, 7u);
  EXPECT_EQ(rows[0].wall_us, 1'700'000'000'000'000);
  EXPECT_EQ(rows[0].mono_us, 42);
  EXPECT_EQ(rows[0].function, "slblur");
  EXPECT_EQ(rows[0].replica, "");
  EXPECT_EQ(rows[0].kind, "scale");
  EXPECT_EQ(rows[0].detail, "idle");
  EXPECT_EQ(rows[0].seconds, std::nullopt);
  EXPECT_EQ(rows[0].from_replicas, 1);
  EXPECT_EQ(rows[0].to_replicas, 0);
  EXPECT_EQ(rows[1].replica, "slblur-1");
  EXPECT_EQ(rows[1].seconds, 0.25);
  EXPECT_EQ(rows[1].from_replicas, std::nullopt);
  EXPECT_EQ(rows[1].to_replicas, std::nullopt);
}

TEST(RunStatus, StoredTextIsFixed) {
  EXPECT_EQ(status_text(RunStatus::kRunning), "running");
  EXPECT_EQ(status_text(RunStatus::kComplete), "complete");
  EXPECT_EQ(status_text(RunStatus::kFailed), "failed");
  EXPECT_EQ(status_text(CampaignStatus::kRunning), "running");
  EXPECT_EQ(status_text(CampaignStatus::kComplete), "complete");
  EXPECT_EQ(status_text(CampaignStatus::kFailed), "failed");
  EXPECT_EQ(status_text(CampaignStatus::kInterrupted), "interrupted");
  for (auto s : {RunStatus::kRunning, RunStatus::kComplete, RunStatus::kFailed})
    EXPECT_EQ(run_status_from_text(status_text(s)), s);
  EXPECT_EQ(run_status_from_text("interrupted"), RunStatus::kFailed);  // never complete
  EXPECT_EQ(run_status_from_text(""), RunStatus::kFailed);
}

}  // namespace
}  // namespace faaslab::experiment
