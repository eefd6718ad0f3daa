// Measures each link of an emulated network as a user would check it: the round trip of a
// 64-byte message (median of many, after a warm-up), and the bandwidth of a bulk transfer in
// each direction (bytes over the time they took, less the measured round trip). A probe server
// runs in the link's `to` namespace; the client connects from its `from` namespace through
// Network::expose, so the measurement crosses the link exactly as requests will.
//
// Verdicts: RTT within rtt_tolerance of the configured round trip plus rtt_slack; bandwidth
// within bandwidth_tolerance of the configured rate (an unlimited direction is reported, not
// judged). Blocking; every socket operation is bounded by `timeout`.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "common/units.h"
#include "netem/network.h"

namespace faaslab::netem {

struct CalibrateOptions {
  int pings = 40;
  double bulk_seconds = 1.0;  // each bulk transfer lasts about this long at the configured rate
  std::uint64_t unlimited_bulk_bytes = 64ull << 20;  // for a direction with no rate
  Micros timeout = std::chrono::seconds(60);
  double rtt_tolerance = 0.05;
  Micros rtt_slack = std::chrono::microseconds(200);
  double bandwidth_tolerance = 0.05;
};

struct LinkMeasurement {
  std::string from, to;  // "" = the host (client side)
  Emulation emulation = Emulation::kAuto;
  double configured_rtt_s = 0, rtt_s = 0, rtt_min_s = 0, rtt_max_s = 0;
  double configured_up_bps = 0, up_bps = 0;  // 0 configured = unlimited
  double configured_down_bps = 0, down_bps = 0;
  std::uint64_t bulk_up_bytes = 0, bulk_down_bytes = 0;
  bool rtt_ok = false, up_ok = false, down_ok = false;
  bool ok() const { return rtt_ok && up_ok && down_ok; }
};

// Measures link `index` of network.links(). Errors: the probe could not be reached or timed out.
Result<LinkMeasurement> calibrate_link(Network& network, std::size_t index,
                                       const CalibrateOptions& options);

}  // namespace faaslab::netem
