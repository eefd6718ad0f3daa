// What a run is recorded with: the machine (CPU model, cores, memory, kernel, host) and the
// versions of faaslab and the libraries that shape its numbers.
#pragma once

#include <nlohmann/json.hpp>

namespace faaslab::experiment {

nlohmann::json machine_info();
nlohmann::json version_info();

}  // namespace faaslab::experiment
