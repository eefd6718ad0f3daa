// The "function never saw it" protocol. A server that answers a request without any function
// code running for it (the gateway's full queue, a watchdog whose function is not running or
// over its in-flight limit, a server draining for shutdown) marks its answer with OpenFaaS's
// X-OpenFaaS-Internal header, naming itself. A 503 so marked means the request was not
// processed at all, so a gateway may send it to another replica; an unmarked 503 came from the
// function and is passed on as it is.
#pragma once

#include <string_view>

#include "common/http_server.h"

namespace faaslab {

inline constexpr std::string_view kNotProcessedHeader = "X-OpenFaaS-Internal";

// Marks `response` as answered by `who` ("faaslab-watchdog", "faaslab-gateway", ...) itself.
void mark_not_processed(HttpServerResponse& response, std::string_view who);

// A {"error": message} response marked as `who`'s own.
HttpServerResponse not_processed_response(int status, const std::string& message, unsigned version,
                                          std::string_view who);

// True for a 503 marked by the server that refused it: safe to send elsewhere.
bool was_refused_unprocessed(const HttpServerResponse& response);

}  // namespace faaslab
