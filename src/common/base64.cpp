#include "common/base64.h"

#include <array>

namespace faaslab {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::uint8_t kInvalid = 0xFF;
constexpr std::uint8_t kSkip = 0xFE;

constexpr std::array<std::uint8_t, 256> make_decode_table() {
  std::array<std::uint8_t, 256> t{};
  for (auto& v : t) v = kInvalid;
  for (int i = 0; i < 64; ++i)
    t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::uint8_t>(i);
  t['-'] = 62;
  t['_'] = 63;
  t[' '] = t['\t'] = t['\r'] = t['\n'] = kSkip;
  return t;
}
constexpr auto kDecode = make_decode_table();

}  // namespace

std::string base64_encode(std::span<const std::uint8_t> data) {
  std::string out;
  out.resize((data.size() + 2) / 3 * 4);
  char* o = out.data();
  std::size_t i = 0;
  const std::size_t n = data.size();
  for (; i + 3 <= n; i += 3) {
    const std::uint32_t v =
        (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) | data[i + 2];
    *o++ = kAlphabet[(v >> 18) & 63];
    *o++ = kAlphabet[(v >> 12) & 63];
    *o++ = kAlphabet[(v >> 6) & 63];
    *o++ = kAlphabet[v & 63];
  }
  if (i < n) {
    std::uint32_t v = std::uint32_t{data[i]} << 16;
    if (i + 1 < n) v |= std::uint32_t{data[i + 1]} << 8;
    *o++ = kAlphabet[(v >> 18) & 63];
    *o++ = kAlphabet[(v >> 12) & 63];
    *o++ = (i + 1 < n) ? kAlphabet[(v >> 6) & 63] : '=';
    *o++ = '=';
  }
  return out;
}

std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text) {
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 4 * 3 + 3);
  std::uint32_t acc = 0;
  int bits = 0;
  std::size_t padding = 0;
  for (const char ch : text) {
    const std::uint8_t d = kDecode[static_cast<unsigned char>(ch)];
    if (d == kSkip) continue;
    if (ch == '=') {
      ++padding;
      continue;
    }
    if (d == kInvalid || padding > 0) return std::nullopt;  // data after padding is invalid
    acc = (acc << 6) | d;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(acc >> bits));
      acc &= (1u << bits) - 1;
    }
  }
  // 6 leftover bits cannot come from whole bytes; more than 2 '=' is malformed.
  if (bits >= 6 || padding > 2) return std::nullopt;
  return out;
}

}  // namespace faaslab
