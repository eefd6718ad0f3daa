// Drives a ResponseScanner over an input as HttpConnection does — the bytes arrive `chunk` at
// a time, each put() consumes what it can, need_more waits for the next chunk, the end of the
// input is the end of the connection — and collects everything a record would take from it.
// Used to hold the fast path to Beast's results (response_scanner_test, response_fuzz).
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/beast/http/error.hpp>

#include "load/response_scanner.h"

namespace faaslab::load::testing {

struct ScanResult {
  bool failed = false;  // a parse error (any), or the input ended before the response
  bool done = false;
  int status = 0;
  std::string reason, content_type, replica, node, placement, body;
  double ml_s = NAN, handler_s = NAN, cold_start_s = NAN;
  std::uint64_t body_bytes = 0, consumed = 0;
  bool keep_alive = false;
  long long content_length = -1;

  bool operator==(const ScanResult& o) const {
    auto same = [](double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; };
    if (failed != o.failed) return false;
    if (failed) return true;  // which error is Beast's to say; both failed
    return done == o.done && status == o.status && reason == o.reason &&
           content_type == o.content_type && replica == o.replica && node == o.node &&
           placement == o.placement && body == o.body && same(ml_s, o.ml_s) &&
           same(handler_s, o.handler_s) && same(cold_start_s, o.cold_start_s) &&
           body_bytes == o.body_bytes && consumed == o.consumed && keep_alive == o.keep_alive &&
           content_length == o.content_length;
  }
};

inline ScanResult scan(std::string_view input, std::size_t chunk, bool fast, bool keep_body,
                       std::uint64_t body_limit = 1u << 20) {
  ResponseScanner s(keep_body, fast);
  s.header_limit(8192);
  s.body_limit(body_limit);
  ScanResult r;
  std::string buffer;
  std::size_t fed = 0;
  for (;;) {
    if (buffer.empty() || fed < input.size()) {
      const std::size_t n = std::min(chunk, input.size() - fed);
      buffer.append(input.substr(fed, n));
      fed += n;
    }
    while (!buffer.empty() && !s.is_done()) {
      boost::beast::error_code ec;
      const std::size_t used = s.put(boost::asio::buffer(buffer), ec);
      buffer.erase(0, used);
      r.consumed += used;
      if (ec == boost::beast::http::error::need_more) break;
      if (ec) {
        r.failed = true;
        return r;
      }
      if (used == 0) break;
    }
    if (s.is_done()) break;
    // No more input, and the parser can do nothing more with what it has: the connection ends.
    if (fed == input.size()) {
      // The connection ends here.
      if (!s.got_some()) {
        r.failed = true;
        return r;
      }
      boost::beast::error_code ec;
      s.put_eof(ec);
      if (ec || !s.is_done()) {
        r.failed = true;
        return r;
      }
      break;
    }
  }
  r.done = s.is_done();
  r.status = s.status;
  r.reason = s.reason;
  r.content_type = s.content_type;
  r.replica = s.replica;
  r.node = s.node;
  r.placement = s.placement;
  r.body = s.body;
  r.ml_s = s.ml_s;
  r.handler_s = s.handler_s;
  r.cold_start_s = s.cold_start_s;
  r.body_bytes = s.body_bytes;
  if (s.is_header_done()) {
    r.keep_alive = s.keep_alive();
    if (auto len = s.content_length()) r.content_length = static_cast<long long>(*len);
  }
  return r;
}

}  // namespace faaslab::load::testing
