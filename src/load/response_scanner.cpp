#include "load/response_scanner.h"

#include <array>
#include <charconv>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

namespace faaslab::load {

namespace http = boost::beast::http;
using boost::beast::error_code;
using boost::beast::iequals;

namespace {

double parse_seconds(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  double v = NAN;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() ? v : NAN;
}

// RFC 7230's characters, as the fast path accepts them: a token's (a table), and a field
// value's or reason's — HTAB, SP and VCHAR, stricter than Beast (no obs-text), 16 bytes at a
// time where SSE2 is (every x86-64).
constexpr std::array<bool, 256> make_token_table() {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<std::size_t>(c)] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}
constexpr auto kTokenChars = make_token_table();

bool is_token(std::string_view s) {
  bool ok = !s.empty();
  for (char c : s) ok &= kTokenChars[static_cast<unsigned char>(c)];
  return ok;
}

bool is_value(std::string_view s) {
  const char* p = s.data();
  const char* const end = p + s.size();
#if defined(__SSE2__)
  // 16 bytes at a time: bad are bytes below 0x20 but HTAB, and 0x7f and above (negative as
  // signed bytes, so the signed "less than SP" catches them too).
  const __m128i space = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7f), tab = _mm_set1_epi8('\t');
  for (; end - p >= 16; p += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i bad = _mm_or_si128(
        _mm_andnot_si128(_mm_cmpeq_epi8(v, tab), _mm_cmplt_epi8(v, space)), _mm_cmpeq_epi8(v, del));
    if (_mm_movemask_epi8(bad) != 0) return false;
  }
#endif
  unsigned bad = 0;
  for (; p < end; ++p) {
    const auto c = static_cast<unsigned char>(*p);
    bad |= static_cast<unsigned>(static_cast<unsigned char>(c - 0x20) >= 0x5f) &
           static_cast<unsigned>(c != '\t');
  }
  return bad == 0;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

// The Beast path: basic_parser's callbacks fill the scanner's fields.
class ResponseScanner::Beast final : public http::basic_parser<false> {
 public:
  explicit Beast(ResponseScanner& s) : s_(s) {}

 private:
  using string_view = boost::beast::string_view;
  void on_request_impl(http::verb, string_view, string_view, int, error_code&) override {}
  void on_response_impl(int code, string_view reason, int, error_code&) override {
    s_.status = code;
    s_.reason.assign(reason.data(), reason.size());
  }
  void on_field_impl(http::field, string_view name, string_view value, error_code&) override {
    s_.on_field({name.data(), name.size()}, {value.data(), value.size()});
  }
  void on_header_impl(error_code&) override { s_.on_header_done(); }
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
    if (s_.store_ && length) s_.body.reserve(static_cast<std::size_t>(*length));
  }
  std::size_t on_body_impl(string_view data, error_code&) override {
    s_.on_body({data.data(), data.size()});
    return data.size();
  }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view data, error_code&) override {
    s_.on_body({data.data(), data.size()});
    return data.size();
  }
  void on_finish_impl(error_code&) override {}

  ResponseScanner& s_;
};

ResponseScanner::ResponseScanner(bool keep_body, bool fast)
    : mode_(fast ? Mode::kUndecided : Mode::kBeast), keep_body_(keep_body) {}

ResponseScanner::~ResponseScanner() = default;

ResponseScanner::Beast& ResponseScanner::beast() {
  if (!beast_) {
    beast_ = std::make_unique<Beast>(*this);
    beast_->eager(true);
    beast_->header_limit(header_limit_);
    beast_->body_limit(body_limit_);
  }
  return *beast_;
}

bool ResponseScanner::text() const {
  const std::string_view t = content_type;
  return t.starts_with("text/") || t.find("json") != std::string_view::npos;
}

void ResponseScanner::on_field(std::string_view name, std::string_view value) {
  if (name.size() < 12) return;  // the shortest name below
  if (name[0] != 'X' && name[0] != 'x') {
    if (iequals(name, "Content-Type")) content_type.assign(value);
    return;
  }
  if (iequals(name, "X-ML-Seconds"))
    ml_s = parse_seconds(value);
  else if (iequals(name, "X-Handler-Seconds"))
    handler_s = parse_seconds(value);
  else if (iequals(name, "X-Faaslab-Replica"))
    replica.assign(value);
  else if (iequals(name, "X-Faaslab-Node"))
    node.assign(value);
  else if (iequals(name, "X-Faaslab-Placement"))
    placement.assign(value);
  else if (iequals(name, "X-Faaslab-Cold-Start-Seconds"))
    cold_start_s = parse_seconds(value);
}

void ResponseScanner::on_header_done() {
  // Keep the body when the caller wants it, when it explains an error, or when the timings
  // are only in it (a json or seed body from a function that sends no headers).
  store_ = keep_body_ || status >= 400 || (text() && (std::isnan(ml_s) || std::isnan(handler_s)));
}

void ResponseScanner::on_body(std::string_view data) {
  body_bytes += data.size();
  if (store_) body.append(data);
}

