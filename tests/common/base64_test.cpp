#include "common/base64.h"

#include <gtest/gtest.h>

#include <random>

namespace faaslab {
namespace {

std::vector<std::uint8_t> bytes(std::string_view s) {
  return {s.begin(), s.end()};
}

TEST(Base64, EncodesRfc4648Vectors) {
  EXPECT_EQ(base64_encode(bytes("")), "");
  EXPECT_EQ(base64_encode(bytes("f")), "Zg==");
  EXPECT_EQ(base64_encode(bytes("fo")), "Zm8=");
  EXPECT_EQ(base64_encode(bytes("foo")), "Zm9v");
  EXPECT_EQ(base64_encode(bytes("foob")), "Zm9vYg==");
  EXPECT_EQ(base64_encode(bytes("fooba")), "Zm9vYmE=");
  EXPECT_EQ(base64_encode(bytes("foobar")), "Zm9vYmFy");
}

TEST(Base64, DecodesVectorsWithAndWithoutPadding) {
  EXPECT_EQ(base64_decode("Zm9vYmE="), bytes("fooba"));
  EXPECT_EQ(base64_decode("Zm9vYmE"), bytes("fooba"));
  EXPECT_EQ(base64_decode("Zg=="), bytes("f"));
  EXPECT_EQ(base64_decode(""), bytes(""));
}

TEST(Base64, RoundTripsRandomData) {
  std::mt19937 rng(7);
  for (std::size_t n : {1u, 2u, 3u, 4u, 100u, 4097u}) {
    std::vector<std::uint8_t> data(n);
    for (auto& b : data) b = static_cast<std::uint8_t>(rng());
    EXPECT_EQ(base64_decode(base64_encode(data)), data) << n;
  }
}

TEST(Base64, SkipsWhitespaceAndAcceptsUrlSafeAlphabet) {
  EXPECT_EQ(base64_decode("Zm9v\r\nYmFy\n"), bytes("foobar"));
  EXPECT_EQ(base64_decode(" Zm9v YmFy "), bytes("foobar"));
  EXPECT_EQ(base64_decode("-_8="), base64_decode("+/8="));
}

TEST(Base64, RejectsInvalidText) {
  EXPECT_FALSE(base64_decode("Zm9v!"));
  EXPECT_FALSE(base64_decode("Zg==Zg"));  // data after padding
  EXPECT_FALSE(base64_decode("Z"));       // 6 bits cannot end a byte string
  EXPECT_FALSE(base64_decode("Zg==="));   // too much padding
  EXPECT_FALSE(base64_decode(std::string("Zm9v\0", 5)));
}

}  // namespace
}  // namespace faaslab
