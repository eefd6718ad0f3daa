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

// A number past double's range threw std::out_of_range out of std::stod.
TEST(Duration, ANumberPastDoublesRangeIsAnErrorNotAnException) {
  const std::string huge(400, '9');
  EXPECT_FALSE(parse_duration(huge + "s").ok());
  EXPECT_FALSE(parse_byte_size(huge).ok());
  EXPECT_FALSE(parse_count(huge).ok());
  EXPECT_FALSE(parse_bandwidth(huge + "bit").ok());
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

TEST(UnitsBandwidth, ParsesBitRatesAsTcAndNetworkPeopleWriteThem) {
  EXPECT_DOUBLE_EQ(*parse_bandwidth("100Mbit"), 100e6);
  EXPECT_DOUBLE_EQ(*parse_bandwidth("100Mbit/s"), 100e6);
  EXPECT_DOUBLE_EQ(*parse_bandwidth("100mbit"), 100e6);  // tc
  EXPECT_DOUBLE_EQ(*parse_bandwidth("100MBIT"), 100e6);
  EXPECT_DOUBLE_EQ(*parse_bandwidth("100Mbps"), 100e6);
  EXPECT_DOUBLE_EQ(*parse_bandwidth("100Mb/s"), 100e6);
  EXPECT_DOUBLE_EQ(*parse_bandwidth("1Gbit"), 1e9);
  EXPECT_DOUBLE_EQ(*parse_bandwidth("1.5Gbit/s"), 1.5e9);
  EXPECT_DOUBLE_EQ(*parse_bandwidth("500kbit"), 500e3);
  EXPECT_DOUBLE_EQ(*parse_bandwidth("500Kbps"), 500e3);
  EXPECT_DOUBLE_EQ(*parse_bandwidth("500kbps"), 500e3);  // bits: tc would read kilobytes
  EXPECT_DOUBLE_EQ(*parse_bandwidth("64000"), 64000);
  EXPECT_DOUBLE_EQ(*parse_bandwidth("64000bit"), 64000);
  EXPECT_DOUBLE_EQ(*parse_bandwidth("9600bps"), 9600);
  EXPECT_DOUBLE_EQ(*parse_bandwidth(" 20 Mbit "), 20e6);
  EXPECT_DOUBLE_EQ(*parse_bandwidth("1000Gbit"), kMaxBandwidthBps);
}

TEST(UnitsBandwidth, ByteRatesAreTimesEight) {
  EXPECT_DOUBLE_EQ(*parse_bandwidth("12.5MB/s"), 100e6);
  EXPECT_DOUBLE_EQ(*parse_bandwidth("12.5MBps"), 100e6);
  EXPECT_DOUBLE_EQ(*parse_bandwidth("1MiB/s"), 8.0 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(*parse_bandwidth("2KB/s"), 16e3);
  EXPECT_DOUBLE_EQ(*parse_bandwidth("2kB/s"), 16e3);
  EXPECT_DOUBLE_EQ(*parse_bandwidth("1KiB/s"), 8192);
  EXPECT_DOUBLE_EQ(*parse_bandwidth("1GB/s"), 8e9);
  EXPECT_DOUBLE_EQ(*parse_bandwidth("1GiB/s"), 8.0 * 1024 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(*parse_bandwidth("100B/s"), 800);
}

TEST(UnitsBandwidth, UnlimitedIsZero) {
  EXPECT_EQ(*parse_bandwidth("unlimited"), 0);
  EXPECT_EQ(*parse_bandwidth("Unlimited"), 0);
  EXPECT_EQ(*parse_bandwidth("0"), 0);
  EXPECT_EQ(*parse_bandwidth("0Mbit"), 0);
}

TEST(UnitsBandwidth, RejectsWithAClearMessage) {
  EXPECT_EQ(parse_bandwidth("").error(),
            "empty bandwidth (examples: 100Mbit, 1Gbit/s, 500kbit, 64000, 12.5MB/s, unlimited)");
  EXPECT_EQ(parse_bandwidth("-1Mbit").error(), "negative bandwidth '-1Mbit'");
  EXPECT_EQ(parse_bandwidth("nan").error(),
            "invalid bandwidth 'nan' (examples: 100Mbit, 1Gbit/s, 500kbit, 64000, 12.5MB/s, "
            "unlimited)");
  EXPECT_EQ(parse_bandwidth("10Mfoo").error(),
            "invalid bandwidth '10Mfoo': unknown unit 'Mfoo' (bit/s: 100Mbit, 100Mbit/s, "
            "100Mbps; byte/s: 12.5MB/s, 1MiB/s)");
  EXPECT_EQ(parse_bandwidth("1001Gbit").error(),
            "bandwidth '1001Gbit' is too large (at most 1000Gbit/s)");
  for (const char* bad : {"inf", "fast", "1e9", "10Tbit", "10Mibit", "10Mib/s", "1mib/s", "10MB",
                          "10Mb", "10MBPS", "10 M", "1..5Mbit", "5Mbit/h", "0x10", "+"}) {
    EXPECT_FALSE(parse_bandwidth(bad).ok()) << bad;
  }
}

TEST(UnitsBandwidth, FormatsWithTheLargestPrefixAndReadsBack) {
  EXPECT_EQ(format_bandwidth(100e6), "100Mbit/s");
  EXPECT_EQ(format_bandwidth(1.5e9), "1.5Gbit/s");
  EXPECT_EQ(format_bandwidth(64e3), "64kbit/s");
  EXPECT_EQ(format_bandwidth(500), "500bit/s");
  EXPECT_EQ(format_bandwidth(8.0 * 1024 * 1024), "8.388608Mbit/s");
  EXPECT_EQ(format_bandwidth(1e12), "1000Gbit/s");
  EXPECT_EQ(format_bandwidth(0), "unlimited");
  for (double bps : {0.0, 1.0, 999.0, 20e6, 123456789.0, 2.5e9, 1e12})
    EXPECT_DOUBLE_EQ(*parse_bandwidth(format_bandwidth(bps)), bps) << bps;
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
