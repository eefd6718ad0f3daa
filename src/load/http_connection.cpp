// GCC 12 with the sanitizers' instrumentation reports the boost::optional that Beast's parser
// returns from content_length_unchecked() as maybe-uninitialized once it is inlined here: a
// false positive (GCC bug 80635), so silenced for this file only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "load/http_connection.h"

#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/http/error.hpp>

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

}  // namespace

void parse_timings_from_body(std::string_view body, double& ml_s, double& handler_s) {
  auto after = [&](std::string_view key) -> double {
    const auto at = body.find(key);
    if (at == std::string_view::npos) return NAN;
    std::string_view rest = body.substr(at + key.size());
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == ':' || rest.front() == '"'))
      rest.remove_prefix(1);
    return parse_seconds(rest.substr(0, std::min<std::size_t>(rest.size(), 40)));
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
    : socket_(ioc.get_executor()), endpoint_(endpoint), limits_(limits), now_us_(now_us) {}

void HttpConnection::close() {
  error_code ec;
  if (socket_.is_open()) socket_.close(ec);  // a FIN, as shutdown() would send, one call fewer
  buffer_.clear();
  dialed_us_ = -1;
}

void HttpConnection::start(Exchange& exchange) {
  exchange_ = &exchange;
  timed_out_ = false;
  retried_ = false;
  deadline_us_ = exchange.record.start_us + limits_.timeout.count();  // set by the caller
  // Asio never completes an operation inside its initiating call, so on_done() cannot run
  // from inside start().
  if (!socket_.is_open()) {
    reused_ = false;
    return connect();
  }
  // Opened by the pool for this request: not a kept-alive connection (no retry if it fails).
  reused_ = dialed_us_ < 0;
  if (!reused_) exchange.record.connect_us = std::exchange(dialed_us_, -1);
  write();
}

void HttpConnection::open(std::function<void(const error_code&)> on_open) {
  dialing_ = true;
  ++connects_;
  buffer_.clear();
  const std::int64_t started = now_us_();
  dial_deadline_us_ = started + limits_.timeout.count();
  socket_.async_connect(endpoint_, [this, started, on_open = std::move(on_open)](error_code ec) {
    dialing_ = false;
    error_code ignored;
    if (ec) {
      if (ec == asio::error::operation_aborted) ec = asio::error::timed_out;
      socket_.close(ignored);
    } else {
      dialed_us_ = now_us_() - started;
      socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
      socket_.non_blocking(true, ignored);
    }
    on_open(ec);
  });
}

void HttpConnection::check_deadline(std::int64_t now_us) {
  if (dialing_ && now_us >= dial_deadline_us_) {
    boost::system::error_code ignored;
    socket_.close(ignored);  // the dial completes with operation_aborted
    return;
  }
  if (!exchange_ || timed_out_ || now_us < deadline_us_) return;
  timed_out_ = true;
  boost::system::error_code ignored;
  socket_.close(ignored);  // the pending operation completes with operation_aborted
}

// Connects and sends without waiting to be told the connection is up: a non-blocking
// connect(2), then the request's send at once. To a loopback or nearby server the handshake
// has finished by the time connect returns, and the send goes out; otherwise it would block
// and is sent when the socket turns writable, which is when the connection is up. Asio's
// async_connect waits for writability first, then asks poll(2) and getsockopt(2) whether it
// worked: against an nginx that closes every connection that was 5 system calls of 13 per
// request. A failure before the first byte is sent is a connect failure either way.
void HttpConnection::connect() {
  connect_start_us_ = now_us_();
  ++connects_;
  buffer_.clear();
  connecting_ = true;
  error_code ec;
  socket_.open(endpoint_.protocol(), ec);
  if (!ec) socket_.non_blocking(true, ec);
  if (!ec) socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  if (!ec &&
      ::connect(socket_.native_handle(), endpoint_.data(),
                static_cast<socklen_t>(endpoint_.size())) != 0 &&
      errno != EINPROGRESS)
    ec = error_code(errno, boost::system::system_category());
  if (ec) {
    // Reported from the scheduler, never from inside start() (on_done's contract).
    return asio::post(socket_.get_executor(), [this, ec] { on_transport_error(ec, "connecting"); });
  }
  write();
}

void HttpConnection::connected() {
  connecting_ = false;
  exchange_->record.connect_us = now_us_() - connect_start_us_;
}

void HttpConnection::write() {
  const PreparedRequest& req = *exchange_->request;
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(req.head), asio::buffer(*req.body)};
  const std::size_t total = req.head.size() + req.body->size();
  // Most requests fit the socket's send buffer: send now, on the non-blocking socket, and save
  // a trip through the scheduler; what does not fit goes out asynchronously.
  error_code ec;
  std::size_t sent = socket_.write_some(buffers, ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) ec = {}, sent = 0;
  exchange_->record.bytes_sent = sent;
  if (connecting_ && sent > 0) connected();
  if (ec) {
    // Report from the scheduler, never from inside start() (on_done's contract).
    return asio::post(socket_.get_executor(),
                      [this, ec] { on_transport_error(ec, "sending request"); });
  }
  if (sent == total) return start_reading();
  beast::buffers_suffix<std::array<asio::const_buffer, 2>> rest(buffers);
  rest.consume(sent);
  asio::async_write(socket_, rest, [this](const error_code& e, std::size_t n) {
    exchange_->record.bytes_sent += n;
    if (connecting_ && n > 0) connected();
    if (e) return on_transport_error(e, "sending request");
    start_reading();
  });
}

