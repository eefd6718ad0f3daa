#include "common/url.h"

#include <gtest/gtest.h>

namespace faaslab {
namespace {

TEST(Url, SplitsHostPortAndTarget) {
  auto u = parse_url("http://127.0.0.1:8080/function/slblur?format=seed");
  ASSERT_TRUE(u.ok()) << u.error();
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->target, "/function/slblur?format=seed");
}

TEST(Url, DefaultsPortAndPath) {
  auto u = parse_url("http://localhost");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->port, 80);
  EXPECT_EQ(u->target, "/");
  EXPECT_EQ(parse_url("http://h?x=1")->target, "/?x=1");
  EXPECT_EQ(parse_url("http://[::1]:9/a")->host, "::1");
}

TEST(Url, RejectsWhatItCannotServe) {
  for (const char* bad : {"https://x/", "ftp://x/", "x:80", "http://", "http://:80/", "http://h:0/",
                          "http://h:99999/", "http://h:8a/"}) {
    EXPECT_FALSE(parse_url(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace faaslab
