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

#include "common/json_number.h"
#include "common/yaml.h"
#include "runtime/placement.h"

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
    auto d = duration_from_seconds(v.get<double>());
    if (!d) return make_error(field + ": " + d.error());
    return *d;
  }
  if (!v.is_string()) return make_error(field + ": expected a duration such as 500ms, 2s, 1m");
  auto d = parse_duration(v.get<std::string>());
  if (!d) return make_error(field + ": " + d.error());
  return *d;
}

Result<long long> integer_of(const std::string& field, const json& v, long long lo, long long hi) {
  if (!v.is_number_integer()) return make_error(field + ": expected an integer, got " + v.dump());
  const auto x = json_integer<long long>(v, field);  // fails past long long, as out of range
  if (!x || *x < lo || *x > hi) {
    return make_error(field + ": " + v.dump() + " is out of range [" + std::to_string(lo) + ", " +
                      std::to_string(hi) + "]");
  }
  return *x;
}

Result<std::string> choice_of(const std::string& field, const json& v,
                              const std::vector<std::string>& choices) {
  const std::string s = text_of(v);
  if (std::find(choices.begin(), choices.end(), s) != choices.end()) return s;
  std::string all;
  for (const auto& c : choices) all += (all.empty() ? "" : ", ") + c;
  return make_error(field + ": '" + s + "' is not one of " + all);
}

// The setters below leave `out` as it was when the value is refused; errors name `field`.
template <class T>
Status set_integer(T& out, const std::string& field, const json& v, long long lo, long long hi) {
  auto x = integer_of(field, v, lo, hi);
  if (!x) return x.error_value();
  out = static_cast<T>(*x);
  return Ok{};
}

Status set_duration(Micros& out, const std::string& field, const json& v) {
  auto d = duration_of(field, v);
  if (!d) return d.error_value();
  out = *d;
  return Ok{};
}

Status set_choice(std::string& out, const std::string& field, const json& v,
                  const std::vector<std::string>& choices) {
  auto s = choice_of(field, v, choices);
  if (!s) return s.error_value();
  out = *s;
  return Ok{};
}

Status set_rate(double& out, const std::string& field, const json& v) {
  if (!v.is_number() || !(v.get<double>() > 0) || v.get<double>() > 1e6) {
    return make_error(field + ": expected a positive number of requests per second, got " +
                      v.dump());
  }
  out = v.get<double>();
  return Ok{};
}

Status set_frame_size(RunConfig& c, const std::string& field, const json& v) {
  const std::string s = text_of(v);
  int w = 0, h = 0;
  char x = 0;
  std::istringstream in(s);
  if (!(in >> w >> x >> h) || x != 'x' || w < 16 || h < 16 || w > 8192 || h > 8192 || !in.eof()) {
    return make_error(field + ": expected WIDTHxHEIGHT such as 1308x888, got '" + s + "'");
  }
  c.frame_width = w;
  c.frame_height = h;
  return Ok{};
}

