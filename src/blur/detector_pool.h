// A bounded pool of face detectors for concurrent callers. Detectors are not thread-safe, so
// each caller leases one for the duration of a detection. Instances are created on demand up
// to `capacity` (the first at construction, so model errors surface early and the first
// request does not pay for it); a caller beyond capacity waits for a free one.
//
// Thread-safe. The pool must outlive its leases.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "blur/detector.h"

namespace faaslab::blur {

class DetectorPool {
 public:
  static Result<std::unique_ptr<DetectorPool>> create(const DetectorOptions& options, int capacity);

  class Lease {
   public:
    Lease(DetectorPool* pool, std::unique_ptr<FaceDetector> d)
        : pool_(pool), detector_(std::move(d)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (detector_) pool_->give_back(std::move(detector_));
    }
    FaceDetector& operator*() const { return *detector_; }
    FaceDetector* operator->() const { return detector_.get(); }

   private:
    DetectorPool* pool_;
    std::unique_ptr<FaceDetector> detector_;
  };

  // Blocks until a detector is free or a new one could be made. Errors only if creating a new
  // instance fails (the model vanished from disk, out of memory).
  Result<Lease> acquire();

  // Builds the detectors missing up to `count` (at most the capacity), in parallel, so that no
  // request pays for building a net and its first forward pass (~10-20 ms). Errors: a
  // detector could not be built.
  Status warm_up(int count);

  int capacity() const { return capacity_; }
  int created() const;

 private:
  DetectorPool(DetectorOptions options, int capacity)
      : options_(std::move(options)), capacity_(capacity) {}
  void give_back(std::unique_ptr<FaceDetector> d);

  const DetectorOptions options_;
  const int capacity_;
  mutable std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<FaceDetector>> idle_;  // guarded by mu_
  int created_ = 0;                                  // guarded by mu_
};

}  // namespace faaslab::blur
