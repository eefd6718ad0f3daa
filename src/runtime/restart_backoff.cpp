#include "runtime/restart_backoff.h"

#include <algorithm>

namespace faaslab::runtime {

void RestartBackoff::crashed(SteadyClock::time_point ready_at, SteadyClock::time_point now) {
  if (now - ready_at >= kStableRun) consecutive_crashes_ = 0;
  ++consecutive_crashes_;
}

std::chrono::milliseconds RestartBackoff::delay() const {
  const int n = std::max(start_failures_, consecutive_crashes_);
  return std::min<std::chrono::milliseconds>(kBase * (1 << std::min(n, 10)), kMax);
}

}  // namespace faaslab::runtime
