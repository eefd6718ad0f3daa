// A mutex the thread-safety analysis understands (std::mutex in libstdc++ carries no
// annotations): members marked GUARDED_BY(mu_) may only be touched with mu_ held, and
// functions marked REQUIRES(mu_) only called so. LevelDB's port::Mutex, on std::mutex.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "common/thread_annotations.h"

namespace faaslab {

class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() ACQUIRE() { mu_.lock(); }
  void unlock() RELEASE() { mu_.unlock(); }
  // Tells the analysis the caller holds it (where it cannot see so, e.g. in a callback).
  void assert_held() const ASSERT_CAPABILITY(this) {}

 private:
  std::mutex mu_;
};

// Holds a Mutex for its scope.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~MutexLock() RELEASE() { mu_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

// A condition variable for a Mutex (LevelDB's port::CondVar): wait while holding the mutex.
class CondVar {
 public:
  // Waits until `done()` holds (checked with `mu` held) or `timeout` passes; returns done().
  template <class Rep, class Period, class Predicate>
  bool wait_for(Mutex& mu, std::chrono::duration<Rep, Period> timeout, Predicate done)
      REQUIRES(mu) {
    return cv_.wait_for(mu, timeout, done);
  }
  void notify_all() { cv_.notify_all(); }

 private:
  std::condition_variable_any cv_;
};

}  // namespace faaslab
