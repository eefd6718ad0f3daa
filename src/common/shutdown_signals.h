// Orderly shutdown on SIGTERM and SIGINT for a server's main thread (the function, the
// watchdog, the gateway): the signals are blocked in the calling thread and so in every thread
// it starts afterwards (threads inherit the mask; construct this before any thread exists), and
// the main thread takes them synchronously with wait(). SIGPIPE is ignored, so a peer that
// closes early is an error value on a write, never the end of the process.
//
// Not thread-safe: one per process, used from the main thread.
#pragma once

#include <signal.h>

#include <initializer_list>
#include <optional>

#include "common/units.h"

namespace faaslab {

class ShutdownSignals {
 public:
  // Blocks SIGTERM, SIGINT and `extra` (e.g. SIGUSR1 for a fatal-error wake-up).
  explicit ShutdownSignals(std::initializer_list<int> extra = {});

  // Waits for one of the signals; returns it.
  int wait();
  // Waits at most `timeout`; nullopt if none came.
  std::optional<int> wait_for(Micros timeout);

  // "SIGTERM", "SIGINT", ... for the log.
  static const char* name(int signal);

 private:
  sigset_t set_;
};

}  // namespace faaslab
