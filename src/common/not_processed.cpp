#include "common/not_processed.h"

namespace faaslab {

void mark_not_processed(HttpServerResponse& response, std::string_view who) {
  response.set(kNotProcessedHeader, who);
}

HttpServerResponse not_processed_response(int status, const std::string& message, unsigned version,
                                          std::string_view who) {
  auto res = json_error_response(status, message, version);
  mark_not_processed(res, who);
  return res;
}

bool was_refused_unprocessed(const HttpServerResponse& response) {
  return response.result_int() == 503 && response.find(kNotProcessedHeader) != response.end();
}

}  // namespace faaslab
