#include "common/http_client.h"

#include <strings.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <optional>

namespace faaslab {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return {};
}

struct HttpClient::Impl {
  std::string host;
  std::uint16_t port;
  asio::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;

  // Runs the queued async operations to completion; the stream's expiry enforces the deadline.
  void run() {
    ioc.restart();
    ioc.run();
  }

  Status connect(std::chrono::steady_clock::time_point deadline) {
    stream.emplace(ioc);
    buffer.clear();
    // Beast reads at most the buffer's free capacity per call; at the default 512 bytes a
    // megabyte response takes 2000 reads.
    buffer.reserve(256 * 1024);
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    const auto endpoints = resolver.resolve(host, std::to_string(port), ec);
    if (ec) return make_error("cannot resolve " + host + ": " + ec.message());
    stream->expires_at(deadline);
    stream->async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
    run();
    if (ec) {
      stream.reset();
      return make_error("cannot connect to " + host + ":" + std::to_string(port) + ": " +
                        ec.message());
    }
    stream->socket().set_option(tcp::no_delay(true), ec);
    return Ok{};
  }

  // One exchange on the current connection. `fresh` says whether the connection is new, so a
  // failure before any response byte on a reused connection can be retried.
  Result<HttpResponse> exchange(const HttpRequest& request,
                                std::chrono::steady_clock::time_point deadline, Micros timeout,
                                bool& retryable) {
    retryable = false;
    http::request<http::string_body> req;
    req.method_string(request.method);
    req.target(request.target);
    req.version(11);
    req.set(http::field::host, host + ":" + std::to_string(port));
    for (const auto& [k, v] : request.headers) req.set(k, v);
    req.body() = request.body;
    if (!request.body.empty() || request.method == "POST" || request.method == "PUT")
      req.prepare_payload();

    beast::error_code ec;
    stream->expires_at(deadline);
    http::async_write(*stream, req, [&](beast::error_code e, std::size_t) { ec = e; });
    run();
    if (ec) {
      retryable = true;
      return make_error("sending request: " + ec.message());
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(boost::none);
    parser.header_limit(64 * 1024);
    http::async_read(*stream, buffer, parser, [&](beast::error_code e, std::size_t) { ec = e; });
    run();
    if (ec) {
      retryable = (ec == http::error::end_of_stream || ec == asio::error::connection_reset) &&
                  !parser.got_some();
      if (ec == beast::error::timeout)
        return make_error("timed out after " + format_duration(timeout));
      return make_error("reading response: " + ec.message());
    }
    auto res = parser.release();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    out.reason = std::string(res.reason());
    for (const auto& f : res)
      out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    out.keep_alive = res.keep_alive();
    out.body = std::move(res.body());
    return out;
  }
};

HttpClient::HttpClient(std::string host, std::uint16_t port) : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
}

HttpClient::~HttpClient() {
  close();
}

bool HttpClient::connected() const {
  return impl_->stream.has_value();
}

void HttpClient::close() {
  if (impl_->stream) {
    beast::error_code ec;
    impl_->stream->socket().shutdown(tcp::socket::shutdown_both, ec);
    impl_->stream->socket().close(ec);
    impl_->stream.reset();
  }
}

Result<HttpResponse> HttpClient::send(const HttpRequest& request, Micros timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = impl_->stream.has_value();
    if (!reused) {
      if (auto st = impl_->connect(deadline); !st) return make_error(st.error());
    }
    bool retryable = false;
    auto result = impl_->exchange(request, deadline, timeout, retryable);
    if (result.ok()) {
      if (!result->keep_alive) close();
      return result;
    }
    close();
    if (!(reused && retryable)) return result;
  }
  return make_error("connection closed by server");
}

Result<HttpResponse> http_request(const std::string& host, std::uint16_t port,
                                  const HttpRequest& request, Micros timeout) {
  HttpClient client(host, port);
  return client.send(request, timeout);
}

}  // namespace faaslab
