// Standard base64 (RFC 4648, with padding). Written by hand: no Debian package offers a
// maintained C++ base64 API (Beast's lives in boost::beast::detail), and these run on every
// request over megabytes of image data, so they are table-driven and allocation-free per byte.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace faaslab {

std::string base64_encode(std::span<const std::uint8_t> data);

// Decodes base64 text. Whitespace (space, tab, CR, LF) anywhere is skipped; padding is
// optional; the URL-safe alphabet ('-', '_') is accepted too. Returns nullopt on any other
// character or an impossible length.
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text);

}  // namespace faaslab
