// The ways faaslab-fn runs, as functions the binary's main() calls.
#pragma once

#include <istream>
#include <ostream>

#include "fn/fn_config.h"

namespace faaslab::fn {

// HTTP mode: listen, load the model, report ready (health 200, lock file), serve until SIGTERM
// or SIGINT, then remove the lock file and drain for up to write_timeout. Returns the exit code.
int serve_http(const FnConfig& config);

// One-shot mode for a fork-per-request (classic) watchdog: one request body on `in`, the
// response body on `out`, exit 0; on bad input a message on `err` and a non-zero code (1 for
// bad input, 2 for an input over a limit, 3 for an internal failure). The format and codec
// come from the classic watchdog's CGI variables Http_Query and Http_Accept when present.
int serve_stdin(const FnConfig& config, const EnvList& env, std::istream& in, std::ostream& out,
                std::ostream& err);

// Template mode for a watchdog in fork mode (FAASLAB_FORK_FD set; common/fork_server.h): the
// model loaded and one frame through the handler, on one thread, then a child forked per
// request that does what serve_stdin does with it (std::cin, std::cout, the request's CGI
// variables). Returns when the watchdog closes the socket.
int serve_fork_template(const FnConfig& config, int control_fd);

}  // namespace faaslab::fn
