#include "common/json_error.h"

#include <nlohmann/json.hpp>

namespace faaslab {

std::string json_error(std::string_view message) {
  nlohmann::json j;
  j["error"] = std::string(message);
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace faaslab
