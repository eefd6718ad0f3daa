#include "common/yaml.h"

#include <map>
#include <string>
#include <vector>

#include "common/utf8.h"

namespace faaslab {
namespace {

std::string at(const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  if (m.is_null()) return "";
  return "line " + std::to_string(m.line + 1) + ", column " + std::to_string(m.column + 1) + ": ";
}

class Checker {
 public:
  explicit Checker(const YamlLimits& limits) : limits_(limits) {}

  Status check(const YAML::Node& n) {
    if (++visited_ > limits_.max_nodes)
      return make_error(at(n) + "the document has more than " + std::to_string(limits_.max_nodes) +
                        " nodes once aliases are followed (aliases nested inside aliases)");
    if (!n.IsSequence() && !n.IsMap()) return Ok{};
    for (const auto& outer : open_)
      if (outer.is(n))
        return make_error(at(n) + "an alias refers to a node that contains it (a loop)");
    if (open_.size() + 1 > limits_.max_depth)
      return make_error(at(n) + "nested deeper than " + std::to_string(limits_.max_depth) +
                        " levels");
    open_.push_back(n);
    Status st = n.IsSequence() ? check_items(n) : check_entries(n);
    open_.pop_back();
    return st;
  }

 private:
  Status check_items(const YAML::Node& sequence) {
    for (const auto& item : sequence)
      if (auto st = check(item); !st) return st;
    return Ok{};
  }

  Status check_entries(const YAML::Node& map) {
    std::map<std::string, YAML::Mark> seen;
    for (const auto& kv : map) {
      if (!kv.first.IsScalar())
        return make_error(at(kv.first) + "a key must be a plain value, not a map or a list");
      const auto [it, inserted] = seen.emplace(kv.first.Scalar(), kv.first.Mark());
      if (!inserted)
        return make_error(at(kv.first) + "key '" + kv.first.Scalar() +
                          "' given twice in one map (first at line " +
                          std::to_string(it->second.line + 1) + ")");
      if (auto st = check(kv.second); !st) return st;
    }
    return Ok{};
  }

  const YamlLimits& limits_;
  std::size_t visited_ = 0;
  std::vector<YAML::Node> open_;  // the maps and lists enclosing the node being checked
};

}  // namespace

Result<YAML::Node> load_yaml(std::string_view text, const YamlLimits& limits) {
  if (auto bad = invalid_utf8_at(text))
    return make_error("not UTF-8 text (an invalid byte at offset " + std::to_string(*bad) + ")");
  YAML::Node doc;
  try {
    doc = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return make_error(std::string("invalid YAML: ") + e.what());
  }
  if (auto st = Checker(limits).check(doc); !st) return make_error("invalid YAML: " + st.error());
  return doc;
}

}  // namespace faaslab
