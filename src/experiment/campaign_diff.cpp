#include "experiment/campaign_diff.h"

#include <filesystem>
#include <set>

#include "experiment/campaign.h"

namespace faaslab::experiment {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Keys that change no run.
const std::set<std::string> kIgnored = {"file", "cooldown_s"};
// Keys holding paths.
const std::set<std::string> kPaths = {"target.stack", "workload.video"};

std::string shown(const json& v) {
  if (v.is_null()) return "(none)";
  return v.is_string() ? v.get<std::string>() : v.dump();
}

std::string joined(const std::set<std::string>& values) {
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ", ") + v;
  return out;
}

std::string resolved(const json& v) {
  if (!v.is_string()) return shown(v);
  std::error_code ec;
  const auto p = fs::weakly_canonical(v.get<std::string>(), ec);
  return ec ? v.get<std::string>() : p.string();
}

std::set<std::string> grid_values(const std::string& axis, const json& values) {
  std::set<std::string> out;
  if (!values.is_array()) return {grid_value_text(axis, values)};
  for (const auto& v : values) out.insert(grid_value_text(axis, v));
  return out;
}

void compare_grid(const json& stored, const json& now, std::vector<std::string>& out) {
  const json a = stored.is_object() ? stored : json::object();
  const json b = now.is_object() ? now : json::object();
  std::set<std::string> axes;
  for (const auto& [axis, _] : a.items()) axes.insert(axis);
  for (const auto& [axis, _] : b.items()) axes.insert(axis);
  for (const auto& axis : axes) {
    const std::string where = "grid." + axis;
    if (!a.contains(axis)) {
      out.push_back(where + ": axis added (" + joined(grid_values(axis, b[axis])) + ")");
      continue;
    }
    if (!b.contains(axis)) {
      out.push_back(where + ": axis removed (was " + joined(grid_values(axis, a[axis])) + ")");
      continue;
    }
    const auto was = grid_values(axis, a[axis]), is = grid_values(axis, b[axis]);
    std::set<std::string> added, removed;
    for (const auto& v : is)
      if (!was.count(v)) added.insert(v);
    for (const auto& v : was)
      if (!is.count(v)) removed.insert(v);
    std::string line;
    if (!added.empty()) line += joined(added) + " added";
    if (!removed.empty()) line += (line.empty() ? "" : "; ") + joined(removed) + " removed";
    if (!line.empty()) out.push_back(where + ": " + line);
  }
}

void compare(const std::string& path, const json& stored, const json& now,
             std::vector<std::string>& out) {
  if (path == "grid") return compare_grid(stored, now, out);
  if (stored.is_object() && now.is_object()) {
    std::set<std::string> keys;
    for (const auto& [k, _] : stored.items()) keys.insert(k);
    for (const auto& [k, _] : now.items()) keys.insert(k);
    for (const auto& k : keys) {
      const std::string where = path.empty() ? k : path + "." + k;
      if (path.empty() && kIgnored.count(k)) continue;
      compare(where, stored.value(k, json()), now.value(k, json()), out);
    }
    return;
  }
  const bool same = kPaths.count(path) ? resolved(stored) == resolved(now) : stored == now;
  if (!same) out.push_back(path + ": " + shown(stored) + " stored, " + shown(now) + " now");
}

}  // namespace

std::vector<std::string> campaign_differences(const json& stored, const json& now) {
  std::vector<std::string> out;
  compare("", stored, now, out);
  return out;
}

}  // namespace faaslab::experiment
