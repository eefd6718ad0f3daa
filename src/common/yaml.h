// Loading YAML configuration (stack files, campaigns) with the checks yaml-cpp leaves out.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <string_view>

#include "common/result.h"

namespace faaslab {

struct YamlLimits {
  std::size_t max_depth = 64;       // nesting of maps and sequences
  std::size_t max_nodes = 100'000;  // nodes visited, aliases followed each time they appear
};

// Parses `text` as one YAML document. Beyond yaml-cpp's own syntax errors, refuses — with the
// line and column — what yaml-cpp accepts but a configuration file must not hold:
//   - bytes that are not UTF-8;
//   - a map key that is not a scalar (`? [a]: b`): every reader here names keys by string;
//   - a key given twice in one map: YAML forbids it, yaml-cpp keeps both, and `node[key]` and a
//     loop over the map would then disagree on which one counts;
//   - a document nested deeper than max_depth or larger than max_nodes once aliases are followed:
//     an alias may point back into its own anchor (`&a [*a]`, a cycle) or fan out exponentially
//     ("billion laughs"), and every reader walks the tree recursively.
// yaml-cpp exceptions become the error; nothing is thrown.
Result<YAML::Node> load_yaml(std::string_view text, const YamlLimits& limits = {});

}  // namespace faaslab
