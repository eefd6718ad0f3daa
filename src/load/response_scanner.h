// An HTTP response parser that keeps only what a load record needs: status, reason, the
// function's and the gateway's timing headers, Content-Type, the body's size, and the body
// itself only when asked for (or when it is needed: an error's message, timings that come
// only in the body). Built on Beast's basic_parser (its documented extension point), so the
// HTTP/1.1 grammar, chunked encoding, keep-alive and limits are Beast's; what it saves is the
// per-request allocation of every header field and of every body, which wrk-class request
// rates notice.
//
// One per request (emplace a fresh one); not thread-safe.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/basic_parser.hpp>

namespace faaslab::load {

class ResponseScanner final : public boost::beast::http::basic_parser<false> {
 public:
  explicit ResponseScanner(bool keep_body) : keep_body_(keep_body) {}

  int status = 0;
  std::string reason;
  std::string content_type;
  std::string replica, node, placement;
  double ml_s = NAN, handler_s = NAN, cold_start_s = NAN;
  std::string body;              // when kept (see above)
  std::uint64_t body_bytes = 0;  // always counted
  bool text() const;

 private:
  using string_view = boost::beast::string_view;
  using error_code = boost::beast::error_code;
  void on_request_impl(boost::beast::http::verb, string_view, string_view, int,
                       error_code&) override {}
  void on_response_impl(int code, string_view reason, int, error_code&) override;
  void on_field_impl(boost::beast::http::field name, string_view name_string, string_view value,
                     error_code&) override;
  void on_header_impl(error_code&) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override;
  std::size_t on_body_impl(string_view data, error_code&) override;
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view data, error_code& ec) override {
    return on_body_impl(data, ec);
  }
  void on_finish_impl(error_code&) override {}

  bool keep_body_;
  bool store_ = false;
};

}  // namespace faaslab::load
