// faaslab-fn's configuration, read from environment variables as OpenFaaS passes them to a
// function container (stack.yml `environment:`). parse_fn_config() is a pure function over a
// list of "KEY=value" strings; every variable, its default and its meaning is in
// docs/function.md and `faaslab-fn --help`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "blur/blur.h"
#include "common/env.h"
#include "common/result.h"
#include "common/units.h"

namespace faaslab::fn {

enum class ResponseFormat { kImage, kJson, kSeed };

std::string_view response_format_name(ResponseFormat f);  // "image", "json", "seed"
std::optional<ResponseFormat> response_format_from_name(std::string_view name);

struct FnConfig {
  // Serving
  std::string bind = "127.0.0.1";  // a container sets 0.0.0.0 (deploy/Dockerfile)
  std::uint16_t port = 8080;
  int workers = 0;         // requests processed at once; 0 = number of cores
  int opencv_threads = 0;  // OpenCV's pool; 0 = max(1, cores / workers)
  std::uint64_t max_body_bytes = 32ull << 20;
  Micros read_timeout = std::chrono::seconds(10);   // to receive one whole request
  Micros write_timeout = std::chrono::seconds(10);  // to send a response; also the drain on SIGTERM
  bool suppress_lock = false;
  bool warm_up = true;  // HTTP: build and run every worker's detector before reporting ready
  std::string log_level = "info";

  // Response
  std::optional<ResponseFormat> response_format;  // unset: by input kind

  // Pipeline (detector, blur, codecs, pixel limit)
  blur::PipelineOptions pipeline;
};

Result<FnConfig> parse_fn_config(const EnvList& env);

// Resolves the 0 ("automatic") values against the machine's core count.
FnConfig resolve_defaults(FnConfig config, int cores);

}  // namespace faaslab::fn
