#include "common/env.h"

#include <gtest/gtest.h>

namespace faaslab {
namespace {

TEST(Env, LaterEntriesWinAndEmptyIsUnset) {
  const Env env({"a=1", "b=", "a=2", "=x", "noequals", "c=x=y"});
  EXPECT_EQ(env.get("a"), "2");
  EXPECT_FALSE(env.get("b"));
  EXPECT_EQ(env.get("c"), "x=y");
  EXPECT_FALSE(env.get("noequals"));
  EXPECT_EQ(env.get_or("missing", "d"), "d");
}

TEST(Env, CoresIsPositive) {
  EXPECT_GE(available_cores(), 1);
}

}  // namespace
}  // namespace faaslab
