#include "load/http_connection.h"

#include <array>
#include <charconv>

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>

namespace faaslab::load {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;

namespace {

// Initial read buffer: small, because 10,000 idle users each hold one. It grows to the size of
// a response body announced by Content-Length (Beast reads at most the free capacity per call,
// so a 1 MB body read into a 4 KiB buffer would take 250 reads).
constexpr std::size_t kInitialBuffer = 4 * 1024;
constexpr std::size_t kMaxBuffer = 1 << 20;
constexpr std::size_t kHeaderLimit = 64 * 1024;

double parse_double(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  double v = NAN;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() ? v : NAN;
}

}  // namespace

void parse_timings_from_body(std::string_view body, double& ml_s, double& handler_s) {
  auto after = [&](std::string_view key) -> double {
    const auto at = body.find(key);
    if (at == std::string_view::npos) return NAN;
    std::string_view rest = body.substr(at + key.size());
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == ':' || rest.front() == '"'))
      rest.remove_prefix(1);
    return parse_double(rest.substr(0, std::min<std::size_t>(rest.size(), 40)));
  };
  if (std::isnan(ml_s)) {
    ml_s = after("\"ml_seconds\"");
    if (std::isnan(ml_s)) ml_s = after("Elapsed ML time:");
  }
  if (std::isnan(handler_s)) {
    handler_s = after("\"handler_seconds\"");
    if (std::isnan(handler_s)) handler_s = after("Total time:");
  }
}

HttpConnection::HttpConnection(asio::io_context& ioc, const asio::ip::tcp::endpoint& endpoint,
                               const ConnectionLimits& limits, std::int64_t (*now_us)())
    : socket_(ioc), timer_(ioc), endpoint_(endpoint), limits_(limits), now_us_(now_us) {}

void HttpConnection::close() {
  error_code ec;
  if (socket_.is_open()) {
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }
  buffer_.clear();
}

void HttpConnection::start(Exchange& exchange) {
  exchange_ = &exchange;
  timed_out_ = false;
  retried_ = false;
  const std::uint64_t generation = ++generation_;
  timer_.expires_after(limits_.timeout);
  timer_.async_wait([this, generation](const error_code& ec) { on_timer(ec, generation); });
  if (socket_.is_open()) {
    reused_ = true;
    // Post, so on_done() is never called from inside start(); the write is as fast.
    asio::post(socket_.get_executor(), [this] { write(); });
  } else {
    reused_ = false;
    connect();
  }
}

void HttpConnection::on_timer(const error_code& ec, std::uint64_t generation) {
  if (ec || generation != generation_ || !exchange_) return;
  timed_out_ = true;
  error_code ignored;
  socket_.close(ignored);  // the pending operation completes with operation_aborted
}

void HttpConnection::connect() {
  connect_start_us_ = now_us_();
  ++connects_;
  buffer_.clear();
  socket_.async_connect(endpoint_, [this](const error_code& ec) {
    if (ec) {
      if (timed_out_) return finish(Outcome::kTimeout, "timed out connecting");
      error_code ignored;
      socket_.close(ignored);
      return finish(Outcome::kConnect, "connect: " + ec.message());
    }
    exchange_->record.connect_us = now_us_() - connect_start_us_;
    error_code ignored;
    socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
    write();
  });
}

void HttpConnection::write() {
  const PreparedRequest& req = *exchange_->request;
  std::array<asio::const_buffer, 2> buffers{asio::buffer(req.head), asio::buffer(*req.body)};
  asio::async_write(socket_, buffers, [this](const error_code& ec, std::size_t n) {
    exchange_->record.bytes_sent = n;
    if (ec) return on_transport_error(ec, "sending request");
    read_header();
  });
}

void HttpConnection::read_header() {
  parser_.emplace();
  parser_->header_limit(kHeaderLimit);
  parser_->body_limit(limits_.max_response_bytes);
  if (buffer_.capacity() < kInitialBuffer) buffer_.reserve(kInitialBuffer);
  http::async_read_header(socket_, buffer_, *parser_, [this](const error_code& ec, std::size_t n) {
    exchange_->record.bytes_received = n;
    if (ec) return on_transport_error(ec, "reading response");
    exchange_->record.first_byte_us = now_us_();
    if (parser_->is_done()) return finish(Outcome::kOk, {});
    if (const auto len = parser_->content_length(); len && *len > buffer_.capacity() - buffer_.size())
      buffer_.reserve(std::min<std::size_t>(buffer_.size() + *len, kMaxBuffer));
    read_body();
  });
}

