// Clocks: steady (monotonic) for intervals, system (wall) only for timestamps in output.
#pragma once

#include <chrono>
#include <cstdint>

namespace faaslab {

using SteadyClock = std::chrono::steady_clock;

inline std::int64_t mono_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             SteadyClock::now().time_since_epoch())
      .count();
}
inline std::int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Seconds elapsed since construction (or the last reset), from the steady clock.
class Stopwatch {
 public:
  Stopwatch() : start_(SteadyClock::now()) {}
  void reset() { start_ = SteadyClock::now(); }
  double seconds() const {
    return std::chrono::duration<double>(SteadyClock::now() - start_).count();
  }

 private:
  SteadyClock::time_point start_;
};

}  // namespace faaslab
