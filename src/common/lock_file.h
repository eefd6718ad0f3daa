// The OpenFaaS lock file: the watchdogs write <tmp>/.lock once the function is ready and remove
// it on shutdown; Kubernetes' exec readiness probe (`cat /tmp/.lock`) reads it.
#pragma once

#include <string>

#include "common/result.h"

namespace faaslab {

class LockFile {
 public:
  // path: usually temp_dir() + "/.lock".
  explicit LockFile(std::string path) : path_(std::move(path)) {}
  ~LockFile() { remove(); }
  LockFile(const LockFile&) = delete;
  LockFile& operator=(const LockFile&) = delete;

  Status create();
  void remove();  // idempotent
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool created_ = false;
};

}  // namespace faaslab
