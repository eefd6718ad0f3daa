#include "common/shutdown_signals.h"

#include <pthread.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace faaslab {

ShutdownSignals::ShutdownSignals(std::initializer_list<int> extra) {
  sigemptyset(&set_);
  sigaddset(&set_, SIGTERM);
  sigaddset(&set_, SIGINT);
  for (int s : extra) sigaddset(&set_, s);
  pthread_sigmask(SIG_BLOCK, &set_, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
}

int ShutdownSignals::wait() {
  int sig = 0;
  while (sigwait(&set_, &sig) != 0) {
  }
  return sig;
}

std::optional<int> ShutdownSignals::wait_for(Micros timeout) {
  const auto us = timeout.count() < 0 ? 0 : timeout.count();
  const timespec ts{static_cast<time_t>(us / 1000000), static_cast<long>(us % 1000000) * 1000};
  const int sig = sigtimedwait(&set_, nullptr, &ts);
  if (sig < 0) return std::nullopt;  // EAGAIN (timeout) or EINTR
  return sig;
}

const char* ShutdownSignals::name(int signal) {
  const char* abbrev = sigabbrev_np(signal);
  static thread_local char buf[16];
  if (!abbrev) return "a signal";
  std::snprintf(buf, sizeof buf, "SIG%s", abbrev);
  return buf;
}

}  // namespace faaslab
