#include "common/units.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace faaslab {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(Duration, ParsesGoDurationsAndBareSeconds) {
  EXPECT_EQ(*parse_duration("25s"), seconds(25));
  EXPECT_EQ(*parse_duration("1m30s"), seconds(90));
  EXPECT_EQ(*parse_duration("500ms"), milliseconds(500));
  EXPECT_EQ(*parse_duration("1.5s"), milliseconds(1500));
  EXPECT_EQ(*parse_duration("2h"), seconds(7200));
  EXPECT_EQ(*parse_duration("250us"), Micros(250));
  EXPECT_EQ(*parse_duration("10"), seconds(10));  // the watchdogs read integers as seconds
  EXPECT_EQ(*parse_duration("0.5"), milliseconds(500));
  EXPECT_EQ(*parse_duration(" 3s "), seconds(3));
  EXPECT_EQ(*parse_duration("0"), Micros(0));
}

TEST(Duration, RejectsMalformedOrNegative) {
  for (const char* bad : {"", "-1s", "abc", "10x", "s", "1m30", "1..5s", "--1"}) {
    auto r = parse_duration(bad);
    EXPECT_FALSE(r.ok()) << bad;
  }
  EXPECT_NE(parse_duration("-5s").error().find("negative"), std::string::npos);
  EXPECT_NE(parse_duration("10x").error().find("unit"), std::string::npos);
}

// Found by campaign_fuzz: a duration given as a number (`timeout: 5e42`) was cast to Micros,
// which is undefined past its range.
TEST(Duration, SecondsFromInputAreCheckedBeforeTheCast) {
  EXPECT_EQ(*duration_from_seconds(1.5), Micros(1'500'000));
  EXPECT_EQ(*duration_from_seconds(0), Micros(0));
  EXPECT_EQ(duration_from_seconds(5e42).error(), "duration of 5e+42 s is too large");
  EXPECT_EQ(duration_from_seconds(-1).error(), "negative duration -1 s");
  EXPECT_FALSE(duration_from_seconds(std::numeric_limits<double>::infinity()).ok());
  EXPECT_FALSE(duration_from_seconds(std::nan("")).ok());
  EXPECT_TRUE(duration_from_seconds(9.2e12).ok());
  EXPECT_FALSE(duration_from_seconds(9.3e12).ok());
}

TEST(Duration, FormatsLikeGo) {
  EXPECT_EQ(format_duration(seconds(25)), "25s");
  EXPECT_EQ(format_duration(seconds(90)), "1m30s");
  EXPECT_EQ(format_duration(milliseconds(500)), "500ms");
  EXPECT_EQ(format_duration(milliseconds(1500)), "1.5s");
  EXPECT_EQ(format_duration(Micros(0)), "0s");
  EXPECT_EQ(format_duration(seconds(3600)), "1h0m0s");
}

TEST(ByteSize, ParsesUnits) {
  EXPECT_EQ(*parse_byte_size("32MiB"), 32ull << 20);
  EXPECT_EQ(*parse_byte_size("1MB"), 1000000u);
  EXPECT_EQ(*parse_byte_size("4096"), 4096u);
  EXPECT_EQ(*parse_byte_size("1.5kib"), 1536u);
  EXPECT_FALSE(parse_byte_size("12 parsecs").ok());
  EXPECT_FALSE(parse_byte_size("-1").ok());
  EXPECT_FALSE(parse_byte_size("").ok());
}

TEST(Count, ParsesSiSuffixes) {
  EXPECT_EQ(*parse_count("40M"), 40000000u);
  EXPECT_EQ(*parse_count("2k"), 2000u);
  EXPECT_EQ(*parse_count("17"), 17u);
  EXPECT_FALSE(parse_count("4Q").ok());
}

TEST(Bool, ParsesWatchdogSpellings) {
  EXPECT_TRUE(*parse_bool("true"));
  EXPECT_TRUE(*parse_bool("1"));
  EXPECT_FALSE(*parse_bool("false"));
  EXPECT_FALSE(*parse_bool("0"));
  EXPECT_FALSE(parse_bool("maybe").ok());
}

}  // namespace
}  // namespace faaslab