// The fast path's head: status line and fields, all of it in [data, data + size). Returns the
// head's size, or 0, having changed nothing the Beast path would not set again, when anything
// is outside its subset. Written for the per-request budget (~1,000 instructions for nginx's head):
// one memchr per line, a length switch before any name comparison, and value checks a compiler
// vectorises.
std::size_t ResponseScanner::parse_head(const char* data, std::size_t size) {
  const char* p = data;
  // Beast refuses a head over the limit; the fast path takes only heads well inside it.
  const char* const last =
      data + std::min<std::size_t>(size, header_limit_ > 8 ? header_limit_ - 8 : 0);
  auto next_line = [&](std::string_view& line) {
    const auto* cr =
        static_cast<const char*>(std::memchr(p, '\r', static_cast<std::size_t>(last - p)));
    if (cr == nullptr || cr + 1 >= last || cr[1] != '\n') return false;
    line = std::string_view(p, static_cast<std::size_t>(cr - p));
    p = cr + 2;
    return true;
  };
  // Status line: HTTP/1.x SP 3DIGIT SP reason.
  std::string_view line;
  if (!next_line(line) || line.size() < 13 || line.compare(0, 7, "HTTP/1.") != 0 ||
      (line[7] != '0' && line[7] != '1') || line[8] != ' ' || line[12] != ' ')
    return 0;
  const bool http11 = line[7] == '1';
  int code = 0;
  for (std::size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return 0;
    code = code * 10 + (line[i] - '0');
  }
  if (code < 200 || code > 599 || code == 204 || code == 304) return 0;
  const std::string_view reason_text = line.substr(13);
  if (!is_value(reason_text)) return 0;

  // Fields: checked in a first pass, so that a field outside the subset leaves nothing set.
  struct Field {  // trivially constructible: the array costs nothing until used
    const char* name;
    const char* value;
    std::uint32_t name_size, value_size;
  };
  Field fields[64];
  std::size_t nfields = 0;
  bool have_length = false, close = false, keep_alive = false;
  std::uint64_t length = 0;
  for (;;) {
    if (!next_line(line)) return 0;
    if (line.empty()) break;
    const std::size_t colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos || nfields == std::size(fields)) return 0;
    const std::string_view name = line.substr(0, colon);
    const std::string_view raw = line.substr(colon + 1);
    if (!is_token(name) || !is_value(raw)) return 0;
    const std::string_view value = trim_ows(raw);
    switch (name.size()) {
      case 14:  // Content-Length
        if (!iequals(name, "Content-Length")) break;
        if (have_length || value.empty() || value.size() > 19) return 0;
        for (char c : value)
          if (c < '0' || c > '9') return 0;
        std::from_chars(value.data(), value.data() + value.size(), length);
        have_length = true;
        break;
      case 17:  // Transfer-Encoding
      case 7:   // Upgrade
      case 16:  // Proxy-Connection
        if (iequals(name, "Transfer-Encoding") || iequals(name, "Upgrade") ||
            iequals(name, "Proxy-Connection"))
          return 0;
        break;
      case 10:  // Connection
        if (!iequals(name, "Connection")) break;
        for (std::string_view rest = value; !rest.empty();) {
          const std::size_t comma = std::min(rest.find(','), rest.size());
          const std::string_view token = trim_ows(rest.substr(0, comma));
          rest.remove_prefix(std::min(comma + 1, rest.size()));
          if (token.empty() || !is_token(token) || iequals(token, "upgrade")) return 0;
          if (iequals(token, "close")) close = true;
          if (iequals(token, "keep-alive")) keep_alive = true;
        }
        break;
      default:
        break;
    }
    fields[nfields++] = {name.data(), value.data(), static_cast<std::uint32_t>(name.size()),
                         static_cast<std::uint32_t>(value.size())};
  }
  if (!have_length || length > body_limit_) return 0;

  status = code;
  reason.assign(reason_text);
  for (std::size_t i = 0; i < nfields; ++i)
    on_field({fields[i].name, fields[i].name_size}, {fields[i].value, fields[i].value_size});
  on_header_done();
  if (store_) body.reserve(static_cast<std::size_t>(length));
  content_length_ = body_left_ = length;
  keep_alive_ = http11 ? !close : keep_alive;  // as Beast: HTTP/1.0 only on keep-alive
  return static_cast<std::size_t>(p - data);
}

std::size_t ResponseScanner::put(boost::asio::const_buffer buffer, error_code& ec) {
  ec = {};
  const char* data = static_cast<const char*>(buffer.data());
  if (mode_ == Mode::kUndecided) {
    if (buffer.size() == 0) {
      ec = http::error::need_more;
      return 0;
    }
    const std::size_t head = parse_head(data, buffer.size());
    if (head == 0) {
      mode_ = Mode::kBeast;
      return beast().put(buffer, ec);
    }
    mode_ = Mode::kFast;
    return head;
  }
  if (mode_ == Mode::kBeast) return beast().put(buffer, ec);
  const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), body_left_));
  if (n == 0 && body_left_ > 0) {
    ec = http::error::need_more;
    return 0;
  }
  on_body({data, n});
  body_left_ -= n;
  return n;
}

void ResponseScanner::put_eof(error_code& ec) {
  ec = {};
  if (mode_ == Mode::kBeast) return beast().put_eof(ec);
  if (mode_ == Mode::kUndecided || body_left_ > 0) ec = http::error::partial_message;
}

bool ResponseScanner::got_some() const {
  return mode_ == Mode::kFast || (mode_ == Mode::kBeast && beast_ && beast_->got_some());
}

bool ResponseScanner::is_header_done() const {
  return mode_ == Mode::kFast || (mode_ == Mode::kBeast && beast_ && beast_->is_header_done());
}

bool ResponseScanner::is_done() const {
  if (mode_ == Mode::kFast) return body_left_ == 0;
  return mode_ == Mode::kBeast && beast_ && beast_->is_done();
}

boost::optional<std::uint64_t> ResponseScanner::content_length() const {
  if (mode_ == Mode::kFast) return content_length_;
  if (mode_ == Mode::kBeast && beast_) return beast_->content_length();
  return boost::none;
}

bool ResponseScanner::keep_alive() const {
  if (mode_ == Mode::kFast) return keep_alive_;
  return mode_ == Mode::kBeast && beast_ && beast_->keep_alive();
}

}  // namespace faaslab::load
