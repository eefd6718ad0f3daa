// Checking that text is UTF-8, for inputs whose parsers do not (yaml-cpp reads bytes as they
// come; nlohmann::json would then throw when the text is written out, e.g. into an error
// message or the results database).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace faaslab {

// The offset of the first byte that is not part of a valid UTF-8 sequence (overlong forms and
// surrogates included), or nullopt when all of `text` is valid.
std::optional<std::size_t> invalid_utf8_at(std::string_view text);

}  // namespace faaslab
