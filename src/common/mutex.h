// A mutex the thread-safety analysis understands (std::mutex in libstdc++ carries no
// annotations): members marked GUARDED_BY(mu_) may only be touched with mu_ held, and
// functions marked REQUIRES(mu_) only called so. LevelDB's port::Mutex, on std::mutex.
#pragma once

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

}  // namespace faaslab
