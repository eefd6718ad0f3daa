// Numbers read from text without exceptions: bad input is an expected failure, returned as a
// value (std::stod throws for it). Pure functions, safe from any thread.
#pragma once

#include <cerrno>
#include <cstdlib>
#include <optional>
#include <string>

namespace faaslab {

// The number at the start of `text` (as strtod reads it) and how many characters it used, for
// quantities with a unit suffix ("500m", "128Mi"); nullopt when no number starts it or it is
// out of range.
struct LeadingNumber {
  double value;
  std::size_t length;
};
inline std::optional<LeadingNumber> parse_leading_double(const std::string& text) {
  const char* begin = text.c_str();
  char* end = nullptr;
  const int saved = errno;
  errno = 0;
  const double value = std::strtod(begin, &end);
  const bool out_of_range = errno == ERANGE;
  errno = saved;
  if (end == begin || out_of_range) return std::nullopt;
  return LeadingNumber{value, static_cast<std::size_t>(end - begin)};
}

// The whole of `text` as a double, read as std::stod reads it (leading white space, a sign,
// decimal or hexadecimal digits, inf, nan); nullopt when no number starts it, anything follows
// the number, or the number is out of range.
inline std::optional<double> parse_double(const std::string& text) {
  const auto number = parse_leading_double(text);
  if (!number || number->length != text.size()) return std::nullopt;
  return number->value;
}

}  // namespace faaslab
