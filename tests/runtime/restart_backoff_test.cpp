// The pool's restart back-off on a fake clock.
#include <gtest/gtest.h>

#include "runtime/restart_backoff.h"

namespace faaslab::runtime {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(RestartBackoff, DoublesPerConsecutiveFailureUpToTheCap) {
  RestartBackoff b;
  EXPECT_EQ(b.delay(), milliseconds(100));
  const SteadyClock::time_point t0{seconds(1000)};
  std::vector<long> delays;
  for (int i = 0; i < 8; ++i) {
    b.crashed(t0 + seconds(i), t0 + seconds(i) + milliseconds(10));  // each ran for 10 ms
    delays.push_back(static_cast<long>(b.delay().count()));
  }
  EXPECT_EQ(delays, (std::vector<long>{200, 400, 800, 1600, 3200, 6400, 10000, 10000}));
}

// Issue 20: crashes far apart are not consecutive. A replica that ran for a stable period before
// crashing restarts after the base delay, however many crashes the function had in its life.
TEST(RestartBackoff, CrashesFarApartDoNotAccumulate) {
  RestartBackoff b;
  SteadyClock::time_point t{seconds(1000)};
  for (int i = 0; i < 20; ++i) {
    const auto ready_at = t;
    t += RestartBackoff::kStableRun + seconds(1);
    b.crashed(ready_at, t);
    EXPECT_EQ(b.delay(), milliseconds(200)) << "crash " << i + 1 << " after a long healthy run";
  }
  // A quick crash after that counts on from the last one.
  b.crashed(t, t + milliseconds(50));
  EXPECT_EQ(b.delay(), milliseconds(400));
}

TEST(RestartBackoff, AReadyReplicaForgivesTheStartFailuresBeforeIt) {
  RestartBackoff b;
  b.start_failed();
  b.start_failed();
  EXPECT_EQ(b.start_failures(), 2);
  EXPECT_EQ(b.delay(), milliseconds(400));
  b.started();
  EXPECT_EQ(b.start_failures(), 0);
  EXPECT_EQ(b.delay(), milliseconds(100));
  b.start_failed();
  b.forgive_start_failures();
  EXPECT_EQ(b.start_failures(), 0);
}

}  // namespace
}  // namespace faaslab::runtime
