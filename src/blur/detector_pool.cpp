#include "blur/detector_pool.h"

#include <algorithm>
#include <exception>
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

Status DetectorPool::warm_up(int count, const cv::Mat& frame) {
  // Hold every lease at once, so each is a different detector.
  std::vector<Lease> leases;
  for (int i = 0; i < std::min(count, capacity_); ++i) {
    auto lease = acquire();
    if (!lease) return lease.error_value();
    leases.push_back(std::move(*lease));
  }
  std::vector<std::string> errors(leases.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < leases.size(); ++i) {
    threads.emplace_back([&, i] {
      try {
        (void)leases[i]->detect(frame);
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& e : errors) {
    if (!e.empty()) return make_error("warming up a face detector failed: " + e, Errc::kInternal);
  }
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
