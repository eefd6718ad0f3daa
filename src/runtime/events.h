// Replica events: every start, ready, exit, restart, scaling decision and cold start, as a
// structured record the experiment part stores beside the per-request records. Kept in memory
// (the last 100,000, readable with since()) and, if a path is given, appended to a JSON-lines
// file as they happen. Thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <fstream>
#include <functional>
#include <string>
#include <vector>
#include "common/mutex.h"

#include <nlohmann/json.hpp>

namespace faaslab::runtime {

struct ReplicaEvent {
  std::uint64_t seq = 0;     // 1, 2, ... in order of recording
  std::int64_t wall_us = 0;  // unix time
  std::int64_t mono_us = 0;  // steady clock, for intervals
  std::string function;
  std::string replica;  // empty for function-level events (scale)
  // start, ready, exit, crash, restart, unhealthy, stop, scale, cold_start, deploy, remove,
  // template_exit, template_restart (fork mode: the replica's template died, came back)
  std::string kind;
  double seconds = -1;     // a duration the event measures (ready: start->ready), else -1
  int from = -1, to = -1;  // scale: replicas before and after
  std::string detail;      // free text: exit status, reason for scaling

  nlohmann::json to_json() const;
};

class EventLog {
 public:
  // path: JSON-lines file to append to; empty = memory only.
  explicit EventLog(const std::string& path = "");

  // Fills seq and the timestamps, then stores and writes the event.
  void record(ReplicaEvent event);
  std::vector<ReplicaEvent> since(std::uint64_t seq, std::size_t max = 10000) const;
  std::uint64_t last_seq() const;

 private:
  mutable Mutex mu_;
  std::deque<ReplicaEvent> recent_ GUARDED_BY(mu_);
  std::uint64_t seq_ GUARDED_BY(mu_) = 0;
  std::ofstream file_ GUARDED_BY(mu_);
};

}  // namespace faaslab::runtime
