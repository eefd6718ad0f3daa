// Parsing of the human-written quantities faaslab accepts in flags, environment variables and
// files: durations ("25s", "1m30s", "500ms", "1.5s", or a bare number of seconds, as the
// OpenFaaS watchdogs accept), byte sizes ("32MiB", "1.5MB", "4096") and bandwidths
// ("100Mbit", "12.5MB/s"). Pure functions, safe from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace faaslab {

using Micros = std::chrono::microseconds;

// Go-style duration: a sequence of <number><unit> with units ns, us, µs, ms, s, m, h; or a
// bare non-negative number, taken as seconds. Negative durations are rejected.
Result<Micros> parse_duration(std::string_view text);

// Formats a duration the way Go prints it, shortest exact form: "25s", "1m30s", "500ms".
std::string format_duration(Micros d);

// Seconds with microsecond digits, as the timing headers carry them: "0.016384".
std::string format_seconds(double seconds);

// Byte size: a number with an optional unit B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB
// (powers of 1024); units are case-insensitive. "32MiB" = 33554432.
Result<std::uint64_t> parse_byte_size(std::string_view text);

// Bandwidth in bits per second. Bit rates: a number with an optional unit bit, bit/s, b/s or bps
// after an optional prefix k, M, G (powers of 1000, either case: "100Mbit", "100mbit" as tc
// writes it, "100Mbit/s", "100Mbps", "500Kbps"); a bare number is bit/s ("64000"). Byte rates,
// times 8: B/s or Bps after parse_byte_size's prefixes ("12.5MB/s" = 1e8, "1MiB/s" = 8388608).
// Unlike tc, "bps" is bits per second: tc reads "100mbps" as megabytes. "unlimited" and 0 mean
// no limit and give 0. Errors: empty, negative, not a number, an unknown unit, and more than
// kMaxBandwidthBps.
inline constexpr double kMaxBandwidthBps = 1e12;
Result<double> parse_bandwidth(std::string_view text);

// The largest whole prefix, up to 9 significant digits: "100Mbit/s", "1.5Gbit/s", "64kbit/s",
// "500bit/s"; 0 is "unlimited". parse_bandwidth reads it back.
std::string format_bandwidth(double bps);

// Non-negative integer with an optional SI suffix k, M, G (powers of 1000): "40M" = 40000000.
Result<std::uint64_t> parse_count(std::string_view text);

// Boolean as the OpenFaaS watchdogs read it: "true"/"1"/"yes"/"on" and "false"/"0"/"no"/"off".
Result<bool> parse_bool(std::string_view text);

inline double to_seconds(Micros d) {
  return static_cast<double>(d.count()) / 1e6;
}
// Rounds to the microsecond. `s` must be finite and within Micros' range (about ±292,000
// years): the conversion is undefined otherwise. For seconds from input, duration_from_seconds.
inline Micros from_seconds(double s) {
  return Micros(static_cast<std::int64_t>(s * 1e6 + (s >= 0 ? 0.5 : -0.5)));
}

// Seconds read from input as a duration: an error for NaN, infinities, negative values and
// values past 9.2e12 s (where from_seconds would be undefined), as parse_duration's "too large".
Result<Micros> duration_from_seconds(double seconds);

}  // namespace faaslab
