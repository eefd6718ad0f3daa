#include "experiment/campaign.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

namespace faaslab::experiment {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// YAML -> JSON, with scalars typed as YAML 1.2's core schema would: integers, floats,
// booleans, null, else strings.
json to_json(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Sequence: {
      json a = json::array();
      for (const auto& item : n) a.push_back(to_json(item));
      return a;
    }
    case YAML::NodeType::Map: {
      json o = json::object();
      for (const auto& kv : n) o[kv.first.as<std::string>()] = to_json(kv.second);
      return o;
    }
    case YAML::NodeType::Scalar: {
      const std::string s = n.Scalar();
      if (n.Tag() == "!") return s;  // quoted: a string
      long long i = 0;
      if (auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
          ec == std::errc() && p == s.data() + s.size()) {
        return i;
      }
      try {
        std::size_t used = 0;
        const double d = std::stod(s, &used);
        if (used == s.size() && std::isfinite(d)) return d;
      } catch (const std::exception&) {
      }
      if (s == "true" || s == "True") return true;
      if (s == "false" || s == "False") return false;
      if (s == "null" || s == "~") return nullptr;
      return s;
    }
  }
  return nullptr;
}

std::string text_of(const json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

Result<Micros> duration_of(const std::string& field, const json& v) {
  if (v.is_number()) {
    const double s = v.get<double>();
    if (s < 0) return make_error(field + ": negative duration " + v.dump());
    return from_seconds(s);
  }
  if (!v.is_string()) return make_error(field + ": expected a duration such as 500ms, 2s, 1m");
  auto d = parse_duration(v.get<std::string>());
  if (!d) return make_error(field + ": " + d.error());
  return *d;
}

Result<long long> integer_of(const std::string& field, const json& v, long long lo, long long hi) {
  if (!v.is_number_integer()) return make_error(field + ": expected an integer, got " + v.dump());
  const long long x = v.get<long long>();
  if (x < lo || x > hi) {
    return make_error(field + ": " + std::to_string(x) + " is out of range [" + std::to_string(lo) +
                      ", " + std::to_string(hi) + "]");
  }
  return x;
}

Result<std::string> choice_of(const std::string& field, const json& v,
                              const std::vector<std::string>& choices) {
  const std::string s = text_of(v);
  if (std::find(choices.begin(), choices.end(), s) != choices.end()) return s;
  std::string all;
  for (const auto& c : choices) all += (all.empty() ? "" : ", ") + c;
  return make_error(field + ": '" + s + "' is not one of " + all);
}

// Sets one grid axis (or workload default) on a run configuration.
Status apply_axis(RunConfig& c, const std::string& axis, const json& v) {
  const std::string field = axis;
  if (axis == "users") {
    auto x = integer_of(field, v, 1, 1'000'000);
    if (!x) return x.error_value();
    c.users = static_cast<std::uint64_t>(*x);
  } else if (axis == "think") {
    auto d = duration_of(field, v);
    if (!d) return d.error_value();
    c.think = *d;
  } else if (axis == "think_dist") {
    auto s = choice_of(field, v, {"constant", "exponential", "uniform"});
    if (!s) return s.error_value();
    c.think_dist = *s;
  } else if (axis == "ramp_up") {
    auto d = duration_of(field, v);
    if (!d) return d.error_value();
    c.ramp_up = *d;
  } else if (axis == "rate") {
    if (!v.is_number() || !(v.get<double>() > 0) || v.get<double>() > 1e6) {
      return make_error(field + ": expected a positive number of requests per second, got " +
                        v.dump());
    }
    c.rate = v.get<double>();
  } else if (axis == "arrival") {
    auto s = choice_of(field, v, {"constant", "poisson"});
    if (!s) return s.error_value();
    c.arrival = *s;
  } else if (axis == "replicas") {
    auto x = integer_of(field, v, 1, 64);
    if (!x) return x.error_value();
    c.replicas = static_cast<int>(*x);
  } else if (axis == "mode") {
    auto s = choice_of(field, v, {"classic", "http"});
    if (!s) return s.error_value();
    c.mode = *s;
  } else if (axis == "routing") {
    auto s = choice_of(field, v, {"random", "round-robin", "least-inflight", "fifo"});
    if (!s) return s.error_value();
    c.routing = *s;
  } else if (axis == "max_inflight") {
    auto x = integer_of(field, v, 0, 100000);
    if (!x) return x.error_value();
    c.max_inflight = static_cast<int>(*x);
  } else if (axis == "workers") {
    auto x = integer_of(field, v, 0, 1024);
    if (!x) return x.error_value();
    c.workers = static_cast<int>(*x);
  } else if (axis == "codec") {
    auto s = choice_of(field, v, {"png", "jpeg", "base64"});
    if (!s) return s.error_value();
    c.codec = *s;
  } else if (axis == "frame_size") {
    const std::string s = text_of(v);
    int w = 0, h = 0;
    char x = 0;
    std::istringstream in(s);
    if (!(in >> w >> x >> h) || x != 'x' || w < 16 || h < 16 || w > 8192 || h > 8192 || !in.eof()) {
      return make_error(field + ": expected WIDTHxHEIGHT such as 1308x888, got '" + s + "'");
    }
    c.frame_width = w;
    c.frame_height = h;
  } else {
    return make_error("unknown grid axis '" + axis + "'");
  }
  return Ok{};
}

Status check_keys(const json& o, const std::string& where, const std::set<std::string>& allowed) {
  for (const auto& [k, _] : o.items()) {
    if (!allowed.count(k)) {
      std::string all;
      for (const auto& a : allowed) all += (all.empty() ? "" : ", ") + a;
      return make_error(where + (where.empty() ? "" : ".") + k + ": unknown key (known: " + all +
                        ")");
    }
  }
  return Ok{};
}

std::string resolve(const std::string& base, const std::string& path) {
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(base) / path).lexically_normal().string();
}

}  // namespace

