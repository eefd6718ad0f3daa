// LineLog: a process's output stream as log lines.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runtime/line_log.h"

namespace faaslab::runtime {
namespace {

TEST(LineLog, SplitsChunksIntoLinesWhereverTheyBreak) {
  std::vector<std::string> lines;
  LineLog log("[fn-1] ", [&](const std::string& l) { lines.push_back(l); });
  log.feed("first li");
  log.feed("ne\nsecond\nthi");
  EXPECT_EQ(lines, (std::vector<std::string>{"first line", "second"}));
  log.feed("rd\n\n");
  log.feed("no newline at the end");
  log.flush();
  EXPECT_EQ(lines, (std::vector<std::string>{"first line", "second", "third", "",
                                             "no newline at the end"}));
}

TEST(LineLog, AVeryLongLineIsLoggedInPiecesNotHeldForever) {
  std::vector<std::string> lines;
  LineLog log("", [&](const std::string& l) { lines.push_back(l); });
  log.feed(std::string(100 * 1024, 'x'));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].size(), 100u * 1024);
}

}  // namespace
}  // namespace faaslab::runtime
