#include "common/yaml.h"

#include <gtest/gtest.h>

#include <string>

namespace faaslab {
namespace {

std::string error_of(const std::string& text, const YamlLimits& limits = {}) {
  auto r = load_yaml(text, limits);
  return r.ok() ? std::string("(loaded)") : r.error();
}

TEST(Yaml, AnOrdinaryDocumentLoads) {
  auto r = load_yaml("a: 1\nb: [x, {c: d}]\nanchored: &v {k: 1}\nagain: *v\n");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ((*r)["b"][1]["c"].as<std::string>(), "d");
  EXPECT_EQ((*r)["again"]["k"].as<int>(), 1);
  EXPECT_TRUE(load_yaml("").ok());  // an empty document is a null node, for the caller to judge
}

// Found by campaign_fuzz: `grid:` twice. yaml-cpp kept both; the axes were listed from one and
// their values read from the other, and reading a missing key of a const json is undefined.
TEST(Yaml, AKeyGivenTwiceIsAnErrorNamingBothLines) {
  EXPECT_EQ(error_of("grid:\n  users: [1]\nname: x\ngrid:\n  users: [2]\n"),
            "invalid YAML: line 4, column 1: key 'grid' given twice in one map (first at line 1)");
  EXPECT_NE(error_of("a:\n  b: 1\n  b: 2\n").find("key 'b' given twice"), std::string::npos);
  EXPECT_TRUE(load_yaml("a: {b: 1}\nc: {b: 2}\n").ok());  // the same key in two maps is fine
}

// Found by stack_fuzz: a complex key (`? ...`) made `.as<std::string>()` throw past the parser.
TEST(Yaml, AKeyThatIsAMapOrAListIsAnError) {
  EXPECT_NE(error_of("? [a, b]\n: 1\n").find("line 1, column 3: a key must be a plain value"),
            std::string::npos)
      << error_of("? [a, b]\n: 1\n");
  EXPECT_NE(error_of("f:\n  ? {x: 1}\n  : 2\n").find("a key must be a plain value"),
            std::string::npos);
}

TEST(Yaml, AnAliasLoopOrAnAliasBombIsRefusedNotWalkedForever) {
  // yaml-cpp registers an anchor before its node is complete, so this list contains itself.
  EXPECT_EQ(error_of("a: &x [1, *x]\n"),
            "invalid YAML: line 1, column 4: an alias refers to a node that contains it (a loop)");
  EXPECT_NE(error_of("a: &x {b: {c: *x}}\n").find("(a loop)"), std::string::npos);
  std::string bomb = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    bomb += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) bomb += (j ? ", *l" : "*l") + std::to_string(i - 1);
    bomb += "]\n";
  }  // 10^9 scalars once expanded
  EXPECT_NE(error_of(bomb).find("more than 100000 nodes"), std::string::npos) << error_of(bomb);
}

TEST(Yaml, NestingDeeperThanTheLimitIsAnError) {
  const std::string deep = std::string(65, '[') + std::string(65, ']');
  EXPECT_NE(error_of(deep).find("nested deeper than 64 levels"), std::string::npos)
      << error_of(deep);
  EXPECT_TRUE(load_yaml(std::string(60, '[') + std::string(60, ']')).ok());
  EXPECT_NE(error_of("[[[1]]]", {.max_depth = 2}).find("deeper than 2"), std::string::npos);
}

TEST(Yaml, SyntaxErrorsAndBadBytesAreErrorsNotExceptions) {
  EXPECT_NE(error_of("a: [").find("invalid YAML: yaml-cpp: error at line"), std::string::npos)
      << error_of("a: [");
  EXPECT_EQ(error_of("a: \xff\n"), "not UTF-8 text (an invalid byte at offset 3)");
}

}  // namespace
}  // namespace faaslab
