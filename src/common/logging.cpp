#include "common/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <string>

namespace faaslab {

Status init_logging(std::string_view level) {
  const auto lvl = spdlog::level::from_str(std::string(level));
  if (lvl == spdlog::level::off && level != "off") {
    return make_error("unknown log level '" + std::string(level) +
                      "' (trace, debug, info, warn, error, off)");
  }
  auto logger = spdlog::stderr_color_mt("faaslab");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  logger->set_level(lvl);
  spdlog::set_default_logger(logger);
  return Ok{};
}

}  // namespace faaslab