void HttpConnection::read_body() {
  http::async_read(socket_, buffer_, *parser_, [this](const error_code& ec, std::size_t n) {
    exchange_->record.bytes_received += n;
    if (ec) return on_transport_error(ec, "reading response");
    finish(Outcome::kOk, {});
  });
}

void HttpConnection::on_transport_error(const error_code& ec, const char* stage) {
  if (timed_out_) {
    return finish(Outcome::kTimeout,
                  "timed out after " + format_duration(limits_.timeout) + " " + stage);
  }
  const bool nothing_received = !parser_ || !parser_->got_some();
  const bool peer_closed = ec == http::error::end_of_stream || ec == asio::error::eof ||
                           ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
                           ec == http::error::partial_message;
  // A kept-alive connection the server closed while idle: reconnect and send again, once.
  if (peer_closed && reused_ && !retried_ && nothing_received) {
    retried_ = true;
    reused_ = false;
    close();
    exchange_->record.bytes_received = 0;
    return connect();
  }
  if (ec == http::error::body_limit)
    return finish(Outcome::kTooLarge, "response body over " +
                                          std::to_string(limits_.max_response_bytes) + " bytes");
  if (ec == http::error::header_limit)
    return finish(Outcome::kTooLarge, "response header over 64 KiB");
  if (peer_closed) {
    std::string what = ec == asio::error::connection_reset ? "connection reset by server"
                                                           : "connection closed by server";
    return finish(Outcome::kClosed, what + (nothing_received ? " before the response"
                                                             : " during the response"));
  }
  if (ec.category() == http::make_error_code(http::error::bad_version).category())
    return finish(Outcome::kMalformed, "malformed response: " + ec.message());
  finish(Outcome::kClosed, std::string(stage) + ": " + ec.message());
}

void HttpConnection::fill_response_facts() {
  Record& r = exchange_->record;
  auto& res = parser_->get();
  r.status = static_cast<int>(res.result_int());
  r.reason = std::string(res.reason());
  auto header = [&](std::string_view name) -> std::string_view {
    auto it = res.find(name);
    return it == res.end() ? std::string_view{} : std::string_view(it->value());
  };
  const std::string_view type = header("Content-Type");
  exchange_->content_type = std::string(type);
  r.text_response = type.starts_with("text/") || type.find("json") != std::string_view::npos;
  if (auto v = header("X-ML-Seconds"); !v.empty()) r.ml_s = parse_double(v);
  if (auto v = header("X-Handler-Seconds"); !v.empty()) r.handler_s = parse_double(v);
  if (auto v = header("X-Faaslab-Replica"); !v.empty()) r.replica = std::string(v);
  if (auto v = header("X-Faaslab-Cold-Start-Seconds"); !v.empty()) r.cold_start_s = parse_double(v);
  if ((std::isnan(r.ml_s) || std::isnan(r.handler_s)) && r.text_response)
    parse_timings_from_body(res.body(), r.ml_s, r.handler_s);
  if (r.status >= 400) {
    r.outcome = Outcome::kHttpError;
    r.error = "HTTP " + std::to_string(r.status);
    if (!r.reason.empty()) r.error += " " + r.reason;
    // The body of an error is usually one line ({"error": "..."}): keep its start.
    std::string_view b = res.body();
    if (r.text_response && !b.empty()) {
      b = b.substr(0, std::min<std::size_t>(b.find('\n'), 200));
      r.error += ": " + std::string(b);
    }
  } else {
    r.outcome = Outcome::kOk;
  }
  if (exchange_->keep_body) exchange_->body = std::move(res.body());
}

void HttpConnection::finish(Outcome outcome, std::string error) {
  ++generation_;
  timer_.cancel();
  Exchange* ex = exchange_;
  Record& r = ex->record;
  bool keep_open = false;
  if (outcome == Outcome::kOk) {
    fill_response_facts();
    keep_open = parser_->keep_alive();
  } else {
    r.outcome = outcome;
    r.error = std::move(error);
    if (parser_ && parser_->is_header_done()) {
      r.status = static_cast<int>(parser_->get().result_int());
      r.reason = std::string(parser_->get().reason());
    }
  }
  r.end_us = now_us_();
  parser_.reset();
  if (!keep_open) close();
  if (buffer_.capacity() > kMaxBuffer / 4 && buffer_.size() == 0) buffer_.shrink_to_fit();
  exchange_ = nullptr;
  ex->on_done(*this);
}

}  // namespace faaslab::load
