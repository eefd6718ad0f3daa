// Integers read from JSON input with their range checked. nlohmann::json's get<T>() converts
// whatever number a value holds with a plain cast: a float past T's range (7.7e39 read as a
// count) is undefined behaviour, and a negative number read as unsigned wraps.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "common/result.h"

namespace faaslab {

// `v` as T when it is a JSON integer (no fraction, no exponent) within T's range; otherwise an
// error "<field>: expected an integer from <min> to <max>, got <v>".
template <class T>
Result<T> json_integer(const nlohmann::json& v, std::string_view field) {
  static_assert(std::numeric_limits<T>::is_integer);
  constexpr auto lo = std::numeric_limits<T>::min();
  constexpr auto hi = std::numeric_limits<T>::max();
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u <= static_cast<std::uint64_t>(hi)) return static_cast<T>(u);
  } else if (v.is_number_integer()) {
    const auto i = v.get<std::int64_t>();
    if (i >= 0 ? static_cast<std::uint64_t>(i) <= static_cast<std::uint64_t>(hi)
               : std::numeric_limits<T>::is_signed && i >= static_cast<std::int64_t>(lo))
      return static_cast<T>(i);
  }
  return make_error(std::string(field) + ": expected an integer from " + std::to_string(lo) +
                    " to " + std::to_string(hi) + ", got " +
                    v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace faaslab
