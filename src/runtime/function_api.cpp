#include "runtime/function_api.h"

#include <cctype>
#include <ctime>

#include "common/json_number.h"

namespace faaslab::runtime {
namespace {

using nlohmann::json;

Status read_map(const json& j, const char* key, std::map<std::string, std::string>& out) {
  if (!j.contains(key) || j[key].is_null()) return Ok{};
  if (!j[key].is_object())
    return make_error(std::string("\"") + key + "\" must be an object of strings");
  for (const auto& [k, v] : j[key].items()) {
    if (!v.is_string())
      return make_error(std::string("\"") + key + "." + k + "\" must be a string");
    out[k] = v.get<std::string>();
  }
  return Ok{};
}

Status read_list(const json& j, const char* key, std::vector<std::string>& out) {
  if (!j.contains(key) || j[key].is_null()) return Ok{};
  if (!j[key].is_array())
    return make_error(std::string("\"") + key + "\" must be an array of strings");
  for (const auto& v : j[key]) {
    if (!v.is_string())
      return make_error(std::string("\"") + key + "\" must be an array of strings");
    out.push_back(v.get<std::string>());
  }
  return Ok{};
}

Status read_resources(const json& j, const char* key, ResourceSpec& out) {
  if (!j.contains(key) || j[key].is_null()) return Ok{};
  if (!j[key].is_object()) return make_error(std::string("\"") + key + "\" must be an object");
  const auto& r = j[key];
  if (r.contains("memory") && r["memory"].is_string()) out.memory = r["memory"];
  if (r.contains("cpu") && r["cpu"].is_string()) out.cpu = r["cpu"];
  return Ok{};
}

std::string str(const json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

json resources(const ResourceSpec& r) {
  json o = json::object();
  if (!r.memory.empty()) o["memory"] = r.memory;
  if (!r.cpu.empty()) o["cpu"] = r.cpu;
  return o;
}

std::string rfc3339(std::int64_t unix_s) {
  const std::time_t t = unix_s;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

bool valid_function_name(const std::string& name) {
  if (name.empty() || name.size() > 63 || name.front() == '-' || name.back() == '-') return false;
  for (char c : name) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '-'))
      return false;
  }
  return true;
}

// The body as a JSON object; `what` names it in the error ("a scale request").
Result<json> parse_object(const std::string& body, const std::string& what) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return make_error("malformed JSON in " + what);
  if (!j.is_object()) return make_error(what + " must be a JSON object");
  return j;
}

Result<FunctionSpec> parse_function_deployment(const std::string& body) {
  auto parsed = parse_object(body, "a FunctionDeployment");
  if (!parsed) return parsed.error_value();
  json& j = *parsed;
  FunctionSpec f;
  f.name = str(j, "service");
  if (f.name.empty()) return make_error("\"service\" (the function's name) is required");
  if (!valid_function_name(f.name))
    return make_error("\"service\": '" + f.name + "' is not a valid name (a-z, 0-9, '-')");
  f.image = str(j, "image");
  f.namespace_name = str(j, "namespace");
  f.fprocess = str(j, "envProcess");
  for (const auto& st :
       {read_map(j, "envVars", f.environment), read_map(j, "labels", f.labels),
        read_map(j, "annotations", f.annotations), read_list(j, "constraints", f.constraints),
        read_list(j, "secrets", f.secrets), read_resources(j, "limits", f.limits),
        read_resources(j, "requests", f.requests)}) {
    if (!st) return st.error_value();
  }
  if (j.contains("readOnlyRootFilesystem") && j["readOnlyRootFilesystem"].is_boolean()) {
    f.readonly_root_filesystem = j["readOnlyRootFilesystem"];
  }
  fill_fprocess_from_environment(f);
  return f;
}

namespace {
// The fields a FunctionDeployment and a FunctionStatus share, omitted when empty as
// faas-provider omits them.
void add_spec_fields(const FunctionSpec& f, json& j) {
  if (!f.fprocess.empty()) j["envProcess"] = f.fprocess;
  if (!f.environment.empty()) j["envVars"] = f.environment;
  if (!f.labels.empty()) j["labels"] = f.labels;
  if (!f.annotations.empty()) j["annotations"] = f.annotations;
  if (!f.constraints.empty()) j["constraints"] = f.constraints;
  if (!f.secrets.empty()) j["secrets"] = f.secrets;
  if (auto l = resources(f.limits); !l.empty()) j["limits"] = l;
  if (auto r = resources(f.requests); !r.empty()) j["requests"] = r;
  if (f.readonly_root_filesystem) j["readOnlyRootFilesystem"] = true;
}
}  // namespace

json to_function_deployment(const FunctionSpec& f) {
  json j = {{"service", f.name}, {"image", f.image}};
  if (!f.namespace_name.empty()) j["namespace"] = f.namespace_name;
  add_spec_fields(f, j);
  return j;
}

json to_function_status(const FunctionStatusView& v) {
  const FunctionSpec& f = *v.spec;
  json j = {{"name", f.name},
            {"image", f.image},
            {"namespace", f.namespace_name.empty() ? "openfaas-fn" : f.namespace_name}};
  // faas-provider omits zero values; faas-cli reads absent as zero.
  if (v.invocation_count > 0) j["invocationCount"] = v.invocation_count;
  if (v.replicas > 0) j["replicas"] = v.replicas;
  if (v.available_replicas > 0) j["availableReplicas"] = v.available_replicas;
  add_spec_fields(f, j);
  if (v.created_at_unix_s > 0) j["createdAt"] = rfc3339(v.created_at_unix_s);
  return j;
}

Result<ScaleRequest> parse_scale_request(const std::string& body) {
  auto parsed = parse_object(body, "a scale request");
  if (!parsed) return parsed.error_value();
  const json& j = *parsed;
  ScaleRequest r;
  r.service = str(j, "serviceName");
  const char* kBadReplicas = "\"replicas\" must be a non-negative integer";
  if (!j.contains("replicas")) return make_error(kBadReplicas);
  const auto replicas = json_integer<std::uint64_t>(j["replicas"], "replicas");
  if (!replicas) return make_error(kBadReplicas);
  r.replicas = *replicas;
  return r;
}

Result<std::string> parse_delete_request(const std::string& body) {
  auto parsed = parse_object(body, "a delete request");
  if (!parsed) return parsed.error_value();
  const std::string name = str(*parsed, "functionName");
  if (name.empty()) return make_error("\"functionName\" is required");
  return name;
}

}  // namespace faaslab::runtime
