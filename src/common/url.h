// Minimal http:// URL splitting for clients (faaslab talks plain HTTP on loopback or a cluster
// network; TLS terminates elsewhere, as in OpenFaaS).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace faaslab {

struct Url {
  std::string host;
  std::uint16_t port = 80;
  std::string target = "/";  // path plus query, always starting with '/'

  std::string to_string() const;
};

// Accepts "http://host[:port][/path][?query]"; "https" and other schemes are an error.
Result<Url> parse_url(std::string_view text);

}  // namespace faaslab
