#include "blur/detector_pool.h"

#include <algorithm>
#include <thread>

namespace faaslab::blur {

Result<std::unique_ptr<DetectorPool>> DetectorPool::create(const DetectorOptions& options,
                                                           int capacity) {
  std::unique_ptr<DetectorPool> pool(new DetectorPool(options, std::max(1, capacity)));
  auto first = make_detector(options);
  if (!first) return first.error_value();
  pool->idle_.push_back(std::move(*first));
  pool->created_ = 1;
  return pool;
}

int DetectorPool::created() const {
  std::lock_guard lock(mu_);
  return created_;
}

Result<DetectorPool::Lease> DetectorPool::acquire() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (!idle_.empty()) {
      auto d = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(d));
    }
    if (created_ < capacity_) {
      ++created_;
      lock.unlock();  // building a net takes milliseconds; do not hold others up
      auto d = make_detector(options_);
      if (!d) {
        std::lock_guard relock(mu_);
        --created_;
        freed_.notify_one();
        return d.error_value();
      }
      return Lease(this, std::move(*d));
    }
    freed_.wait(lock);
  }
}

Status DetectorPool::warm_up(int count) {
  // Build the missing detectors in parallel (each runs its first forward pass as it is made).
  const int missing = std::min(count, capacity_) - created();
  if (missing <= 0) return Ok{};
  std::vector<Result<std::unique_ptr<FaceDetector>>> made;
  for (int i = 0; i < missing; ++i) made.emplace_back(make_error("not built"));
  std::vector<std::thread> threads;
  for (int i = 0; i < missing; ++i) {
    threads.emplace_back([&, i] { made[static_cast<std::size_t>(i)] = make_detector(options_); });
  }
  for (auto& t : threads) t.join();
  std::lock_guard lock(mu_);
  for (auto& d : made) {
    if (!d) return d.error_value();
    if (created_ >= capacity_) break;  // callers built some meanwhile
    idle_.push_back(std::move(*d));
    ++created_;
  }
  freed_.notify_all();
  return Ok{};
}

void DetectorPool::give_back(std::unique_ptr<FaceDetector> d) {
  {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(d));
  }
  freed_.notify_one();
}

}  // namespace faaslab::blur
