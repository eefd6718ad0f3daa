// An HTTP response parser that keeps only what a load record needs: status, reason, the
// function's and the gateway's timing headers, Content-Type, the body's size, and the body
// itself only when asked for (or when it is needed: an error's message, timings that come
// only in the body).
//
// Two paths. Beast's basic_parser (its documented extension point) parses every response
// that is in any way unusual: chunked bodies, bodies that end with the connection, 1xx, 204
// and 304, a head split over reads, anything malformed or over a limit; the HTTP/1.1 grammar,
// keep-alive rules, limits and errors are Beast's. The responses a load test sees by the
// million — the whole head in one read, HTTP/1.0 or 1.1, a Content-Length, no
// Transfer-Encoding or Upgrade — take a fast path written here that checks every byte of the
// head at least as strictly as Beast (a stricter subset: what it does not fully check it hands
// to Beast, from the first byte) and yields the same results (tests/load/response_scanner_test
// compares the two paths, tests/fuzz/response_fuzz on arbitrary input).
//
// Why by hand: Beast's parser costs ~3,500 instructions for nginx's 150-byte response and
// nodejs' http-parser (Debian's libhttp-parser, wrk's) ~4,500 — together with the kernel's
// part, the whole per-request budget of a client that keeps up with nginx (issue 17). The fast
// path finds line ends with memchr and checks characters against one table.
//
// One per request (emplace a fresh one); not thread-safe.
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/optional.hpp>

namespace faaslab::load {

// A timing's number of seconds, from a header value or a body ("0.0123"): leading blanks
// skipped, NaN when it is not a number.
double parse_seconds(std::string_view s);

class ResponseScanner {
 public:
  // fast = false: always Beast (the tests' reference).
  explicit ResponseScanner(bool keep_body, bool fast = true);
  ~ResponseScanner();
  ResponseScanner(const ResponseScanner&) = delete;
  ResponseScanner& operator=(const ResponseScanner&) = delete;

  void header_limit(std::uint32_t bytes) { header_limit_ = bytes; }
  void body_limit(std::uint64_t bytes) { body_limit_ = bytes; }

  // As basic_parser::put in eager mode: consumes what it can of `buffer`, returns how much;
  // ec = http::error::need_more when more input is needed to make progress, or the error.
  std::size_t put(boost::asio::const_buffer buffer, boost::beast::error_code& ec);
  // The connection ended: completes a body delimited by it, or sets partial_message.
  void put_eof(boost::beast::error_code& ec);
  bool got_some() const;
  bool is_header_done() const;
  bool is_done() const;
  boost::optional<std::uint64_t> content_length() const;
  bool keep_alive() const;

  int status = 0;
  std::string reason;
  std::string content_type;
  std::string replica, node, placement;
  double ml_s = NAN, handler_s = NAN, cold_start_s = NAN;
  std::string body;              // when kept (see above)
  std::uint64_t body_bytes = 0;  // always counted
  bool text() const;

 private:
  class Beast;  // the basic_parser path (response_scanner.cpp)
  friend class Beast;

  // What both paths do with a field, at the end of the head and with body data.
  void on_field(std::string_view name, std::string_view value);
  void on_header_done();
  void on_body(std::string_view data);

  // The fast path: the size of the head it took, or 0 when it does not apply.
  std::size_t parse_head(const char* data, std::size_t size);
  Beast& beast();

  enum class Mode : std::uint8_t { kUndecided, kFast, kBeast };
  Mode mode_;
  bool keep_body_;
  bool store_ = false;
  std::uint32_t header_limit_ = 8192;
  std::uint64_t body_limit_ = 8u << 20;
  std::unique_ptr<Beast> beast_;
  // Fast path state.
  std::uint64_t content_length_ = 0, body_left_ = 0;
  bool keep_alive_ = false;
};

}  // namespace faaslab::load
