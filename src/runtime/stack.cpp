#include "runtime/stack.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include "common/yaml.h"

namespace faaslab::runtime {
namespace {

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

std::string scalar(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "";
  return n.as<std::string>();
}

Status read_string_map(const YAML::Node& node, std::map<std::string, std::string>& out,
                       const std::string& where) {
  if (!node || node.IsNull()) return Ok{};
  if (!node.IsMap()) return make_error(where + " must be a map of names to values");
  for (const auto& kv : node) {
    if (!kv.second.IsScalar() && !kv.second.IsNull())
      return make_error(where + "." + kv.first.as<std::string>() + " must be a value");
    out[kv.first.as<std::string>()] = scalar(kv.second);
  }
  return Ok{};
}

Status read_string_list(const YAML::Node& node, std::vector<std::string>& out,
                        const std::string& where) {
  if (!node || node.IsNull()) return Ok{};
  if (!node.IsSequence()) return make_error(where + " must be a list");
  for (const auto& item : node) out.push_back(scalar(item));
  return Ok{};
}

Status read_resources(const YAML::Node& node, ResourceSpec& out, const std::string& where) {
  if (!node || node.IsNull()) return Ok{};
  if (!node.IsMap()) return make_error(where + " must be a map with memory and cpu");
  for (const auto& kv : node) {
    const auto key = kv.first.as<std::string>();
    if (key == "memory")
      out.memory = scalar(kv.second);
    else if (key == "cpu")
      out.cpu = scalar(kv.second);
    else
      return make_error(where + "." + key + ": unknown (memory, cpu)");
  }
  return Ok{};
}

// environment_file: YAML files holding an `environment:` map, as faas-cli reads them.
Status read_environment_files(const YAML::Node& node, const std::filesystem::path& base,
                              const Env& env, std::map<std::string, std::string>& out,
                              const std::string& where) {
  std::vector<std::string> files;
  if (auto st = read_string_list(node, files, where); !st) return st;
  for (const auto& f : files) {
    const auto path = base / f;
    std::ifstream in(path);
    if (!in) return make_error(where + ": cannot read " + path.string());
    std::stringstream text;
    text << in.rdbuf();
    auto substituted = substitute_env(text.str(), env);
    if (!substituted) return make_error(path.string() + ": " + substituted.error());
    auto doc = load_yaml(*substituted);
    if (!doc) return make_error(path.string() + ": " + doc.error());
    try {
      if (auto st = read_string_map((*doc)["environment"], out, path.string() + ": environment");
          !st)
        return st;
    } catch (const YAML::Exception& e) {
      return make_error(path.string() + ": " + e.what());
    }
  }
  return Ok{};
}

}  // namespace

Result<std::string> substitute_env(std::string_view text, const Env& env) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '$' || i + 1 >= text.size()) {
      out += c;
      continue;
    }
    if (text[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    if (text[i + 1] == '{') {
      const auto close = text.find('}', i + 2);
      if (close == std::string_view::npos)
        return make_error("unclosed ${ at offset " + std::to_string(i));
      const std::string_view inner = text.substr(i + 2, close - i - 2);
      const auto dash = inner.find(":-");
      const std::string name(inner.substr(0, dash));
      const auto value = env.get(name);
      if (value)
        out += *value;
      else if (dash != std::string_view::npos)
        out += inner.substr(dash + 2);
      i = close;
      continue;
    }
    std::size_t j = i + 1;
    while (j < text.size() && is_name_char(text[j])) ++j;
    if (j == i + 1) {
      out += c;
      continue;
    }
    out += env.get_or(std::string(text.substr(i + 1, j - i - 1)), "");
    i = j - 1;
  }
  return out;
}

void fill_fprocess_from_environment(FunctionSpec& spec) {
  if (!spec.fprocess.empty()) return;
  if (auto it = spec.environment.find("fprocess"); it != spec.environment.end())
    spec.fprocess = it->second;
}

