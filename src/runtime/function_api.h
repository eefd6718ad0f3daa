// The JSON types of the OpenFaaS REST API (faas-provider's FunctionDeployment, FunctionStatus,
// ScaleServiceRequest, DeleteFunctionRequest), converted to and from faaslab's FunctionSpec.
// Field names and omission rules follow faas-provider, so faas-cli's requests parse and its
// `list`/`describe` read our answers.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "runtime/stack.h"

namespace faaslab::runtime {

// POST/PUT /system/functions. Errors: malformed JSON, missing "service", invalid name.
Result<FunctionSpec> parse_function_deployment(const std::string& body);
nlohmann::json to_function_deployment(const FunctionSpec& spec);

struct FunctionStatusView {
  const FunctionSpec* spec = nullptr;
  std::uint64_t replicas = 0;            // desired
  std::uint64_t available_replicas = 0;  // ready
  double invocation_count = 0;
  std::int64_t created_at_unix_s = 0;
};
nlohmann::json to_function_status(const FunctionStatusView& view);

struct ScaleRequest {
  std::string service;
  std::uint64_t replicas = 0;
};
// POST /system/scale-function/{name}; the body's serviceName may be empty (the path names it).
Result<ScaleRequest> parse_scale_request(const std::string& body);

// DELETE /system/functions: {"functionName": "..."}.
Result<std::string> parse_delete_request(const std::string& body);

bool valid_function_name(const std::string& name);

}  // namespace faaslab::runtime
