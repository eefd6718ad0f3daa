#include "common/env.h"
#include "common/env_reader.h"

#include <sched.h>
#include <stdlib.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>
#include <utility>
#include <vector>

#include "common/number.h"

extern char** environ;  // NOLINT: POSIX

namespace faaslab {

Env::Env(const EnvList& list) {
  for (const auto& entry : list) {
    const auto eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    values_[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
}

std::optional<std::string> Env::get(const std::string& key) const {
  const auto it = values_.find(key);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

std::string Env::get_or(const std::string& key, const std::string& fallback) const {
  return get(key).value_or(fallback);
}

Result<long> parse_integer_in(const std::string& text, long lo, long hi) {
  long v = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size())
    return make_error("'" + text + "' is not an integer");
  if (v < lo || v > hi)
    return make_error(std::to_string(v) + " is out of range [" + std::to_string(lo) + ", " +
                      std::to_string(hi) + "]");
  return v;
}

Result<double> parse_real_in(const std::string& text, double lo, double hi) {
  const auto v = parse_double(text);
  if (!v) return make_error("'" + text + "' is not a number");
  if (!(*v >= lo && *v <= hi))
    return make_error(text + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) +
                      "]");
  return *v;
}

EnvList current_environment() {
  EnvList list;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) list.emplace_back(*e);
  return list;
}

int available_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  const unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? static_cast<int>(hw) : 1;
}

std::string temp_dir() {
  const char* t = std::getenv("TMPDIR");
  return (t != nullptr && *t != '\0') ? std::string(t) : std::string("/tmp");
}

Result<PrivateTempDir> PrivateTempDir::create(const std::string& prefix) {
  const std::string pattern = temp_dir() + "/" + prefix + "XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  if (::mkdtemp(name.data()) == nullptr) {
    return make_error("cannot create a directory " + pattern + ": " + std::strerror(errno),
                      Errc::kUnavailable);
  }
  return PrivateTempDir(std::string(name.data()));
}

PrivateTempDir::~PrivateTempDir() {
  remove();
}

PrivateTempDir::PrivateTempDir(PrivateTempDir&& other) noexcept
    : path_(std::exchange(other.path_, std::string())) {}

PrivateTempDir& PrivateTempDir::operator=(PrivateTempDir&& other) noexcept {
  if (this != &other) {
    remove();
    path_ = std::exchange(other.path_, std::string());
  }
  return *this;
}

void PrivateTempDir::remove() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
  path_.clear();
}

}  // namespace faaslab
