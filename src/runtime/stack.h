// OpenFaaS stack.yml, as faas-cli reads it: `${VAR}` and `${VAR:-default}` substituted from
// the environment first (envsubst), then the YAML parsed. Functions keep every field faas-cli
// knows; faaslab runs a function locally from `fprocess` (a faaslab addition to the schema) or
// the `fprocess` variable in its environment. An optional `topology:` section describes
// edge and cloud nodes and their links (runtime/topology.h).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/env.h"
#include "common/result.h"
#include "runtime/topology.h"

namespace faaslab::runtime {

struct ResourceSpec {
  std::string memory;  // Kubernetes quantity, e.g. "128Mi"
  std::string cpu;     // e.g. "500m", "1"
};

struct FunctionSpec {
  std::string name;
  std::string image;
  std::string fprocess;  // what the watchdog runs
  std::string lang, handler, namespace_name;
  std::map<std::string, std::string> environment;  // environment_file entries, then environment
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  ResourceSpec limits, requests;
  std::vector<std::string> constraints;
  std::vector<std::string> secrets;
  bool readonly_root_filesystem = false;
};

// The command the watchdog runs: `fprocess` as given, else the `fprocess` environment variable
// (OpenFaaS's templates set it there; faas-cli and the REST API carry it as envProcess).
void fill_fprocess_from_environment(FunctionSpec& spec);

struct StackFile {
  std::string version;
  std::string provider_name;
  std::string provider_gateway;
  std::vector<FunctionSpec> functions;
  Topology topology;                  // empty() without a `topology:` section
  std::vector<std::string> warnings;  // unknown keys, ignored
};

// envsubst: "${VAR}", "${VAR:-default}" (default when unset or empty), "$VAR"; "$$" is a
// literal "$". Errors: an unclosed "${".
Result<std::string> substitute_env(std::string_view text, const Env& env);

// Parses stack.yml text; environment_file paths are relative to base_dir. Errors name the
// function and field. With a `topology:`, every function's constraints must parse and match
// at least one of its nodes; without one, constraints are kept as text and not checked.
Result<StackFile> parse_stack(std::string_view text, const std::filesystem::path& base_dir,
                              const EnvList& env);
Result<StackFile> load_stack(const std::filesystem::path& path, const EnvList& env);

}  // namespace faaslab::runtime
