#include "common/utf8.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace faaslab {
namespace {

TEST(Utf8, ValidTextHasNoInvalidByte) {
  EXPECT_EQ(invalid_utf8_at(""), std::nullopt);
  EXPECT_EQ(invalid_utf8_at("plain ascii\n"), std::nullopt);
  EXPECT_EQ(invalid_utf8_at("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf"),
            std::nullopt);  // 2-, 3- and 4-byte forms, U+10FFFF the last code point
  EXPECT_EQ(invalid_utf8_at(std::string(100'000, 'x') + "\xc3\xa9"), std::nullopt);
}

// Found by campaign_fuzz: glibc's UTF-8 decoder takes F6 8B 8F A2 (past U+10FFFF) for valid,
// nlohmann::json does not, and threw writing the campaign's name.
TEST(Utf8, EveryFormNlohmannJsonRefusesIsFound) {
  const std::pair<std::string, std::size_t> bad[] = {
      {"ab\xf6\x8b\x8f\xa2", 2},     // a lead byte past F4
      {"\xf4\x90\x80\x80", 0},       // U+110000
      {"x\xf8\x88\x80\x80\x80", 1},  // a 5-byte form
      {"xy\xed\xa0\x80", 2},         // a surrogate
      {"\xc0\xaf", 0},               // overlong
      {"ok\xe2\x82", 2},             // truncated at the end
      {"\x80", 0},                   // a lone continuation byte
      {std::string(5000, 'x') + "\xff", 5000},
  };
  for (const auto& [text, offset] : bad) {
    EXPECT_EQ(invalid_utf8_at(text), offset) << text;
    EXPECT_THROW((void)nlohmann::json(text).dump(), nlohmann::json::type_error) << text;
  }
}

}  // namespace
}  // namespace faaslab
