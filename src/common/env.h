// Configuration from the environment, as OpenFaaS passes it to functions and watchdogs.
// Parsing works over a plain list of "KEY=value" strings so it is testable without a process
// (the of-watchdog way); current_environment() supplies the real one.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace faaslab {

using EnvList = std::vector<std::string>;

class Env {
 public:
  explicit Env(const EnvList& list);  // later entries override earlier ones

  // Value of key, or nullopt if unset. An empty value counts as unset, as in the watchdogs.
  std::optional<std::string> get(const std::string& key) const;
  std::string get_or(const std::string& key, const std::string& fallback) const;

 private:
  std::map<std::string, std::string> values_;
};

EnvList current_environment();

// Cores this process may run on (sched_getaffinity), at least 1.
int available_cores();

// The directory Go's os.TempDir() returns: $TMPDIR, else /tmp. OpenFaaS writes its lock file there.
std::string temp_dir();

// A directory of this process's own under temp_dir(), made by mkdtemp(3):
// <temp_dir()>/<prefix>XXXXXX, a name nobody can guess beforehand, mode 0700 whatever the umask,
// and never a directory that existed before (so never one another user made first). Removed,
// with everything in it, when the object is destroyed. Movable, not copyable.
class PrivateTempDir {
 public:
  static Result<PrivateTempDir> create(const std::string& prefix);
  PrivateTempDir() = default;  // no directory
  ~PrivateTempDir();
  PrivateTempDir(PrivateTempDir&& other) noexcept;
  PrivateTempDir& operator=(PrivateTempDir&& other) noexcept;
  PrivateTempDir(const PrivateTempDir&) = delete;
  PrivateTempDir& operator=(const PrivateTempDir&) = delete;

  const std::string& path() const { return path_; }  // empty: none

 private:
  explicit PrivateTempDir(std::string path) : path_(std::move(path)) {}
  void remove();

  std::string path_;
};

}  // namespace faaslab
