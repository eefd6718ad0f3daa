// How long a function's pool waits before starting a replica again after failures, and when it
// gives up: exponential back-off from 200 ms, doubling per consecutive failure, capped at 10 s,
// as Kubernetes' CrashLoopBackOff does at a smaller scale. Two kinds of failure count: a replica
// that never became ready (after max_start_failures in a row the function is unhealthy) and a
// ready replica that crashed; crashes count as consecutive only while no replica ran stably
// between them.
//
// No I/O, no clock of its own: the caller passes the times. Not thread-safe (the pool's lock).
#pragma once

#include <chrono>

#include "common/clock.h"

namespace faaslab::runtime {

class RestartBackoff {
 public:
  static constexpr std::chrono::milliseconds kBase{100};
  static constexpr std::chrono::milliseconds kMax{10000};
  // A replica that stayed ready this long before it crashed ends the run of consecutive crashes
  // (Kubernetes resets its back-off after a container ran for twice its cap; so does this).
  static constexpr std::chrono::milliseconds kStableRun = 2 * kMax;

  // A replica exited or timed out before it became ready.
  void start_failed() { ++start_failures_; }
  // A replica became ready: the start failures before it are forgiven.
  void started() { start_failures_ = 0; }
  // A ready replica crashed; it had been ready since `ready_at`. A crash after kStableRun of
  // readiness counts as the first of a new run.
  void crashed(SteadyClock::time_point ready_at, SteadyClock::time_point now);
  // An operator acted (scale up of an unhealthy function, a redeploy): start failures forgotten.
  void forgive_start_failures() { start_failures_ = 0; }

  int start_failures() const { return start_failures_; }
  int consecutive_crashes() const { return consecutive_crashes_; }
  // The wait before the next start: kBase * 2^n, capped at kMax, n the larger failure count.
  std::chrono::milliseconds delay() const;

 private:
  int start_failures_ = 0;
  int consecutive_crashes_ = 0;
};

}  // namespace faaslab::runtime