// Sets one grid axis (or workload default) on a run configuration.
Status apply_axis(RunConfig& c, const std::string& axis, const json& v) {
  if (axis == "users") return set_integer(c.users, axis, v, 1, 1'000'000);
  if (axis == "think") return set_duration(c.think, axis, v);
  if (axis == "think_dist")
    return set_choice(c.think_dist, axis, v, {"constant", "exponential", "uniform"});
  if (axis == "ramp_up") return set_duration(c.ramp_up, axis, v);
  if (axis == "rate") return set_rate(c.rate, axis, v);
  if (axis == "arrival") return set_choice(c.arrival, axis, v, {"constant", "poisson"});
  if (axis == "replicas") return set_integer(c.replicas, axis, v, 1, 64);
  if (axis == "mode") return set_choice(c.mode, axis, v, {"classic", "http", "fork"});
  if (axis == "routing")
    return set_choice(c.routing, axis, v, {"random", "round-robin", "least-inflight", "fifo"});
  if (axis == "max_inflight") return set_integer(c.max_inflight, axis, v, 0, 100000);
  if (axis == "workers") return set_integer(c.workers, axis, v, 0, 1024);
  if (axis == "codec") return set_choice(c.codec, axis, v, {"png", "jpeg", "base64"});
  if (axis == "frame_size") return set_frame_size(c, axis, v);
  if (axis == "topology") {
    const std::string name = text_of(v);
    if (name.empty() || name.size() > 64 ||
        name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") != std::string::npos)
      return make_error(axis + ": expected the name of one of the campaign's topologies, got " +
                        v.dump());
    c.topology = name;
    return Ok{};
  }
  if (axis == "placement") {
    auto p = runtime::placement_from_name(text_of(v));
    if (!p) return make_error(axis + ": " + p.error());
    c.placement = text_of(v);
    return Ok{};
  }
  if (axis == "offload_threshold") return set_integer(c.offload_threshold, axis, v, 0, 1'000'000);
  if (axis == "cloud_delay") {
    if (auto st = set_duration(c.cloud_delay, axis, v); !st) return st;
    if (c.cloud_delay > std::chrono::seconds(10))
      return make_error(axis + ": at most 10s (a one-way delay)");
    return Ok{};
  }
  if (axis == "cloud_bandwidth") {
    auto b = parse_bandwidth(text_of(v));
    if (!b) return make_error(axis + ": " + b.error());
    if (*b <= 0) return make_error(axis + ": must be a positive bandwidth such as 20Mbit");
    c.cloud_bandwidth_bps = *b;
    return Ok{};
  }
  return make_error("unknown grid axis '" + axis + "'");
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
      "users",       "think",          "think_dist", "ramp_up",
      "rate",        "arrival",        "replicas",   "mode",
      "routing",     "max_inflight",   "workers",    "codec",
      "frame_size",  "topology",       "placement",  "offload_threshold",
      "cloud_delay", "cloud_bandwidth"};
  return axes;
}

std::string grid_value_text(const std::string& axis, const json& value) {
  RunConfig c;
  if (!apply_axis(c, axis, value)) return value.dump();
  if (axis == "think") return format_duration(c.think);
  if (axis == "ramp_up") return format_duration(c.ramp_up);
  if (axis == "frame_size")
    return std::to_string(c.frame_width) + "x" + std::to_string(c.frame_height);
  if (axis == "cloud_delay") return format_duration(c.cloud_delay);
  if (axis == "cloud_bandwidth") return format_bandwidth(c.cloud_bandwidth_bps);
  if (axis == "rate") {
    std::ostringstream o;
    o << c.rate;
    return o.str();
  }
  return text_of(value);
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
  // Edge–cloud settings only when set, so campaigns without them keep their keys.
  if (!topology.empty()) k << " topology=" << topology;
  if (!placement.empty()) k << " placement=" << placement;
  if (offload_threshold > 0) k << " offload_threshold=" << offload_threshold;
  if (cloud_delay.count() >= 0) k << " cloud_delay=" << format_duration(cloud_delay);
  if (cloud_bandwidth_bps >= 0) k << " cloud_bandwidth=" << format_bandwidth(cloud_bandwidth_bps);
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
  if (!topology.empty()) j["topology"] = topology;
  if (!placement.empty()) j["placement"] = placement;
  if (offload_threshold > 0) j["offload_threshold"] = offload_threshold;
  if (cloud_delay.count() >= 0) j["cloud_delay_s"] = to_seconds(cloud_delay);
  if (cloud_bandwidth_bps >= 0) j["cloud_bandwidth_bps"] = cloud_bandwidth_bps;
  return j;
}

