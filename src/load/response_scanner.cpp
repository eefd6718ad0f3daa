#include "load/response_scanner.h"

#include <charconv>

namespace faaslab::load {

namespace http = boost::beast::http;

namespace {

double parse_seconds(boost::beast::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  double v = NAN;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() ? v : NAN;
}

}  // namespace

bool ResponseScanner::text() const {
  const std::string_view t = content_type;
  return t.starts_with("text/") || t.find("json") != std::string_view::npos;
}

void ResponseScanner::on_response_impl(int code, string_view r, int, error_code&) {
  status = code;
  reason.assign(r.data(), r.size());
}

void ResponseScanner::on_field_impl(http::field name, string_view name_string, string_view value,
                                    error_code&) {
  using boost::beast::iequals;
  if (name == http::field::content_type) {
    content_type.assign(value.data(), value.size());
  } else if (name == http::field::unknown && name_string.size() > 2 &&
             (name_string[0] == 'X' || name_string[0] == 'x')) {
    if (iequals(name_string, "X-ML-Seconds"))
      ml_s = parse_seconds(value);
    else if (iequals(name_string, "X-Handler-Seconds"))
      handler_s = parse_seconds(value);
    else if (iequals(name_string, "X-Faaslab-Replica"))
      replica.assign(value.data(), value.size());
    else if (iequals(name_string, "X-Faaslab-Node"))
      node.assign(value.data(), value.size());
    else if (iequals(name_string, "X-Faaslab-Placement"))
      placement.assign(value.data(), value.size());
    else if (iequals(name_string, "X-Faaslab-Cold-Start-Seconds"))
      cold_start_s = parse_seconds(value);
  }
}

void ResponseScanner::on_header_impl(error_code&) {
  // Keep the body when the caller wants it, when it explains an error, or when the timings
  // are only in it (a json or seed body from a function that sends no headers).
  store_ = keep_body_ || status >= 400 || (text() && (std::isnan(ml_s) || std::isnan(handler_s)));
}

void ResponseScanner::on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) {
  if (store_ && length) body.reserve(static_cast<std::size_t>(*length));
}

std::size_t ResponseScanner::on_body_impl(string_view data, error_code&) {
  body_bytes += data.size();
  if (store_) body.append(data.data(), data.size());
  return data.size();
}

}  // namespace faaslab::load
