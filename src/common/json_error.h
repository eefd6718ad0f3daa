// The one error body shape every faaslab HTTP server answers with: {"error": "..."}.
#pragma once

#include <string>
#include <string_view>

namespace faaslab {

// One line of JSON, newline-terminated, with the message escaped.
std::string json_error(std::string_view message);

}  // namespace faaslab
