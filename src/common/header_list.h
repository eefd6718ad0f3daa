// HTTP headers as an ordered list of (name, value) pairs, the way the function's handler and
// the blocking HTTP client pass them (without a Beast message).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace faaslab {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

}  // namespace faaslab
