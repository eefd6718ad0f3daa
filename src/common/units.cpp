#include "common/units.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>
#include <system_error>
#include <utility>

namespace faaslab {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Reads a non-negative decimal number ("12", "1.5", ".5") at the front of s.
bool read_number(std::string_view& s, double& out) {
  std::size_t i = 0;
  bool digits = false;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, digits = true;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, digits = true;
  }
  if (!digits) return false;
  // from_chars, not std::stod: stod throws for a number past double's range (a few hundred
  // digits) and reads the decimal point of the current locale.
  const auto [end, ec] = std::from_chars(s.data(), s.data() + i, out);
  if (ec != std::errc() || end != s.data() + i) return false;
  s.remove_prefix(i);
  return std::isfinite(out);
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Bits per second in one unit of a bandwidth ("Mbit" = 1e6, "MB/s" = 8e6), or 0 if unknown.
double bandwidth_unit(std::string_view unit) {
  if (unit.empty()) return 1;
  // Byte rates, with parse_byte_size's prefixes; the B is upper case, as in "MB/s".
  for (const std::string_view base : {"B/s", "Bps"}) {
    if (!ends_with(unit, base)) continue;
    static const std::pair<std::string_view, double> kPrefixes[] = {
        {"", 1},      {"k", 1e3},        {"m", 1e6},           {"g", 1e9},
        {"ki", 1024}, {"mi", 1048576.0}, {"gi", 1073741824.0},
    };
    const std::string prefix = lower(unit.substr(0, unit.size() - base.size()));
    for (const auto& [name, scale] : kPrefixes)
      if (prefix == name) return 8 * scale;
    return 0;
  }
  // Bit rates: "bit" and "bit/s" in either case (tc writes "mbit"); "b/s" and "bps" with a
  // lower-case b, as upper case is a byte.
  const std::string folded = lower(unit);
  std::string_view prefix;
  if (ends_with(folded, "bit/s"))
    prefix = std::string_view(folded).substr(0, folded.size() - 5);
  else if (ends_with(folded, "bit"))
    prefix = std::string_view(folded).substr(0, folded.size() - 3);
  else if (ends_with(unit, "b/s") || ends_with(unit, "bps"))
    prefix = std::string_view(folded).substr(0, folded.size() - 3);
  else
    return 0;
  if (prefix.empty()) return 1;
  if (prefix == "k") return 1e3;
  if (prefix == "m") return 1e6;
  if (prefix == "g") return 1e9;
  return 0;
}

// The longest duration either parser accepts, in microseconds: just under Micros' int64 limit
// (9.22e18), past which the conversion is undefined.
constexpr double kMaxDurationUs = 9.2e18;

}  // namespace

Result<Micros> duration_from_seconds(double seconds) {
  const auto shown = [seconds] {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g s", seconds);
    return std::string(buf);
  };
  if (std::isnan(seconds)) return make_error("not a number of seconds");
  if (seconds < 0) return make_error("negative duration " + shown());
  if (!(seconds * 1e6 <= kMaxDurationUs))
    return make_error("duration of " + shown() + " is too large");
  return from_seconds(seconds);
}

Result<Micros> parse_duration(std::string_view text) {
  std::string_view s = trim(text);
  const std::string original(s);
  if (s.empty()) return make_error("empty duration");
  if (s.front() == '-') return make_error("negative duration '" + original + "'");
  if (s.front() == '+') s.remove_prefix(1);
  double total_us = 0;
  bool any = false;
  while (!s.empty()) {
    double value = 0;
    if (!read_number(s, value))
      return make_error("invalid duration '" + original + "' (examples: 25s, 1m30s, 500ms)");
    std::size_t u = 0;
    while (u < s.size() && !std::isdigit(static_cast<unsigned char>(s[u])) && s[u] != '.') ++u;
    const std::string unit = lower(s.substr(0, u));
    s.remove_prefix(u);
    double scale = 0;
    if (unit.empty()) {
      if (any || !s.empty()) return make_error("invalid duration '" + original + "': missing unit");
      scale = 1e6;  // bare number: seconds, as the OpenFaaS watchdogs read integers
    } else if (unit == "ns") {
      scale = 1e-3;
    } else if (unit == "us" || unit == "\xc2\xb5s" || unit == "\xce\xbcs") {
      scale = 1;
    } else if (unit == "ms") {
      scale = 1e3;
    } else if (unit == "s") {
      scale = 1e6;
    } else if (unit == "m") {
      scale = 60e6;
    } else if (unit == "h") {
      scale = 3600e6;
    } else {
      return make_error("invalid duration '" + original + "': unknown unit '" + unit + "'");
    }
    total_us += value * scale;
    any = true;
  }
  if (total_us > kMaxDurationUs) return make_error("duration '" + original + "' is too large");
  return Micros(static_cast<std::int64_t>(std::llround(total_us)));
}

