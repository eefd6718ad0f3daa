// Configuration from the environment, as OpenFaaS passes it to functions and watchdogs.
// Parsing works over a plain list of "KEY=value" strings so it is testable without a process
// (the of-watchdog way); current_environment() supplies the real one.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

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

}  // namespace faaslab
