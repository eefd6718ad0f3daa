#include "load/response_scanner.h"

#include <array>
#include <charconv>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

namespace faaslab::load {

namespace http = boost::beast::http;
using boost::beast::error_code;

double parse_seconds(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  double v = NAN;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() ? v : NAN;
}

namespace {

// RFC 7230's token characters (a table).
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

// Every byte of a head the fast path takes is HTAB, SP, VCHAR (stricter than Beast: no
// obs-text) or CR/LF; the line split puts every CR before an LF, and `lf` (the count of LFs)
// equal to the number of lines leaves no bare LF inside one. One pass over the whole head, 16
// bytes at a time where SSE2 is (every x86-64), instead of a check per field.
bool head_bytes_ok(const char* p, const char* const end, std::size_t& lf) {
  lf = 0;
#if defined(__SSE2__)
  // Bad are bytes below SP but HTAB, CR and LF, and 0x7f and above (negative as signed bytes,
  // so the signed "less than SP" catches them too).
  // LFs are counted per 64-bit half with psadbw (popcount is not in baseline x86-64, and
  // __builtin_popcount becomes a libgcc call).
  const __m128i space = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7f);
  const __m128i tab = _mm_set1_epi8('\t'), cr = _mm_set1_epi8('\r'), nl = _mm_set1_epi8('\n');
  const __m128i one = _mm_set1_epi8(1), zero = _mm_setzero_si128();
  __m128i lf_sums = zero;
  for (; end - p >= 16; p += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i is_nl = _mm_cmpeq_epi8(v, nl);
    const __m128i allowed_control =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, tab), _mm_cmpeq_epi8(v, cr)), is_nl);
    const __m128i bad = _mm_or_si128(_mm_andnot_si128(allowed_control, _mm_cmplt_epi8(v, space)),
                                     _mm_cmpeq_epi8(v, del));
    if (_mm_movemask_epi8(bad) != 0) return false;
    lf_sums = _mm_add_epi64(lf_sums, _mm_sad_epu8(_mm_and_si128(is_nl, one), zero));
  }
  lf = static_cast<std::size_t>(_mm_cvtsi128_si64(lf_sums)) +
       static_cast<std::size_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(lf_sums, lf_sums)));
#endif
  unsigned bad = 0;
  for (; p < end; ++p) {
    const auto c = static_cast<unsigned char>(*p);
    lf += c == '\n';
    bad |= static_cast<unsigned>(static_cast<unsigned char>(c - 0x20) >= 0x5f) &
           static_cast<unsigned>(c != '\t' && c != '\r' && c != '\n');
  }
  return bad == 0;
}

