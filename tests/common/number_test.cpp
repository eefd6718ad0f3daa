// parse_double: std::stod's reading of a number, whole strings only, without exceptions.
#include "common/number.h"

#include <gtest/gtest.h>

#include <cmath>

namespace faaslab {
namespace {

TEST(ParseDouble, ReadsWhatStodReads) {
  EXPECT_EQ(parse_double("1.5"), 1.5);
  EXPECT_EQ(parse_double("-2"), -2.0);
  EXPECT_EQ(parse_double("+3e2"), 300.0);
  EXPECT_EQ(parse_double("  7"), 7.0);  // leading white space
  EXPECT_EQ(parse_double("0x10"), 16.0);
  EXPECT_TRUE(std::isinf(*parse_double("inf")));
  EXPECT_TRUE(std::isnan(*parse_double("nan")));
}

TEST(ParseDouble, RefusesWhatIsNotWhollyANumber) {
  EXPECT_EQ(parse_double(""), std::nullopt);
  EXPECT_EQ(parse_double("fast"), std::nullopt);
  EXPECT_EQ(parse_double("5x"), std::nullopt);
  EXPECT_EQ(parse_double("5 "), std::nullopt);  // trailing white space too
  EXPECT_EQ(parse_double("1e999"), std::nullopt);
  EXPECT_EQ(parse_double(std::string("1\0"
                                     "2",
                                     3)),
            std::nullopt);
}

}  // namespace
}  // namespace faaslab