Result<StackFile> parse_stack(std::string_view text, const std::filesystem::path& base_dir,
                              const EnvList& env_list) {
  const Env env(env_list);
  auto substituted = substitute_env(text, env);
  if (!substituted) return make_error("stack file: " + substituted.error());
  // After substitution: a variable's value could bring invalid bytes too.
  auto loaded = load_yaml(*substituted);
  if (!loaded) return make_error("stack file: " + loaded.error());
  const YAML::Node doc = *loaded;
  if (!doc.IsMap())
    return make_error("stack file: expected a map with version, provider and functions");
  StackFile stack;
  static const std::set<std::string> kTopLevel = {"version", "provider", "functions",
                                                  "configuration", "topology"};
  for (const auto& kv : doc) {
    const auto key = kv.first.as<std::string>();
    if (!kTopLevel.count(key))
      stack.warnings.push_back("unknown top-level key '" + key + "' ignored");
  }
  try {
    stack.version = scalar(doc["version"]);
    if (const auto p = doc["provider"]; p && p.IsMap()) {
      stack.provider_name = scalar(p["name"]);
      stack.provider_gateway = scalar(p["gateway"]);
    }
    if (const auto t = doc["topology"]) {
      auto topology = parse_topology(t);
      if (!topology) return topology.error_value();
      stack.topology = std::move(*topology);
    }
    const auto functions = doc["functions"];
    if (!functions || !functions.IsMap() || functions.size() == 0) {
      return make_error("stack file: no functions (expected a 'functions:' map)");
    }
    static const std::set<std::string> kFunctionKeys = {"lang",
                                                        "handler",
                                                        "image",
                                                        "fprocess",
                                                        "environment",
                                                        "environment_file",
                                                        "labels",
                                                        "annotations",
                                                        "limits",
                                                        "requests",
                                                        "constraints",
                                                        "secrets",
                                                        "readonly_root_filesystem",
                                                        "namespace",
                                                        "build_args",
                                                        "build_options",
                                                        "skip_build",
                                                        "platforms",
                                                        "build_secrets"};
    for (const auto& kv : functions) {
      FunctionSpec f;
      f.name = kv.first.as<std::string>();
      const std::string where = "functions." + f.name;
      bool valid_name = !f.name.empty() && f.name.size() <= 63;
      for (char c : f.name)
        valid_name = valid_name && (std::islower(static_cast<unsigned char>(c)) ||
                                    std::isdigit(static_cast<unsigned char>(c)) || c == '-');
      if (!valid_name)
        return make_error(where +
                          ": a function name is lower-case letters, digits and '-' (at most 63)");
      const YAML::Node fn = kv.second;
      if (!fn.IsMap()) return make_error(where + ": expected a map");
      for (const auto& field : fn) {
        const auto key = field.first.as<std::string>();
        if (!kFunctionKeys.count(key))
          stack.warnings.push_back(where + ": unknown key '" + key + "' ignored");
      }
      f.image = scalar(fn["image"]);
      f.lang = scalar(fn["lang"]);
      f.handler = scalar(fn["handler"]);
      f.namespace_name = scalar(fn["namespace"]);
      f.fprocess = scalar(fn["fprocess"]);
      if (fn["readonly_root_filesystem"])
        f.readonly_root_filesystem = fn["readonly_root_filesystem"].as<bool>();
      if (auto st = read_environment_files(fn["environment_file"], base_dir, env, f.environment,
                                           where + ".environment_file");
          !st)
        return st.error_value();
      if (auto st = read_string_map(fn["environment"], f.environment, where + ".environment"); !st)
        return st.error_value();
      if (auto st = read_string_map(fn["labels"], f.labels, where + ".labels"); !st)
        return st.error_value();
      if (auto st = read_string_map(fn["annotations"], f.annotations, where + ".annotations"); !st)
        return st.error_value();
      if (auto st = read_resources(fn["limits"], f.limits, where + ".limits"); !st)
        return st.error_value();
      if (auto st = read_resources(fn["requests"], f.requests, where + ".requests"); !st)
        return st.error_value();
      if (auto st = read_string_list(fn["constraints"], f.constraints, where + ".constraints"); !st)
        return st.error_value();
      if (auto st = read_string_list(fn["secrets"], f.secrets, where + ".secrets"); !st)
        return st.error_value();
      if (!stack.topology.empty()) {
        if (auto c = parse_constraints(f.constraints); !c)
          return make_error(where + ".constraints: " + c.error());
        if (eligible_nodes(stack.topology, f).empty()) {
          std::string list;
          for (const auto& c : f.constraints) list += (list.empty() ? "" : ", ") + c;
          return make_error("function " + f.name + ": constraints [" + list +
                            "] match no node of the topology");
        }
      }
      fill_fprocess_from_environment(f);
      stack.functions.push_back(std::move(f));
    }
  } catch (const YAML::Exception& e) {
    return make_error(std::string("stack file: ") + e.what());
  }
  return stack;
}

Result<StackFile> load_stack(const std::filesystem::path& path, const EnvList& env) {
  std::ifstream in(path);
  if (!in) return make_error("cannot read stack file " + path.string());
  std::stringstream text;
  text << in.rdbuf();
  auto stack = parse_stack(text.str(), path.parent_path(), env);
  if (!stack) return make_error(path.string() + ": " + stack.error());
  return stack;
}

}  // namespace faaslab::runtime
