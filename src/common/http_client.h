// A small synchronous HTTP/1.1 client with keep-alive and a deadline per request, built on
// Boost.Beast. For command-line tools and tests; the load generator has its own async engine.
//
// Not thread-safe: one HttpClient per thread. Owns its connection; close() or destruction
// closes it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/header_list.h"
#include "common/result.h"
#include "common/units.h"

namespace faaslab {

struct HttpRequest {
  std::string method = "GET";
  std::string target = "/";
  HeaderList headers;
  std::string body;
};

struct HttpResponse {
  int status = 0;
  std::string reason;
  HeaderList headers;
  std::string body;
  bool keep_alive = true;

  // First header with this name (case-insensitive), or "" if absent.
  std::string header(std::string_view name) const;
};

class HttpClient {
 public:
  HttpClient(std::string host, std::uint16_t port);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request and reads the whole response within `timeout` (connect included).
  // A kept-alive connection the server has since closed is reopened once, transparently.
  // Errors (refused, reset, timeout, malformed response) come back as Error.
  Result<HttpResponse> send(const HttpRequest& request, Micros timeout);

  void close();
  bool connected() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One-shot convenience: new connection, one request, close.
Result<HttpResponse> http_request(const std::string& host, std::uint16_t port,
                                  const HttpRequest& request, Micros timeout);

}  // namespace faaslab
