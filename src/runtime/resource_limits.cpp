#include "runtime/resource_limits.h"

#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/number.h"

namespace faaslab::runtime {
namespace fs = std::filesystem;
namespace {

bool write_file(const fs::path& path, const std::string& value, std::string& error) {
  std::ofstream out(path);
  if (!out) {
    error = "cannot open " + path.string() + ": " + std::strerror(errno);
    return false;
  }
  out << value;
  out.flush();
  if (!out) {
    error = "cannot write " + path.string() + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

// This process's path in a cgroup v1 hierarchy ("/" or "/process_api/abc"), from /proc/self/cgroup.
std::string own_cgroup(const std::string& controller) {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    // id:controllers:path
    const auto a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    std::stringstream controllers(line.substr(a + 1, b - a - 1));
    std::string c;
    while (std::getline(controllers, c, ',')) {
      if (c == controller) return line.substr(b + 1);
    }
  }
  return "/";
}

// Creates <mount>/<own path>/faaslab-<pid>, writes the settings, and moves this process in.
bool join_new_cgroup(const std::string& controller,
                     const std::vector<std::pair<std::string, std::string>>& settings,
                     LimitsReport& report, std::string& error) {
  const fs::path mount = fs::path("/sys/fs/cgroup") / controller;
  std::error_code unreachable;
  if (!fs::exists(mount / "cgroup.procs", unreachable)) {
    error = "no cgroup v1 '" + controller + "' hierarchy at " + mount.string();
    return false;
  }
  const fs::path dir = mount / fs::path(own_cgroup(controller)).relative_path() /
                       ("faaslab-" + std::to_string(::getpid()));
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    error = "cannot create " + dir.string() + ": " + ec.message();
    return false;
  }
  for (const auto& [file, value] : settings) {
    if (!write_file(dir / file, value, error)) {
      fs::remove(dir, ec);
      return false;
    }
  }
  if (!write_file(dir / "cgroup.procs", std::to_string(::getpid()), error)) {
    fs::remove(dir, ec);
    return false;
  }
  report.cgroup_dirs.push_back(dir.string());
  return true;
}

}  // namespace

Result<double> parse_cpu_quantity(const std::string& text) {
  const auto number = parse_leading_double(text);
  if (!number) return make_error("'" + text + "' is not a CPU quantity (e.g. 500m, 1, 1.5)");
  double v = number->value;
  const std::string suffix = text.substr(number->length);
  if (suffix == "m")
    v /= 1000;
  else if (!suffix.empty())
    return make_error("'" + text + "' is not a CPU quantity (e.g. 500m, 1, 1.5)");
  if (!(v > 0) || v > 4096) return make_error("'" + text + "' is not a positive CPU quantity");
  return v;
}

Result<std::uint64_t> parse_memory_quantity(const std::string& text) {
  static const std::pair<const char*, double> units[] = {
      {"", 1},     {"k", 1e3},     {"K", 1e3},        {"M", 1e6},           {"G", 1e9},
      {"T", 1e12}, {"Ki", 1024.0}, {"Mi", 1048576.0}, {"Gi", 1073741824.0}, {"Ti", 1099511627776.0},
  };
  if (const auto number = parse_leading_double(text); number && number->value > 0) {
    const std::string suffix = text.substr(number->length);
    for (const auto& [name, scale] : units) {
      if (suffix == name && number->value * scale < 1.8e19)
        return static_cast<std::uint64_t>(std::llround(number->value * scale));
    }
  }
  return make_error("'" + text + "' is not a memory quantity (e.g. 128Mi, 1Gi, 500M)");
}

Result<std::vector<int>> parse_cpu_list(const std::string& text) {
  auto bad = [&] { return make_error("'" + text + "' is not a CPU list (e.g. 0,1 or 0-3)"); };
  auto whole = [](std::string_view s) -> std::optional<int> {
    int v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
  };
  std::vector<int> cpus;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, ',')) {
    const auto dash = part.find('-');
    const auto a = whole(std::string_view(part).substr(0, dash));
    const auto b = dash == std::string::npos ? a : whole(std::string_view(part).substr(dash + 1));
    if (!a || !b || *a < 0 || *b < *a || *b > 4095) return bad();
    for (int c = *a; c <= *b; ++c) cpus.push_back(c);
  }
  if (cpus.empty()) return make_error("empty CPU list");
  return cpus;
}

std::string format_cpu_list(const std::vector<int>& cpus) {
  std::string out;
  for (int c : cpus) out += (out.empty() ? "" : ",") + std::to_string(c);
  return out;
}