std::string format_seconds(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", seconds);
  return buf;
}

std::string format_duration(Micros d) {
  std::int64_t us = d.count();
  if (us == 0) return "0s";
  std::string out;
  if (us < 0) {
    out = "-";
    us = -us;
  }
  if (us < 1000) return out + std::to_string(us) + "us";
  if (us < 1000000) {
    if (us % 1000 == 0) return out + std::to_string(us / 1000) + "ms";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%gms", static_cast<double>(us) / 1e3);
    return out + buf;
  }
  const std::int64_t h = us / 3600000000LL;
  us %= 3600000000LL;
  const std::int64_t m = us / 60000000LL;
  us %= 60000000LL;
  if (h) out += std::to_string(h) + "h";
  if (h || m) out += std::to_string(m) + "m";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%gs", static_cast<double>(us) / 1e6);
  return out + buf;
}

Result<std::uint64_t> parse_byte_size(std::string_view text) {
  std::string_view s = trim(text);
  const std::string original(s);
  double value = 0;
  if (!read_number(s, value))
    return make_error("invalid size '" + original + "' (examples: 32MiB, 1MB, 4096)");
  const std::string unit = lower(trim(s));
  double scale = 0;
  if (unit.empty() || unit == "b")
    scale = 1;
  else if (unit == "kb" || unit == "k")
    scale = 1e3;
  else if (unit == "mb" || unit == "m")
    scale = 1e6;
  else if (unit == "gb" || unit == "g")
    scale = 1e9;
  else if (unit == "kib" || unit == "ki")
    scale = 1024.0;
  else if (unit == "mib" || unit == "mi")
    scale = 1024.0 * 1024;
  else if (unit == "gib" || unit == "gi")
    scale = 1024.0 * 1024 * 1024;
  else
    return make_error("invalid size '" + original + "': unknown unit '" + unit + "'");
  const double bytes = value * scale;
  if (bytes > 1.8e19) return make_error("size '" + original + "' is too large");
  return static_cast<std::uint64_t>(std::llround(bytes));
}

Result<double> parse_bandwidth(std::string_view text) {
  std::string_view s = trim(text);
  const std::string original(s);
  static constexpr const char* kExamples =
      " (examples: 100Mbit, 1Gbit/s, 500kbit, 64000, 12.5MB/s, unlimited)";
  if (s.empty()) return make_error(std::string("empty bandwidth") + kExamples);
  if (lower(s) == "unlimited") return 0.0;
  if (s.front() == '-') return make_error("negative bandwidth '" + original + "'");
  if (s.front() == '+') s.remove_prefix(1);
  double value = 0;
  if (!read_number(s, value)) return make_error("invalid bandwidth '" + original + "'" + kExamples);
  const std::string unit(trim(s));
  const double scale = bandwidth_unit(unit);
  if (scale == 0)
    return make_error("invalid bandwidth '" + original + "': unknown unit '" + unit +
                      "' (bit/s: 100Mbit, 100Mbit/s, 100Mbps; byte/s: 12.5MB/s, 1MiB/s)");
  const double bps = value * scale;
  if (bps > kMaxBandwidthBps)
    return make_error("bandwidth '" + original + "' is too large (at most " +
                      format_bandwidth(kMaxBandwidthBps) + ")");
  return bps;
}

std::string format_bandwidth(double bps) {
  if (bps == 0) return "unlimited";
  static const std::pair<double, const char*> kUnits[] = {
      {1e9, "Gbit/s"}, {1e6, "Mbit/s"}, {1e3, "kbit/s"}};
  double value = bps;
  const char* unit = "bit/s";
  for (const auto& [scale, name] : kUnits) {
    if (bps >= scale) {
      value = bps / scale;
      unit = name;
      break;
    }
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.9g%s", value, unit);
  return buf;
}

Result<std::uint64_t> parse_count(std::string_view text) {
  std::string_view s = trim(text);
  const std::string original(s);
  double value = 0;
  if (!read_number(s, value)) return make_error("invalid number '" + original + "'");
  const std::string_view unit = trim(s);
  double scale = 1;
  if (unit == "k" || unit == "K")
    scale = 1e3;
  else if (unit == "M")
    scale = 1e6;
  else if (unit == "G")
    scale = 1e9;
  else if (!unit.empty())
    return make_error("invalid number '" + original + "': unknown suffix '" + std::string(unit) +
                      "'");
  const double v = value * scale;
  if (v > 1.8e19) return make_error("number '" + original + "' is too large");
  return static_cast<std::uint64_t>(std::llround(v));
}

Result<bool> parse_bool(std::string_view text) {
  const std::string v = lower(trim(text));
  if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off") return false;
  return make_error("invalid boolean '" + std::string(text) + "' (use true or false)");
}

}  // namespace faaslab
