// Logging goes through spdlog's default logger, to stderr, so stdout stays for results.
#pragma once

#include <string_view>

#include "common/result.h"

namespace faaslab {

// level: trace, debug, info, warn, error, critical, off.
Status init_logging(std::string_view level);

}  // namespace faaslab
