// The discrete-event simulator: the model for everything the formulas cannot do — empirical
// service times, percentiles, finite runs shaped like a measured one (ramp-up, requests per
// user, warm-up), timeouts with and without cancellation, per-replica concurrency under every
// routing policy, max_inflight, cold starts, scaling from zero and the runtime's autoscaler.
//
// What it simulates (docs/model.md, "The simulated system"): a request leaves its client,
// spends its delay (the non-CPU part of the overhead), is routed by the gateway to a replica
// (or queued at the gateway), does its overhead work and then, holding one of the replica's
// `concurrency` slots, its handler work. All work shares the machine's cores by processor
// sharing: with k jobs on C cores each progresses at min(1, C/k) core-seconds per second.
// Hand-written: no Debian package simulates this system; the event list is a binary heap and
// processor sharing runs on a virtual clock, so an event costs O(log n).
//
// Deterministic: the same inputs and seed give the same result. Thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <vector>

#include "common/summary.h"
#include "model/model.h"

namespace faaslab::model {

// One request as the client saw it.
struct SimRecord {
  double intended = 0, end = 0;  // seconds from the start
  std::uint8_t outcome = 0;      // 0 ok, 1 timeout, 2 rejected (429)
  std::uint32_t user = 0;        // closed workloads: the user (open: 0)
};

struct SimulationResult {
  SummaryRow summary;
  std::uint64_t timeouts = 0, rejected = 0;
  double utilization = 0, mean_queue = 0, mean_in_service = 0;
  std::uint64_t events = 0;
  double simulated_s = 0;
  bool truncated = false;          // stopped by the event limit before the run was complete
  std::vector<SimRecord> records;  // with SimulationLimits::keep_records
};

struct SimulationLimits {
  // Steady state (a workload that is not finite): requests measured after the warm-up.
  std::uint64_t measured_requests = 20000;
  std::uint64_t warmup_requests = 0;  // 0 = chosen from the workload
  std::uint64_t max_events = 400'000'000;
  bool keep_records = false;  // return every measured request's record
};

// One replication. Inputs must have passed check().
SimulationResult simulate(const Workload& w, const System& s, std::uint64_t seed,
                          const SimulationLimits& limits = {});

// The summary of client records by the measurement's definitions (experiment/summaries.h, with
// the same statistics: common/summary.h):
// count issued, ok / count, ended per second of [first intended start, last end], response
// times from the intended start over every request, nearest-rank percentiles.
SummaryRow summarise_records(const std::vector<SimRecord>& records);

}  // namespace faaslab::model