namespace {

// The YAML as JSON, and the grid's axes in the file's order (JSON objects sort their keys; the
// run order follows the file).
struct Document {
  json doc;
  std::vector<std::string> grid_order;
};

Result<Document> parse_document(const std::string& yaml) {
  auto loaded = load_yaml(yaml);
  if (!loaded) return loaded.error_value();
  Document d;
  try {
    const YAML::Node& root = *loaded;
    d.doc = to_json(root);
    if (root.IsMap() && root["grid"] && root["grid"].IsMap()) {
      for (const auto& kv : root["grid"]) d.grid_order.push_back(kv.first.as<std::string>());
    }
  } catch (const YAML::Exception& e) {
    return make_error(std::string("invalid YAML: ") + e.what());
  }
  if (!d.doc.is_object()) return make_error("a campaign is a map with target, workload and grid");
  if (auto st = check_keys(d.doc, "",
                           {"name", "target", "workload", "grid", "repetitions", "warmup",
                            "cooldown", "order", "seed", "topologies"});
      !st) {
    return st.error_value();
  }
  return d;
}

// target: an external gateway (url, with gateway and credentials for scaling) or the embedded
// runtime (a stack file and its function per watchdog mode).
Status parse_target(const json& doc, const std::string& base_dir, Target& target) {
  if (!doc.contains("target") || !doc["target"].is_object())
    return make_error("target: required (stack + function, or url)");
  const json& t = doc["target"];
  if (auto st = check_keys(t, "target",
                           {"stack", "function", "functions", "url", "gateway", "user", "password",
                            "password_file"});
      !st) {
    return st;
  }
  if (t.contains("url")) {
    target.url = text_of(t["url"]);
    target.gateway = t.contains("gateway") ? text_of(t["gateway"]) : "";
    if (t.contains("user")) target.user = text_of(t["user"]);
    if (t.contains("password")) target.password = text_of(t["password"]);
    if (t.contains("password_file")) {
      std::ifstream in(resolve(base_dir, text_of(t["password_file"])));
      if (!in)
        return make_error("target.password_file: cannot read " + text_of(t["password_file"]));
      std::getline(in, target.password);
    }
    if (t.contains("stack"))
      return make_error("target: give either url (an external gateway) or stack, not both");
    return Ok{};
  }
  if (!t.contains("stack"))
    return make_error("target.stack: required (or target.url for an external gateway)");
  target.stack_file = resolve(base_dir, text_of(t["stack"]));
  if (t.contains("functions")) {
    if (!t["functions"].is_object())
      return make_error("target.functions: a map of mode (classic, http, fork) to function");
    for (const auto& [mode, fn] : t["functions"].items()) {
      if (mode != "classic" && mode != "http" && mode != "fork")
        return make_error("target.functions." + mode + ": modes are classic, http and fork");
      target.functions[mode] = text_of(fn);
    }
  } else if (t.contains("function")) {
    target.functions["classic"] = target.functions["http"] = target.functions["fork"] =
        text_of(t["function"]);
  } else {
    return make_error(
        "target.function (or target.functions: {classic: ..., http: ..., fork: ...}): required");
  }
  return Ok{};
}

// workload: the video and the fields every run shares, and defaults for the grid's axes.
Status parse_workload(const json& doc, const std::string& base_dir, Campaign& c) {
  const json w = doc.value("workload", json::object());
  if (!w.is_object()) return make_error("workload: expected a map");
  std::set<std::string> workload_keys = {"video",      "frames",   "frame_step",
                                         "iterations", "duration", "timeout"};
  for (const auto& a : grid_axes()) workload_keys.insert(a);
  if (auto st = check_keys(w, "workload", workload_keys); !st) return st;
  if (!w.contains("video"))
    return make_error("workload.video: required (the video whose frames are sent)");
  c.video = resolve(base_dir, text_of(w["video"]));
  for (const auto& [k, v] : w.items()) {
    Status st = Ok{};
    if (k == "video") continue;
    if (k == "frames") {
      st = set_integer(c.frames, "workload.frames", v, 0, 1'000'000);
    } else if (k == "frame_step") {
      st = set_integer(c.frame_step, "workload.frame_step", v, 1, 10'000);
    } else if (k == "iterations") {
      st = set_integer(c.iterations, "workload.iterations", v, 0, 1'000'000);
    } else if (k == "duration") {
      st = set_duration(c.duration, "workload.duration", v);
    } else if (k == "timeout") {
      st = set_duration(c.timeout, "workload.timeout", v);
      if (st && c.timeout.count() == 0) return make_error("workload.timeout: must be positive");
    } else {
      st = apply_axis(c.base, k, v);
      if (!st) return make_error("workload." + st.error());
    }
    if (!st) return st;
  }
  return Ok{};
}

// grid: each axis's values, in the file's order, each checked against the workload's defaults.
Status parse_grid(const json& doc, const std::vector<std::string>& order, Campaign& c) {
  const json g = doc.value("grid", json::object());
  if (!g.is_object()) return make_error("grid: expected a map of axis to a list of values");
  for (const auto& axis : order) {
    if (std::find(grid_axes().begin(), grid_axes().end(), axis) == grid_axes().end()) {
      return make_error("grid." + axis + ": unknown axis");
    }
    const auto found = g.find(axis);
    if (found == g.end()) return make_error("grid." + axis + ": missing");  // cannot happen
    const json& values = *found;
    const json list = values.is_array() ? values : json::array({values});
    if (list.empty()) return make_error("grid." + axis + ": no values");
    for (const auto& v : list) {
      RunConfig probe = c.base;
      if (auto st = apply_axis(probe, axis, v); !st) return make_error("grid." + st.error());
    }
    c.grid.emplace_back(axis, std::vector<json>(list.begin(), list.end()));
  }
  return Ok{};
}

// repetitions, warmup, cooldown, order, seed: how the runs are repeated and ordered.
Status parse_run_order(const json& doc, Campaign& c) {
  if (doc.contains("repetitions")) {
    if (auto st = set_integer(c.repetitions, "repetitions", doc["repetitions"], 1, 1000); !st)
      return st;
  }
  if (doc.contains("warmup")) {
    if (auto st = set_integer(c.warmup_requests, "warmup", doc["warmup"], 0, 1'000'000); !st)
      return make_error(st.error() + " (the number of leading requests of each run to leave out)");
  }
  if (doc.contains("cooldown")) {
    if (auto st = set_duration(c.cooldown, "cooldown", doc["cooldown"]); !st) return st;
  }
  if (doc.contains("order")) {
    if (auto st = set_choice(c.order, "order", doc["order"], {"listed", "shuffled"}); !st)
      return st;
  }
  if (doc.contains("seed")) {
    if (auto st = set_integer(c.seed, "seed", doc["seed"], 0, (1ll << 62)); !st) return st;
  }
  return Ok{};
}

// topologies: name -> a file with a topology: section (relative to the campaign), or the
// topology itself inline.
Status parse_topologies(const json& doc, const std::string& base_dir, Campaign& c) {
  if (!doc.contains("topologies")) return Ok{};
  const json& t = doc["topologies"];
  if (!t.is_object() || t.empty())
    return make_error("topologies: a map of name to a topology file or an inline topology");
  for (const auto& [name, value] : t.items()) {
    RunConfig probe;
    if (auto st = apply_axis(probe, "topology", name); !st || name == "stack")
      return make_error("topologies." + name +
                        ": a name of letters, digits, '-' and '_' (and not \"stack\")");
    const std::string where = "topologies." + name;
    Result<runtime::Topology> topology = make_error("");
    if (value.is_string()) {
      topology = runtime::load_topology(resolve(base_dir, value.get<std::string>()));
    } else if (value.is_object()) {
      // JSON is YAML: the inline map is read back by the topology's own parser.
      auto node = load_yaml(value.dump());
      if (!node) return make_error(where + ": " + node.error());
      topology = runtime::parse_topology(*node);
    } else {
      return make_error(where + ": a topology file or an inline topology");
    }
    if (!topology) return make_error(where + ": " + topology.error());
    c.topologies[name] = std::move(*topology);
  }
  return Ok{};
}

// What the sections allow one by one but not together.
Status check_contradictions(const Campaign& c) {
  auto varies = [&](const std::string& axis) {
    return std::any_of(c.grid.begin(), c.grid.end(),
                       [&](const auto& a) { return a.first == axis; });
  };
  // Every topology named exists.
  std::set<std::string> named = {c.base.topology};
  for (const auto& [axis, values] : c.grid) {
    if (axis == "topology")
      for (const auto& v : values) named.insert(text_of(v));
  }
  for (const auto& name : named) {
    if (!name.empty() && name != "stack" && !c.topologies.count(name))
      return make_error("grid.topology: no topology named '" + name +
                        "' (define it under topologies:)");
  }
  if (c.target.external()) {
    for (const char* axis :
         {"topology", "placement", "offload_threshold", "cloud_delay", "cloud_bandwidth"}) {
      if (varies(axis) || (std::string(axis) == "topology" && !c.base.topology.empty()))
        return make_error(std::string("grid.") + axis +
                          ": edge–cloud topologies run on the embedded runtime only");
    }
  }
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
    return Ok{};
  }
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
  return Ok{};
}

}  // namespace

