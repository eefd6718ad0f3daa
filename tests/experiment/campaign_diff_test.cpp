// What --resume compares: two definitions of a campaign as stored (campaign_to_json), the
// differences named field by field, and the edits that change no run not counted.
#include "experiment/campaign_diff.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "experiment/campaign.h"

namespace faaslab::experiment {
namespace {

using nlohmann::json;
using testing::ElementsAre;
using testing::IsEmpty;

constexpr const char* kBase = "/campaigns/study";

constexpr const char* kCampaign = R"(
name: study
target:
  stack: ../deploy/stack.yml
  functions: {classic: slblur, http: slblur-warm}
workload:
  video: data/face.mp4
  frame_step: 3
  codec: png
grid:
  users: [1, 2]
  think: [0s, 500ms]
repetitions: 2
cooldown: 1s
)";

json spec_of(const std::string& yaml) {
  auto c = parse_campaign(yaml, kBase);
  EXPECT_TRUE(c.ok()) << c.error();
  return c.ok() ? campaign_to_json(*c) : json();
}

// The campaign with one line replaced.
std::string edited(const std::string& from, const std::string& to) {
  std::string y = kCampaign;
  const auto at = y.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) y.replace(at, from.size(), to);
  return y;
}

TEST(CampaignDiff, TheSameDefinitionHasNoDifference) {
  EXPECT_THAT(campaign_differences(spec_of(kCampaign), spec_of(kCampaign)), IsEmpty());
}

TEST(CampaignDiff, CommentsWhitespaceAndSpellingsAreNotDifferences) {
  const std::string respelled =
      "# the study, re-read\nname:   study\ntarget:\n  stack: ../deploy/./stack.yml   # same\n"
      "  functions:\n    classic: slblur\n    http: slblur-warm\n"
      "workload: {video: data/face.mp4, frame_step: 3, codec: png}\n"
      "grid:\n  think: [\"500ms\", 0ms]   # order and spelling of values\n"
      "  users:\n    - 2\n    - 1\n\nrepetitions: 2\ncooldown: 5s   # pauses change no run\n";
  EXPECT_THAT(campaign_differences(spec_of(kCampaign), spec_of(respelled)), IsEmpty());
  // Where the file is does not matter either.
  json moved = spec_of(kCampaign);
  moved["file"] = "/elsewhere/c.yaml";
  EXPECT_THAT(campaign_differences(spec_of(kCampaign), moved), IsEmpty());
}

TEST(CampaignDiff, AGridValueAddedOrRemovedIsNamed) {
  EXPECT_THAT(campaign_differences(spec_of(kCampaign),
                                   spec_of(edited("users: [1, 2]", "users: [1, 2, 4]"))),
              ElementsAre("grid.users: 4 added"));
  EXPECT_THAT(campaign_differences(spec_of(kCampaign),
                                   spec_of(edited("think: [0s, 500ms]", "think: [0s, 1s]"))),
              ElementsAre("grid.think: 1s added; 500ms removed"));
}

TEST(CampaignDiff, AnAxisAddedOrRemovedIsNamed) {
  EXPECT_THAT(campaign_differences(spec_of(kCampaign),
                                   spec_of(edited("grid:\n", "grid:\n  mode: [classic, http]\n"))),
              ElementsAre("grid.mode: axis added (classic, http)"));
  EXPECT_THAT(
      campaign_differences(spec_of(kCampaign), spec_of(edited("  think: [0s, 500ms]\n", ""))),
      ElementsAre("grid.think: axis removed (was 0s, 500ms)"));
}

TEST(CampaignDiff, RunDefinitionFieldsAreNamedWithBothValues) {
  EXPECT_THAT(
      campaign_differences(spec_of(kCampaign), spec_of(edited("repetitions: 2", "repetitions: 3"))),
      ElementsAre("repetitions: 2 stored, 3 now"));
  EXPECT_THAT(
      campaign_differences(spec_of(kCampaign), spec_of(edited("codec: png", "codec: jpeg"))),
      ElementsAre("workload.defaults.codec: png stored, jpeg now"));
  EXPECT_THAT(
      campaign_differences(spec_of(kCampaign), spec_of(edited("frame_step: 3", "frame_step: 4"))),
      ElementsAre("workload.frame_step: 3 stored, 4 now"));
  EXPECT_THAT(
      campaign_differences(spec_of(kCampaign), spec_of(edited("data/face.mp4", "data/other.mp4"))),
      ElementsAre("workload.video: /campaigns/study/data/face.mp4 stored, "
                  "/campaigns/study/data/other.mp4 now"));
}

TEST(CampaignDiff, EveryDifferenceIsListed) {
  const auto both = edited("users: [1, 2]", "users: [1]");
  std::string y = both;
  y.replace(y.find("repetitions: 2"), 14, "repetitions: 1");
  EXPECT_THAT(campaign_differences(spec_of(kCampaign), spec_of(y)),
              ElementsAre("grid.users: 2 removed", "repetitions: 2 stored, 1 now"));
}

TEST(CampaignDiff, GridValuesHaveOneCanonicalText) {
  EXPECT_EQ(grid_value_text("think", "1000ms"), grid_value_text("think", "1s"));
  EXPECT_EQ(grid_value_text("think", 0.5), "500ms");
  EXPECT_EQ(grid_value_text("users", 2), "2");
  EXPECT_EQ(grid_value_text("mode", "http"), "http");
  EXPECT_EQ(grid_value_text("frame_size", "640x480"), "640x480");
  EXPECT_EQ(grid_value_text("users", -1), "-1") << "a refused value is its JSON text";
}

}  // namespace
}  // namespace faaslab::experiment