void HttpConnection::start_reading() {
  parser_.emplace(exchange_->keep_body);
  parser_->header_limit(kHeaderLimit);
  parser_->body_limit(limits_.max_response_bytes);
  if (buffer_.capacity() < kInitialBuffer) buffer_.reserve(kInitialBuffer);
  read_more();
}

// An asynchronous read rather than a wait for readability and a read in the handler: Asio's
// reactor re-arms a wait with an epoll_ctl call each time, whereas a read it has just found the
// socket drained for is queued with no system call at all (it skips the speculative read too),
// and the reactor performs the recv when epoll reports data. Against a fast server that is one
// system call fewer per request.
void HttpConnection::read_more() {
  const std::size_t room = std::max<std::size_t>(buffer_.capacity() - buffer_.size(), 2048);
  socket_.async_read_some(buffer_.prepare(room), [this](const error_code& ec, std::size_t n) {
    if (ec == asio::error::eof) {
      // A body delimited by the end of the connection is complete at EOF; anything else is not.
      if (!parser_->got_some())
        return on_transport_error(http::error::end_of_stream, "reading response");
      error_code eof_ec;
      parser_->put_eof(eof_ec);
      if (!eof_ec && parser_->is_done()) return finish(Outcome::kOk, {});
      return on_transport_error(http::error::partial_message, "reading response");
    }
    if (ec) return on_transport_error(ec, "reading response");
    buffer_.commit(n);
    if (!parse_buffered()) read_more();
  });
}

bool HttpConnection::parse_buffered() {
  Record& r = exchange_->record;
  while (buffer_.size() > 0) {
    error_code ec;
    const std::size_t used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    r.bytes_received += used;
    if (ec == http::error::need_more) break;
    if (ec) {
      on_transport_error(ec, "reading response");
      return true;
    }
    if (r.first_byte_us == 0 && parser_->is_header_done()) {
      r.first_byte_us = now_us_();
      // Room for the whole announced body, so it arrives in few reads.
      if (const auto len = parser_->content_length();
          len && *len > buffer_.capacity() - buffer_.size())
        buffer_.reserve(std::min<std::size_t>(buffer_.size() + *len, kMaxBuffer));
    }
    if (parser_->is_done()) {
      finish(Outcome::kOk, {});
      return true;
    }
    if (used == 0) break;
  }
  return false;
}

void HttpConnection::on_transport_error(const error_code& ec, const char* stage) {
  if (connecting_) {
    connecting_ = false;
    close();
    if (timed_out_) return finish(Outcome::kTimeout, "timed out connecting");
    return finish(Outcome::kConnect, "connect: " + ec.message());
  }
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
    return finish(Outcome::kTooLarge,
                  "response body over " + std::to_string(limits_.max_response_bytes) + " bytes");
  if (ec == http::error::header_limit)
    return finish(Outcome::kTooLarge, "response header over 64 KiB");
  if (peer_closed) {
    std::string what = ec == asio::error::connection_reset ? "connection reset by server"
                                                           : "connection closed by server";
    return finish(Outcome::kClosed,
                  what + (nothing_received ? " before the response" : " during the response"));
  }
  if (ec.category() == http::make_error_code(http::error::bad_version).category())
    return finish(Outcome::kMalformed, "malformed response: " + ec.message());
  finish(Outcome::kClosed, std::string(stage) + ": " + ec.message());
}

void HttpConnection::fill_response_facts() {
  Record& r = exchange_->record;
  ResponseScanner& res = *parser_;
  r.status = res.status;
  r.reason = std::move(res.reason);
  r.text_response = res.text();
  exchange_->content_type = std::move(res.content_type);
  r.ml_s = res.ml_s;
  r.handler_s = res.handler_s;
  r.replica = std::move(res.replica);
  r.node = std::move(res.node);
  r.placement = std::move(res.placement);
  r.cold_start_s = res.cold_start_s;
  if ((std::isnan(r.ml_s) || std::isnan(r.handler_s)) && r.text_response)
    parse_timings_from_body(res.body, r.ml_s, r.handler_s);
  if (r.status >= 400) {
    r.outcome = Outcome::kHttpError;
    r.error = "HTTP " + std::to_string(r.status);
    if (!r.reason.empty()) r.error += " " + r.reason;
    // The body of an error is usually one line ({"error": "..."}): keep its start.
    std::string_view b = res.body;
    if (r.text_response && !b.empty()) {
      b = b.substr(0, std::min<std::size_t>(b.find('\n'), 200));
      r.error += ": " + std::string(b);
    }
  } else {
    r.outcome = Outcome::kOk;
  }
  if (exchange_->keep_body) exchange_->body = std::move(res.body);
}

void HttpConnection::finish(Outcome outcome, std::string error) {
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
      r.status = parser_->status;
      r.reason = parser_->reason;
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
