// One request as the load generator saw it: the per-request record of ARCHITECTURE.md.
//
// Times are µs on the monotonic clock, relative to the run's start (time 0 = the shared start
// instant); wall-clock timestamps are derived from one anchor taken at the start, so they are as
// monotonic as the intervals. A record is a plain value: copy or move it freely.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

namespace faaslab::load {

// How a request ended. Everything but kOk is a failure; kDropped was never sent.
enum class Outcome : std::uint8_t {
  kOk,         // a response with status 100-399 (JMeter's notion of success)
  kHttpError,  // a response with status >= 400
  kTimeout,    // no complete response within the client timeout
  kConnect,    // the connection could not be made (refused, unreachable)
  kClosed,     // the server closed or reset the connection before a complete response
  kMalformed,  // the response was not valid HTTP/1.1
  kTooLarge,   // the response exceeded the size limit
  kDropped,    // open model: not sent, the cap on outstanding requests was reached
};
inline constexpr int kOutcomeCount = 8;

// "ok", "http_error", "timeout", "connect", "closed", "malformed", "too_large", "dropped".
std::string_view outcome_name(Outcome outcome);

struct Record {
  std::uint64_t user = 0;       // closed model: user number (global across shards); open: 0
  std::uint64_t sequence = 0;   // closed: the user's request number; open: the arrival number
  std::uint32_t payload = 0;    // which payload (frame) was sent, 0-based
  std::uint32_t iteration = 0;  // closed model: pass over the payloads, 0-based

  std::int64_t intended_us = 0;    // when the request should have been sent
  std::int64_t start_us = 0;       // when sending began (connection set-up included)
  std::int64_t first_byte_us = 0;  // when the response header had arrived (0 if none)
  std::int64_t end_us = 0;         // when the response was complete or the request failed
  std::int64_t connect_us = -1;    // time to connect, -1 when a kept-alive connection was reused

  int status = 0;  // HTTP status, 0 when there was no response
  Outcome outcome = Outcome::kOk;
  std::uint64_t bytes_sent = 0;      // request header + body
  std::uint64_t bytes_received = 0;  // response header + body
  bool text_response = false;        // response Content-Type is text or JSON (JTL dataType)

  // The function's own timings (X-ML-Seconds, X-Handler-Seconds, or parsed from a json/seed
  // body); NaN when not reported.
  double ml_s = NAN;
  double handler_s = NAN;
  std::string replica;        // X-Faaslab-Replica, "" if absent
  std::string node;           // X-Faaslab-Node: the emulated node it ran on, "" if absent
  std::string placement;      // X-Faaslab-Placement: the tier and the policy's reason
  double cold_start_s = NAN;  // X-Faaslab-Cold-Start-Seconds; present = this request waited
                              // for a cold start
  std::string reason;         // HTTP reason phrase
  std::string error;          // failure description, "" on success

  bool ok() const { return outcome == Outcome::kOk; }
  bool sent() const { return outcome != Outcome::kDropped; }
  bool cold_start() const { return !std::isnan(cold_start_s); }
  std::int64_t latency_us() const { return end_us - intended_us; }  // from intended start
  std::int64_t service_us() const { return end_us - start_us; }     // from actual start
};

}  // namespace faaslab::load
