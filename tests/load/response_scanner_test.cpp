// The response scanner's fast path against Beast's parser: on every response here, split into
// reads of every size, both give the same record fields, or both fail. Which responses take
// the fast path is checked too (it is the point of it), and what the fuzz target
// (tests/fuzz/response_fuzz) checks on arbitrary input is checked here on the cases a load
// test meets.
#include <gtest/gtest.h>

#include "load/scanner_driver.h"

namespace faaslab::load {
namespace {

using testing::scan;

const char* const kResponses[] = {
    // nginx's answer, as installed.
    "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Mon, 07 Dec 2026 17:35:56 GMT\r\n"
    "Content-Type: text/plain\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok",
    // The function's, with its timing and runtime headers.
    "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nX-ML-Seconds: 0.0123\r\n"
    "x-handler-seconds:0.0150\r\nX-Faaslab-Replica: face-blur-1\r\nX-Faaslab-Node: edge\r\n"
    "X-Faaslab-Placement: edge (queue 0)\r\nX-Faaslab-Cold-Start-Seconds: 0.25\r\n"
    "Content-Length: 10\r\n\r\n0123456789",
    // Timings only in a JSON body; an error with its message; a close.
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 46\r\n\r\n"
    "{\"ml_seconds\": 0.01, \"handler_seconds\": 0.02}\n",
    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 23\r\n"
    "Connection: close\r\n\r\n{\"error\": \"no replica\"}",
    "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: Keep-Alive, close\r\n\r\n",
    "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabc",
    "HTTP/1.0 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nabc",
    "HTTP/1.0 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive, close\r\n\r\nabc",
    "HTTP/1.1 200 \r\nContent-Length: 1\r\n\r\nx",
    "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nContent-Type: text/plain\r\n\r\nnot found",
    // Beast's: chunked, to the end of the connection, no body, 1xx, Upgrade.
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end",
    "HTTP/1.1 204 No Content\r\n\r\n",
    "HTTP/1.1 304 Not Modified\r\nContent-Length: 12\r\n\r\n",
    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: upgrade\r\nUpgrade: h2c\r\n\r\nok",
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nProxy-Connection: close\r\n\r\nok",
    "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok",
    "HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 2\r\n\r\nok",
    "HTTP/1.1 200 OK\r\nX-Obs: caf\xc3\xa9\r\nContent-Length: 2\r\n\r\nok",
    // Case and near-miss names (the fast path compares names word-wise).
    "HTTP/1.1 200 OK\r\nCONTENT-LENGTH: 2\r\nCONNECTION: KEEP-ALIVE\r\nX-ML-SECONDS: 0.5\r\n"
    "content-type: text/plain\r\n\r\nok",
    "HTTP/1.1 200 OK\r\nContent_Length: 5\r\nContent-Length: 2\r\nX-ML~Seconds: 1\r\n\r\nok",
    "HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: Keep-Alive , close\r\n\r\nok",
    // Bytes a head must not hold, past the first 16 (checked 16 at a time) and in the tail.
    "HTTP/1.1 200 OK\r\nServer: a-rather-long-server-name\x7f\r\nContent-Length: 2\r\n\r\nok",
    "HTTP/1.1 200 OK\r\nServer: a-rather-long-server-name\r\nX-A: a\nb\r\nContent-Length: "
    "2\r\n\r\nok",
    "HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 2\r\n\r\nok",
    "HTTP/1.1 200 O\x01K\r\nContent-Length: 2\r\n\r\nok",
    "HTTP/1.1 200 Caf\xc3\xa9\r\nContent-Length: 2\r\n\r\nok",
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Tab:\tv\tw\t\r\n\r\nok",
    // Broken: both must fail.
    "this is not HTTP\r\n\r\n",
    "HTTP/1.1 2x0 OK\r\nContent-Length: 2\r\n\r\nok",
    "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nshort",
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\nok",
    "HTTP/1.1 200 OK\r\nBad Name: x\r\nContent-Length: 2\r\n\r\nok",
    "HTTP/1.1 200 OK\r\nX-Ctl: a\x01z\r\nContent-Length: 2\r\n\r\nok",
    "HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
    "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\nok",
    "HTTP/1.1 200 OK\r\nContent-Length: 2000000\r\n\r\n",  // over the body limit
    "HTTP/1.1 200 OK\r\nContent-Le",
    "",
};

TEST(ResponseScanner, FastPathGivesBeastsResultsAtEverySplit) {
  for (const char* text : kResponses) {
    const std::string_view in(text);
    for (bool keep_body : {false, true}) {
      const auto reference = scan(in, in.size() + 1, false, keep_body);
      for (std::size_t chunk :
           {std::size_t{1}, std::size_t{2}, std::size_t{7}, std::size_t{64}, in.size() + 1}) {
        const auto fast = scan(in, chunk, true, keep_body);
        EXPECT_TRUE(fast == reference)
            << "chunk " << chunk << " keep_body " << keep_body << ":\n"
            << text << "\nfast: failed " << fast.failed << " status " << fast.status << " body '"
            << fast.body << "' keep-alive " << fast.keep_alive << "\nbeast: failed "
            << reference.failed << " status " << reference.status << " body '" << reference.body
            << "' keep-alive " << reference.keep_alive;
        // Beast at the same split, too (a split must not change its results either).
        EXPECT_TRUE(scan(in, chunk, false, keep_body) == reference) << text;
      }
    }
  }
}

TEST(ResponseScanner, CommonResponsesTakeTheFastPathAndOddOnesDoNot) {
  auto fast_path = [](std::string_view in) {
    ResponseScanner s(false);
    s.header_limit(8192);
    s.body_limit(1 << 20);
    boost::beast::error_code ec;
    const std::size_t used = s.put(boost::asio::buffer(in.data(), in.size()), ec);
    // The fast path consumes exactly the head; Beast, in eager mode, the body too.
    return !ec && s.is_header_done() && used == in.find("\r\n\r\n") + 4 && used < in.size();
  };
  EXPECT_TRUE(fast_path(kResponses[0]));
  EXPECT_TRUE(fast_path(kResponses[1]));
  EXPECT_TRUE(fast_path(kResponses[3]));
  EXPECT_TRUE(fast_path(kResponses[5]));
  EXPECT_FALSE(fast_path(kResponses[10]));  // chunked
  EXPECT_FALSE(fast_path(kResponses[11]));  // until the end of the connection
  EXPECT_FALSE(fast_path(kResponses[18]));  // obs-fold
  EXPECT_TRUE(fast_path(kResponses[20]));   // names in upper case
  EXPECT_TRUE(fast_path(kResponses[28]));   // tabs in a value
  EXPECT_FALSE(fast_path(kResponses[23]));  // DEL
  EXPECT_FALSE(fast_path(kResponses[27]));  // obs-text in the reason (Beast takes it)
}

TEST(ResponseScanner, FieldsARecordTakes) {
  const auto r = scan(kResponses[1], 1000, true, false);
  ASSERT_FALSE(r.failed);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.reason, "OK");
  EXPECT_EQ(r.content_type, "image/jpeg");
  EXPECT_DOUBLE_EQ(r.ml_s, 0.0123);
  EXPECT_DOUBLE_EQ(r.handler_s, 0.0150);
  EXPECT_EQ(r.replica, "face-blur-1");
  EXPECT_EQ(r.node, "edge");
  EXPECT_EQ(r.placement, "edge (queue 0)");
  EXPECT_DOUBLE_EQ(r.cold_start_s, 0.25);
  EXPECT_EQ(r.body_bytes, 10u);
  EXPECT_TRUE(r.body.empty());  // not kept: not asked for, not an error, timings in headers
  EXPECT_TRUE(r.keep_alive);
  EXPECT_EQ(r.content_length, 10);
  const auto error = scan(kResponses[3], 1000, true, false);
  EXPECT_EQ(error.body, "{\"error\": \"no replica\"}");  // an error's body is kept
  EXPECT_FALSE(error.keep_alive);
  EXPECT_FALSE(scan(kResponses[5], 1000, true, false).keep_alive);  // HTTP/1.0
  EXPECT_TRUE(scan(kResponses[6], 1000, true, false).keep_alive);   // HTTP/1.0 keep-alive
  const auto upper = scan(kResponses[20], 1000, true, false);
  EXPECT_DOUBLE_EQ(upper.ml_s, 0.5);
  EXPECT_EQ(upper.content_type, "text/plain");
  EXPECT_EQ(upper.content_length, 2);
  EXPECT_TRUE(upper.keep_alive);
  const auto near_miss = scan(kResponses[21], 1000, true, false);
  EXPECT_EQ(near_miss.content_length, 2);
  EXPECT_TRUE(std::isnan(near_miss.ml_s));
}

}  // namespace
}  // namespace faaslab::load
