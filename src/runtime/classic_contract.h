// The classic watchdog's contract, shared by the two modes that run a process per request:
// classic (a new process, watchdog_classic.cpp) and fork (a child of a loaded template,
// watchdog_fork.cpp). A request's headers become CGI-style variables; a process's run becomes
// the response: exit 0 -> 200 with stdout (Content-Type: content_type if set, else recognised
// from the output: JPEG/PNG -> image/*, JSON -> application/json, else text/plain);
// exec_timeout -> 408 "Killed process."; non-zero exit or a signal -> 500 with the output;
// output over max_output_size -> 500.
#pragma once

#include <string>

#include "common/clock.h"
#include "common/env.h"
#include "common/http_server.h"
#include "common/result.h"
#include "runtime/async_process.h"
#include "runtime/watchdog_config.h"

namespace faaslab::runtime {

// Http_Method, Http_Path, Http_Query (when there is one), Http_ContentLength and one
// Http_<Header> per header ("X-Call-Id" -> "Http_X_Call_Id"), as the classic watchdog names
// them.
EnvList cgi_variables(const HttpServerRequest& request);

// The response for a run (an error: the process could not be started), logging what an
// operator needs (stderr, kills, failures).
HttpServerResponse classic_response(Result<RunOutcome> result, unsigned version,
                                    SteadyClock::time_point started, const WatchdogConfig& config);

}  // namespace faaslab::runtime