Result<std::string> create_cgroup(
    const std::string& controller, const std::string& name,
    const std::vector<std::pair<std::string, std::string>>& settings) {
  const fs::path mount = fs::path("/sys/fs/cgroup") / controller;
  std::error_code unreachable;
  if (!fs::exists(mount / "cgroup.procs", unreachable))
    return make_error("no cgroup v1 '" + controller + "' hierarchy at " + mount.string(),
                      Errc::kUnavailable);
  const fs::path dir = mount / fs::path(own_cgroup(controller)).relative_path() / name;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return make_error("cannot create " + dir.string() + ": " + ec.message(), Errc::kUnavailable);
  for (const auto& [file, value] : settings) {
    std::string error;
    if (!write_file(dir / file, value, error)) {
      fs::remove(dir, ec);
      return make_error(error, Errc::kUnavailable);
    }
  }
  return dir.string();
}

bool remove_cgroup(const std::string& dir) {
  // Groups a killed watchdog left inside it first (its own, nested under a node's).
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_directory(ec)) remove_cgroup(entry.path().string());
  }
  return ::rmdir(dir.c_str()) == 0 || errno == ENOENT;
}

std::vector<std::string> child_cgroups(const std::string& controller, const std::string& prefix) {
  std::vector<std::string> found;
  const fs::path dir =
      fs::path("/sys/fs/cgroup") / controller / fs::path(own_cgroup(controller)).relative_path();
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_directory(ec) && entry.path().filename().string().rfind(prefix, 0) == 0)
      found.push_back(entry.path().string());
  }
  return found;
}

LimitsReport apply_limits(double cpus, const std::vector<int>& cpu_list, std::uint64_t memory_bytes,
                          const std::vector<std::string>& join_first) {
  LimitsReport report;
  for (const auto& dir : join_first) {
    std::string error;
    if (write_file(fs::path(dir) / "cgroup.procs", std::to_string(::getpid()), error))
      report.enforced.push_back("joined the node's group " + dir);
    else
      report.not_enforced.push_back("the node's group: " + error);
  }
  if (cpus > 0 || !cpu_list.empty()) {
    std::vector<int> chosen = cpu_list;
    if (chosen.empty()) {
      cpu_set_t allowed;
      CPU_ZERO(&allowed);
      sched_getaffinity(0, sizeof allowed, &allowed);
      for (int c = 0; c < CPU_SETSIZE && static_cast<double>(chosen.size()) < std::ceil(cpus);
           ++c) {
        if (CPU_ISSET(c, &allowed)) chosen.push_back(c);
      }
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int c : chosen) CPU_SET(c, &set);
    if (sched_setaffinity(0, sizeof set, &set) == 0) {
      report.enforced.push_back("affinity to cores " + format_cpu_list(chosen));
    } else {
      report.not_enforced.push_back("affinity to cores " + format_cpu_list(chosen) + ": " +
                                    std::strerror(errno));
    }
  }
  if (cpus > 0) {
    const long period = 100000;
    const long quota = std::lround(cpus * period);
    std::string error;
    if (join_new_cgroup("cpu",
                        {{"cpu.cfs_period_us", std::to_string(period)},
                         {"cpu.cfs_quota_us", std::to_string(quota)}},
                        report, error)) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "CPU quota %.3g cores (cgroup v1 cpu)", cpus);
      report.enforced.push_back(buf);
    } else {
      report.not_enforced.push_back("CPU quota: " + error);
    }
  }
  if (memory_bytes > 0) {
    std::string error;
    if (join_new_cgroup("memory", {{"memory.limit_in_bytes", std::to_string(memory_bytes)}}, report,
                        error)) {
      report.enforced.push_back("memory limit " + std::to_string(memory_bytes) +
                                " bytes (cgroup v1 memory)");
    } else {
      rlimit r{memory_bytes, memory_bytes};
      if (setrlimit(RLIMIT_DATA, &r) == 0) {
        report.enforced.push_back("memory limit " + std::to_string(memory_bytes) +
                                  " bytes (RLIMIT_DATA; cgroup: " + error + ")");
      } else {
        report.not_enforced.push_back("memory limit: " + error +
                                      "; RLIMIT_DATA: " + std::strerror(errno));
      }
    }
  }
  return report;
}

void release_limits(const LimitsReport& report) {
  for (const auto& dir : report.cgroup_dirs) {
    // Move back to the parent group (a group with members cannot be removed), then remove.
    const fs::path parent = fs::path(dir).parent_path();
    std::string error;
    write_file(parent / "cgroup.procs", std::to_string(::getpid()), error);
    ::rmdir(dir.c_str());
  }
}

}  // namespace faaslab::runtime