Result<Campaign> parse_campaign(const std::string& yaml, const std::string& base_dir) {
  auto d = parse_document(yaml);
  if (!d) return d.error_value();
  const json& doc = d->doc;
  Campaign c;
  c.name = doc.contains("name") ? text_of(doc["name"]) : std::string("campaign");
  if (c.name.empty()) return make_error("name: must not be empty");
  if (auto st = parse_target(doc, base_dir, c.target); !st) return st.error_value();
  if (auto st = parse_workload(doc, base_dir, c); !st) return st.error_value();
  if (auto st = parse_grid(doc, d->grid_order, c); !st) return st.error_value();
  if (auto st = parse_run_order(doc, c); !st) return st.error_value();
  if (auto st = parse_topologies(doc, base_dir, c); !st) return st.error_value();
  if (auto st = check_contradictions(c); !st) return st.error_value();
  return c;
}

Result<Campaign> load_campaign(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error("cannot read campaign file " + path);
  std::stringstream text;
  text << in.rdbuf();
  // Paths in the file resolve to absolute ones: the campaign's definition (stored, and compared
  // on --resume) does not depend on the directory faaslab was started from.
  const fs::path file = fs::absolute(path).lexically_normal();
  auto c = parse_campaign(text.str(), file.parent_path().string());
  if (!c) return make_error(path + ": " + c.error());
  c->file = file.string();
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

namespace {

json topology_json(const runtime::Topology& t) {
  json nodes = json::array(), links = json::array();
  for (const auto& n : t.nodes) {
    nodes.push_back({{"name", n.name},
                     {"role", std::string(runtime::node_role_name(n.role))},
                     {"cpus", n.cpus},
                     {"cpu_list", n.cpu_list},
                     {"memory_bytes", n.memory_bytes},
                     {"max_replicas", n.max_replicas},
                     {"labels", n.labels}});
  }
  for (const auto& l : t.links) {
    links.push_back({{"from", l.from},
                     {"to", l.to},
                     {"delay_s", to_seconds(l.delay)},
                     {"jitter_s", to_seconds(l.jitter)},
                     {"up_bps", l.up_bps},
                     {"down_bps", l.down_bps},
                     {"loss", l.loss}});
  }
  return {{"subnet", t.subnet}, {"gateway", t.gateway_node}, {"nodes", nodes}, {"links", links}};
}

json topologies_json(const std::map<std::string, runtime::Topology>& topologies) {
  json out = json::object();
  for (const auto& [name, t] : topologies) out[name] = topology_json(t);
  return out;
}

}  // namespace

Result<runtime::Topology> run_topology(const Campaign& campaign, const RunConfig& run,
                                       const runtime::Topology& stack_topology) {
  runtime::Topology t;
  if (!run.topology.empty() && run.topology != "stack") {
    auto it = campaign.topologies.find(run.topology);
    if (it == campaign.topologies.end())
      return make_error("grid.topology: no topology named '" + run.topology + "'");
    t = it->second;
  } else {
    if (run.topology == "stack" && stack_topology.empty())
      return make_error("grid.topology: 'stack' names the stack file's topology, and " +
                        campaign.target.stack_file + " has none");
    t = stack_topology;
  }
  if (t.empty()) {
    if (!run.placement.empty() || run.offload_threshold > 0 || run.cloud_delay.count() >= 0 ||
        run.cloud_bandwidth_bps >= 0)
      return make_error(
          "grid: placement, offload_threshold, cloud_delay and cloud_bandwidth "
          "need a topology (topologies: in the campaign, or one in the stack file)");
    return t;
  }
  for (auto& link : t.links) {
    const runtime::NodeSpec* to = t.node(link.to);
    const runtime::NodeSpec* from = t.node(link.from);
    const bool to_cloud = (to && to->role == runtime::NodeRole::kCloud) ||
                          (from && from->role == runtime::NodeRole::kCloud);
    if (!to_cloud) continue;
    if (run.cloud_delay.count() >= 0) {
      link.delay = run.cloud_delay;
      link.jitter = std::min(link.jitter, link.delay);
    }
    if (run.cloud_bandwidth_bps >= 0) link.up_bps = link.down_bps = run.cloud_bandwidth_bps;
  }
  return t;
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
          {"seed", c.seed},
          {"topologies", topologies_json(c.topologies)}};
}

}  // namespace faaslab::experiment
