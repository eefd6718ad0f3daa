#include "experiment/machine_info.h"

#include <sqlite3.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <boost/version.hpp>
#include <fstream>
#include <string>

#include "common/env.h"

#ifndef FAASLAB_VERSION
#define FAASLAB_VERSION "dev"
#endif

namespace faaslab::experiment {

nlohmann::json machine_info() {
  nlohmann::json j;
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      j["cpu_model"] = line.substr(line.find(':') + 2);
      break;
    }
  }
  j["cores"] = available_cores();
  j["online_cpus"] = sysconf(_SC_NPROCESSORS_ONLN);
  j["memory_bytes"] = static_cast<std::int64_t>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE);
  utsname u{};
  if (uname(&u) == 0) {
    j["kernel"] = std::string(u.sysname) + " " + u.release;
    j["arch"] = u.machine;
    j["hostname"] = u.nodename;
  }
  std::ifstream os("/etc/os-release");
  while (std::getline(os, line)) {
    if (line.rfind("PRETTY_NAME=", 0) == 0) j["os"] = line.substr(13, line.size() - 14);
  }
  return j;
}

nlohmann::json version_info() {
  return {{"faaslab", FAASLAB_VERSION},
          {"boost", std::to_string(BOOST_VERSION / 100000) + "." +
                        std::to_string(BOOST_VERSION / 100 % 1000) + "." +
                        std::to_string(BOOST_VERSION % 100)},
          {"sqlite", sqlite3_libversion()},
          {"compiler", std::string("g++ ") + __VERSION__}};
}

}  // namespace faaslab::experiment
