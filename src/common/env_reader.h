// Reading optional configuration variables, each with its parser, as the function (fn_config)
// and the watchdog (watchdog_config) read theirs: an unset or empty variable keeps the default
// already in `out`; a bad value is an error that names the variable ("port: 'x' is not an
// integer"). Pure functions over an Env, safe from any thread.
#pragma once

#include <string>

#include "common/env.h"
#include "common/result.h"
#include "common/units.h"

namespace faaslab {

template <class T, class Parse>
Status read_env(const Env& env, const char* key, T& out, Parse parse) {
  const auto v = env.get(key);
  if (!v) return Ok{};
  auto parsed = parse(*v);
  if (!parsed) return make_error(std::string(key) + ": " + parsed.error());
  out = *parsed;
  return Ok{};
}

// A whole decimal integer in [lo, hi].
Result<long> parse_integer_in(const std::string& text, long lo, long hi);
// A whole number (as strtod reads it) in [lo, hi].
Result<double> parse_real_in(const std::string& text, double lo, double hi);

// Parsers for read_env.
namespace env_value {
inline auto integer(long lo, long hi) {
  return [lo, hi](const std::string& s) { return parse_integer_in(s, lo, hi); };
}
inline auto real(double lo, double hi) {
  return [lo, hi](const std::string& s) { return parse_real_in(s, lo, hi); };
}
inline auto duration() {
  return [](const std::string& s) { return parse_duration(s); };
}
inline auto boolean() {
  return [](const std::string& s) { return parse_bool(s); };
}
inline auto byte_size() {
  return [](const std::string& s) { return parse_byte_size(s); };
}
inline auto count() {
  return [](const std::string& s) { return parse_count(s); };
}
inline auto text() {
  return [](const std::string& s) -> Result<std::string> { return s; };
}
}  // namespace env_value

}  // namespace faaslab
