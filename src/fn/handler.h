// The function's request handling, independent of transport: the HTTP server and the
// one-shot --stdin mode both turn their input into an FnRequest and send back the FnResponse.
//
// Input: raw JPEG/PNG bytes, or base64 text of one (recognised by content, never by headers).
// Output format: ?format= (image|json|seed), else Accept (image/* -> image, application/json ->
// json, text/plain -> seed), else the configured response_format, else by input kind (raw image
// -> image, base64 -> json). Output codec: ?codec= (jpeg|png), else an Accept naming
// image/jpeg or image/png, else the input's codec.
//
// Thread-safe: handle() may run on many threads at once (the pipeline serialises what must be).
#pragma once

#include <string>

#include "blur/blur.h"
#include "common/header_list.h"
#include "fn/fn_config.h"

namespace faaslab::fn {

struct FnRequest {
  std::string method = "POST";
  std::string target = "/";  // path and query
  std::string accept;
  std::string body;
};

struct FnResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  // X-Faces, X-ML-Seconds, X-Handler-Seconds (X-Duration-Seconds is the transport's).
  HeaderList headers;
};

class FunctionHandler {
 public:
  // Both must outlive the handler.
  FunctionHandler(const blur::BlurPipeline& pipeline, const FnConfig& config)
      : pipeline_(pipeline), config_(config) {}

  FnResponse handle(const FnRequest& request) const;

 private:
  const blur::BlurPipeline& pipeline_;
  const FnConfig& config_;
};

// An error response: status, {"error": message}, and the timing headers set to zero.
FnResponse error_response(int status, const std::string& message);

// The seed format: the study's handler output, which its Python client parses line by line.
std::string render_seed(const std::string& image_base64, double ml_seconds, double handler_seconds);

}  // namespace faaslab::fn