const std::vector<std::string>& grid_axes() {
  static const std::vector<std::string> axes = {
      "users", "think",   "think_dist",   "ramp_up", "rate",  "arrival",   "replicas",
      "mode",  "routing", "max_inflight", "workers", "codec", "frame_size"};
  return axes;
}

std::string RunConfig::key() const {
  std::ostringstream k;
  if (rate > 0) {
    k << "rate=" << rate << " arrival=" << arrival;
  } else {
    k << "users=" << users << " think=" << format_duration(think) << " think_dist=" << think_dist
      << " ramp_up=" << format_duration(ramp_up);
  }
  k << " replicas=" << replicas << " mode=" << mode << " routing=" << routing
    << " max_inflight=" << max_inflight << " workers=" << workers << " codec=" << codec;
  if (frame_width > 0) k << " frame=" << frame_width << "x" << frame_height;
  return k.str();
}

json RunConfig::to_json() const {
  json j = {{"replicas", replicas},         {"mode", mode},       {"routing", routing},
            {"max_inflight", max_inflight}, {"workers", workers}, {"codec", codec}};
  if (rate > 0) {
    j["model"] = "open";
    j["rate"] = rate;
    j["arrival"] = arrival;
  } else {
    j["model"] = "closed";
    j["users"] = users;
    j["think_s"] = to_seconds(think);
    j["think_dist"] = think_dist;
    j["ramp_up_s"] = to_seconds(ramp_up);
  }
  if (frame_width > 0)
    j["frame_size"] = std::to_string(frame_width) + "x" + std::to_string(frame_height);
  return j;
}

