#include "common/lock_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace faaslab {

Status LockFile::create() {
  std::ofstream out(path_, std::ios::trunc);
  if (!out)
    return make_error("cannot write lock file " + path_ + ": " + std::strerror(errno),
                      Errc::kUnavailable);
  created_ = true;
  return Ok{};
}

void LockFile::remove() {
  if (created_) {
    std::remove(path_.c_str());
    created_ = false;
  }
}

}  // namespace faaslab
