// faaslab-fn: the face-blur function. Serves HTTP (warm: the model is loaded once), or with
// --stdin handles one request from stdin to stdout (for a fork-per-request watchdog).
// Configured by environment variables, as OpenFaaS configures functions; see --help.
#include <CLI/CLI.hpp>

#include <iostream>

#include "common/command_line.h"
#include "common/env.h"
#include "common/fork_server.h"
#include "common/logging.h"
#include "common/malloc_tuning.h"
#include "fn/app.h"
#include "fn/fn_config.h"

namespace {

constexpr const char* kEnvironmentHelp =
    R"(Environment (as set by OpenFaaS stack.yml `environment:`):
  port             listen port (8080)                 bind            address (127.0.0.1)
  workers          frames processed at once (cores)   opencv_threads  OpenCV pool (cores/workers)
  max_body_size    request body limit (32MiB) -> 413  max_pixels      decoded image limit (40M) -> 413
  read_timeout     receive one request (10s)          write_timeout   send a response; drain on SIGTERM (10s)
  response_format  image | json | seed (by input: raw image -> image, base64 -> json)
  detector         blazeface128 | blazeface256 | haar (blazeface128)
  score_threshold  BlazeFace minimum score (0.75)     tile_levels     1..4, more finds smaller faces (1)
  blur             gaussian | box | pixelate (gaussian)
  blur_margin      box growth, x2 on top (0.25)       blur_strength   (1.0)
  jpeg_quality     1..100 (90)                        png_level       0..3, ISA-L igzip (1)
  models_dir       BlazeFace ONNX directory           haar_cascade    cascade XML file
  suppress_lock    do not write $TMPDIR/.lock (false) log_level       trace..error, off (info)
  warm_up          run every worker's detector once before ready (true; HTTP only)
Requests: POST raw JPEG/PNG or base64 text; ?format=image|json|seed, ?codec=jpeg|png.
Details: docs/function.md)";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"faaslab-fn: the face-blur function (OpenFaaS function contract)"};
  app.footer(kEnvironmentHelp);
  bool stdin_mode = false;
  int port = -1;
  app.add_flag("--stdin", stdin_mode,
               "Handle one request from stdin, write the response to stdout, exit");
  app.add_option("--port", port, "Listen port (overrides the `port` variable)")
      ->check(CLI::Range(0, 65535));
  app.set_version_flag("--version", std::string("faaslab-fn ") + FAASLAB_VERSION);
  if (auto status = faaslab::parse_command_line(app, argc, argv)) return *status;
  faaslab::keep_large_buffers_in_heap();
  std::ios::sync_with_stdio(false);

  const auto env = faaslab::current_environment();
  auto config = faaslab::fn::parse_fn_config(env);
  if (!config) {
    std::cerr << "faaslab-fn: invalid configuration: " << config.error() << "\n";
    return 2;
  }
  if (port >= 0) config->port = static_cast<std::uint16_t>(port);
  if (auto st = faaslab::init_logging(config->log_level); !st) {
    std::cerr << "faaslab-fn: log_level: " << st.error() << "\n";
    return 2;
  }
  const auto fork_fd = faaslab::fork_server::template_fd(env);
  if (!fork_fd) {
    std::cerr << "faaslab-fn: " << fork_fd.error() << "\n";
    return 2;
  }
  if (*fork_fd) {  // started by a watchdog in fork mode, whatever the flags say
    return faaslab::fn::serve_fork_template(faaslab::fn::resolve_defaults(*config, 1), **fork_fd);
  }
  const auto resolved =
      faaslab::fn::resolve_defaults(*config, stdin_mode ? 1 : faaslab::available_cores());
  if (stdin_mode) return faaslab::fn::serve_stdin(resolved, env, std::cin, std::cout, std::cerr);
  return faaslab::fn::serve_http(resolved);
}