Result<Campaign> parse_campaign(const std::string& yaml, const std::string& base_dir) {
  json doc;
  // The grid's axes in the file's order (json objects sort their keys): the run order follows it.
  std::vector<std::string> grid_order;
  try {
    const YAML::Node root = YAML::Load(yaml);
    doc = to_json(root);
    if (root.IsMap() && root["grid"] && root["grid"].IsMap()) {
      for (const auto& kv : root["grid"]) grid_order.push_back(kv.first.as<std::string>());
    }
  } catch (const YAML::Exception& e) {
    return make_error(std::string("invalid YAML: ") + e.what());
  }
  if (!doc.is_object()) return make_error("a campaign is a map with target, workload and grid");
  if (auto st = check_keys(doc, "",
                           {"name", "target", "workload", "grid", "repetitions", "warmup",
                            "cooldown", "order", "seed"});
      !st) {
    return st.error_value();
  }
  Campaign c;
  c.name = doc.contains("name") ? text_of(doc["name"]) : std::string("campaign");
  if (c.name.empty()) return make_error("name: must not be empty");

  // target
  if (!doc.contains("target") || !doc["target"].is_object())
    return make_error("target: required (stack + function, or url)");
  const json& t = doc["target"];
  if (auto st = check_keys(t, "target",
                           {"stack", "function", "functions", "url", "gateway", "user", "password",
                            "password_file"});
      !st) {
    return st.error_value();
  }
  if (t.contains("url")) {
    c.target.url = text_of(t["url"]);
    c.target.gateway = t.contains("gateway") ? text_of(t["gateway"]) : "";
    if (t.contains("user")) c.target.user = text_of(t["user"]);
    if (t.contains("password")) c.target.password = text_of(t["password"]);
    if (t.contains("password_file")) {
      std::ifstream in(resolve(base_dir, text_of(t["password_file"])));
      if (!in)
        return make_error("target.password_file: cannot read " + text_of(t["password_file"]));
      std::getline(in, c.target.password);
    }
    if (t.contains("stack"))
      return make_error("target: give either url (an external gateway) or stack, not both");
  } else {
    if (!t.contains("stack"))
      return make_error("target.stack: required (or target.url for an external gateway)");
    c.target.stack_file = resolve(base_dir, text_of(t["stack"]));
    if (t.contains("functions")) {
      if (!t["functions"].is_object())
        return make_error("target.functions: a map of mode (classic, http) to function");
      for (const auto& [mode, fn] : t["functions"].items()) {
        if (mode != "classic" && mode != "http")
          return make_error("target.functions." + mode + ": modes are classic and http");
        c.target.functions[mode] = text_of(fn);
      }
    } else if (t.contains("function")) {
      c.target.functions["classic"] = c.target.functions["http"] = text_of(t["function"]);
    } else {
      return make_error(
          "target.function (or target.functions: {classic: ..., http: ...}): required");
    }
  }

  // workload
  const json w = doc.value("workload", json::object());
  if (!w.is_object()) return make_error("workload: expected a map");
  std::set<std::string> workload_keys = {"video",      "frames",   "frame_step",
                                         "iterations", "duration", "timeout"};
  for (const auto& a : grid_axes()) workload_keys.insert(a);
  if (auto st = check_keys(w, "workload", workload_keys); !st) return st.error_value();
  if (!w.contains("video"))
    return make_error("workload.video: required (the video whose frames are sent)");
  c.video = resolve(base_dir, text_of(w["video"]));
  for (const auto& [k, v] : w.items()) {
    Status st = Ok{};
    if (k == "video") continue;
    if (k == "frames") {
      auto x = integer_of("workload.frames", v, 0, 1'000'000);
      if (!x) return x.error_value();
      c.frames = static_cast<std::uint32_t>(*x);
    } else if (k == "frame_step") {
      auto x = integer_of("workload.frame_step", v, 1, 10'000);
      if (!x) return x.error_value();
      c.frame_step = static_cast<std::uint32_t>(*x);
    } else if (k == "iterations") {
      auto x = integer_of("workload.iterations", v, 0, 1'000'000);
      if (!x) return x.error_value();
      c.iterations = static_cast<std::uint64_t>(*x);
    } else if (k == "duration") {
      auto d = duration_of("workload.duration", v);
      if (!d) return d.error_value();
      c.duration = *d;
    } else if (k == "timeout") {
      auto d = duration_of("workload.timeout", v);
      if (!d) return d.error_value();
      if (d->count() == 0) return make_error("workload.timeout: must be positive");
      c.timeout = *d;
    } else {
      st = apply_axis(c.base, k, v);
      if (!st) return make_error("workload." + st.error());
    }
  }

  // grid
  const json g = doc.value("grid", json::object());
  if (!g.is_object()) return make_error("grid: expected a map of axis to a list of values");
  for (const auto& axis : grid_order) {
    const json& values = g[axis];
    if (std::find(grid_axes().begin(), grid_axes().end(), axis) == grid_axes().end()) {
      return make_error("grid." + axis + ": unknown axis");
    }
    const json list = values.is_array() ? values : json::array({values});
    if (list.empty()) return make_error("grid." + axis + ": no values");
    for (const auto& v : list) {
      RunConfig probe = c.base;
      if (auto st = apply_axis(probe, axis, v); !st) return make_error("grid." + st.error());
    }
    c.grid.emplace_back(axis, std::vector<json>(list.begin(), list.end()));
  }

  if (doc.contains("repetitions")) {
    auto x = integer_of("repetitions", doc["repetitions"], 1, 1000);
    if (!x) return x.error_value();
    c.repetitions = static_cast<int>(*x);
  }
  if (doc.contains("warmup")) {
    auto x = integer_of("warmup", doc["warmup"], 0, 1'000'000);
    if (!x)
      return make_error(x.error() + " (the number of leading requests of each run to leave out)");
    c.warmup_requests = static_cast<std::uint64_t>(*x);
  }
  if (doc.contains("cooldown")) {
    auto d = duration_of("cooldown", doc["cooldown"]);
    if (!d) return d.error_value();
    c.cooldown = *d;
  }
  if (doc.contains("order")) {
    auto s = choice_of("order", doc["order"], {"listed", "shuffled"});
    if (!s) return s.error_value();
    c.order = *s;
  }
  if (doc.contains("seed")) {
    auto x = integer_of("seed", doc["seed"], 0, (1ll << 62));
    if (!x) return x.error_value();
    c.seed = static_cast<std::uint64_t>(*x);
  }

  // Contradictions.
  auto varies = [&](const std::string& axis) {
    return std::any_of(c.grid.begin(), c.grid.end(),
                       [&](const auto& a) { return a.first == axis; });
  };
  if ((c.base.rate > 0 || varies("rate")) && (varies("users") || varies("think"))) {
    return make_error(
        "grid: rate (open model) cannot vary together with users or think (closed model)");
  }
  if ((c.base.rate > 0 || varies("rate")) && c.duration.count() == 0)
    return make_error("workload.duration: required for the open model (rate)");
  if (c.target.external()) {
    for (const char* axis : {"mode", "routing", "max_inflight", "workers"}) {
      if (varies(axis)) {
        return make_error(
            std::string("grid.") + axis +
            ": cannot be varied on an external gateway (only replicas can be, through its API)");
      }
    }
    if (varies("replicas") && c.target.gateway.empty()) {
      return make_error("target.gateway: required to vary replicas on an external gateway");
    }
  } else {
    std::set<std::string> modes = {c.base.mode};
    for (const auto& [axis, values] : c.grid) {
      if (axis == "mode") {
        modes.clear();
        for (const auto& v : values) modes.insert(text_of(v));
      }
    }
    for (const auto& m : modes) {
      if (!c.target.functions.count(m))
        return make_error("target.functions: no function for mode " + m);
    }
  }
  return c;
}

Result<Campaign> load_campaign(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error("cannot read campaign file " + path);
  std::stringstream text;
  text << in.rdbuf();
  auto c = parse_campaign(text.str(), fs::path(path).parent_path().string());
  if (!c) return make_error(path + ": " + c.error());
  c->file = fs::absolute(path).string();
  return c;
}

std::vector<PlannedRun> expand(const Campaign& campaign) {
  std::vector<RunConfig> configs{campaign.base};
  for (const auto& [axis, values] : campaign.grid) {
    std::vector<RunConfig> next;
    for (const auto& c : configs) {
      for (const auto& v : values) {
        RunConfig copy = c;
        (void)apply_axis(copy, axis, v);  // checked when parsed
        next.push_back(copy);
      }
    }
    configs = std::move(next);
  }
  std::vector<PlannedRun> runs;
  for (int rep = 0; rep < campaign.repetitions; ++rep) {
    for (const auto& c : configs) runs.push_back({c, rep, 0, 0});
  }
  std::mt19937_64 rng(campaign.seed);
  if (campaign.order == "shuffled") std::shuffle(runs.begin(), runs.end(), rng);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    runs[i].ordinal = static_cast<int>(i);
    runs[i].seed = campaign.seed * 1000003ull + i;
  }
  return runs;
}

json campaign_to_json(const Campaign& c) {
  json grid = json::object();
  for (const auto& [axis, values] : c.grid) grid[axis] = values;
  json target = json::object();
  if (c.target.external()) {
    target = {{"url", c.target.url}, {"gateway", c.target.gateway}, {"user", c.target.user}};
  } else {
    target = {{"stack", c.target.stack_file}, {"functions", c.target.functions}};
  }
  return {{"name", c.name},
          {"file", c.file},
          {"target", target},
          {"workload",
           {{"video", c.video},
            {"frames", c.frames},
            {"frame_step", c.frame_step},
            {"iterations", c.iterations},
            {"duration_s", to_seconds(c.duration)},
            {"timeout_s", to_seconds(c.timeout)},
            {"defaults", c.base.to_json()}}},
          {"grid", grid},
          {"repetitions", c.repetitions},
          {"warmup_requests", c.warmup_requests},
          {"cooldown_s", to_seconds(c.cooldown)},
          {"order", c.order},
          {"seed", c.seed}};
}

}  // namespace faaslab::experiment