// `token` (RFC 7230 tchars only, as Beast and the fast path check names and Connection's
// tokens) equals `lower` (lower-case letters, digits and '-'), ignoring case. For tchars,
// c | 0x20 turns exactly the upper-case letters into lower case and maps nothing else onto a
// letter, digit or '-', so one OR per byte, 8 bytes at a time, is an exact comparison —
// a tenth of Beast's iequals, which maps each character through a branch.
bool token_is(std::string_view token, std::string_view lower) {
  const std::size_t n = token.size();
  if (n != lower.size()) return false;
  auto word = [](const char* p) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
  };
  constexpr std::uint64_t kCase = 0x2020202020202020u;
  if (n >= 8) {  // whole words, the last one overlapping
    std::uint64_t diff = 0;
    for (std::size_t i = 0; i + 8 < n; i += 8)
      diff |= (word(token.data() + i) | kCase) ^ word(lower.data() + i);
    diff |= (word(token.data() + n - 8) | kCase) ^ word(lower.data() + n - 8);
    return diff == 0;
  }
  unsigned diff = 0;
  for (std::size_t i = 0; i < n; ++i)
    diff |= (static_cast<unsigned char>(token[i]) | 0x20u) ^ static_cast<unsigned char>(lower[i]);
  return diff == 0;
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
  switch (name.size()) {  // a length first: most names are none of these
    case 12:
      if (token_is(name, "content-type"))
        content_type.assign(value);
      else if (token_is(name, "x-ml-seconds"))
        ml_s = parse_seconds(value);
      break;
    case 17:
      if (token_is(name, "x-handler-seconds"))
        handler_s = parse_seconds(value);
      else if (token_is(name, "x-faaslab-replica"))
        replica.assign(value);
      break;
    case 14:
      if (token_is(name, "x-faaslab-node")) node.assign(value);
      break;
    case 19:
      if (token_is(name, "x-faaslab-placement")) placement.assign(value);
      break;
    case 28:
      if (token_is(name, "x-faaslab-cold-start-seconds")) cold_start_s = parse_seconds(value);
      break;
    default:
      break;
  }
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
// is outside its subset. Written for the per-request budget (~700 instructions for nginx's
// head): one memchr per line, one pass checking every byte of the head (head_bytes_ok), a
// length switch before any name comparison, and word-wise comparisons (token_is).
std::size_t ResponseScanner::parse_head(const char* data, std::size_t size) {
  const char* p = data;
  // Beast refuses a head over the limit; the fast path takes only heads well inside it.
  const char* const last =
      data + std::min<std::size_t>(size, header_limit_ > 8 ? header_limit_ - 8 : 0);
  std::size_t lines = 0;
  auto next_line = [&](std::string_view& line) {
    const auto* cr =
        static_cast<const char*>(std::memchr(p, '\r', static_cast<std::size_t>(last - p)));
    if (cr == nullptr || cr + 1 >= last || cr[1] != '\n') return false;
    line = std::string_view(p, static_cast<std::size_t>(cr - p));
    p = cr + 2;
    ++lines;
    return true;
  };
  // Status line: HTTP/1.x SP 3DIGIT SP reason (its bytes checked with the rest, below).
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
    const auto* colon = static_cast<const char*>(std::memchr(line.data(), ':', line.size()));
    if (colon == nullptr || colon == line.data() || nfields == std::size(fields)) return 0;
    const std::string_view name(line.data(), static_cast<std::size_t>(colon - line.data()));
    if (!is_token(name)) return 0;
    const std::string_view value = trim_ows(line.substr(name.size() + 1));
    switch (name.size()) {
      case 14:  // Content-Length
        if (!token_is(name, "content-length")) break;
        if (have_length || value.empty() || value.size() > 19) return 0;
        for (char c : value)
          if (c < '0' || c > '9') return 0;
        std::from_chars(value.data(), value.data() + value.size(), length);
        have_length = true;
        break;
      case 17:  // Transfer-Encoding
      case 7:   // Upgrade
      case 16:  // Proxy-Connection
        if (token_is(name, "transfer-encoding") || token_is(name, "upgrade") ||
            token_is(name, "proxy-connection"))
          return 0;
        break;
      case 10:  // Connection
        if (!token_is(name, "connection")) break;
        // nginx's, on every response. Exact for any bytes a line can hold but controls, which
        // head_bytes_ok refuses below.
        if (token_is(value, "keep-alive")) {
          keep_alive = true;
          break;
        }
        for (std::string_view rest = value; !rest.empty();) {
          const std::size_t comma = std::min(rest.find(','), rest.size());
          const std::string_view token = trim_ows(rest.substr(0, comma));
          rest.remove_prefix(std::min(comma + 1, rest.size()));
          if (!is_token(token) || token_is(token, "upgrade")) return 0;
          if (token_is(token, "close")) close = true;
          if (token_is(token, "keep-alive")) keep_alive = true;
        }
        break;
      default:
        break;
    }
    fields[nfields++] = {name.data(), value.data(), static_cast<std::uint32_t>(name.size()),
                         static_cast<std::uint32_t>(value.size())};
  }
  if (!have_length || length > body_limit_) return 0;
  std::size_t lf = 0;
  if (!head_bytes_ok(data, p, lf) || lf != lines) return 0;

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
