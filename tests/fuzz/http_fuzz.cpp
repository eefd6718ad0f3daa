// The HTTP request path of the function and of the gateway, through the real servers: each
// input is written as raw bytes to a real connection on 127.0.0.1 (then the write side is shut,
// so the server sees the end at once) and the answer read until the server closes. The first
// byte picks the server: even the function (faaslab-fn's FunctionServer with the real handler,
// BlazeFace model and all), odd the gateway (an in-process Gateway with auth off and one
// function whose replicas cannot start, so deploy, scale, update and invoke all run their code
// without processes).
//
// Needs FAASLAB_MODELS_DIR (the BlazeFace models; scripts/fuzz sets it).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "blur/blur.h"
#include "common/env.h"
#include "common/logging.h"
#include "fn/fn_config.h"
#include "fn/handler.h"
#include "fn/server.h"
#include "runtime/gateway.h"

namespace {

using namespace faaslab;

struct FunctionTarget {
  fn::FnConfig config;  // the handler keeps a reference to it
  std::unique_ptr<blur::BlurPipeline> pipeline;
  std::unique_ptr<fn::FunctionHandler> handler;
  std::unique_ptr<fn::FunctionServer> server;
};

struct GatewayTarget {
  std::unique_ptr<runtime::Gateway> gateway;
};

std::uint16_t start_function() {
  static FunctionTarget t;
  auto config = fn::parse_fn_config(current_environment());
  if (!config) std::abort();
  config->workers = 2;
  config->max_body_bytes = 1 << 20;
  config->pipeline.limits.max_pixels = 4'000'000;
  fn::ServerOptions so;
  so.port = 0;
  so.workers = 2;
  so.max_body_bytes = config->max_body_bytes;
  so.read_timeout = std::chrono::milliseconds(500);
  so.write_timeout = std::chrono::milliseconds(500);
  t.server = std::make_unique<fn::FunctionServer>(so);
  if (!t.server->start()) std::abort();
  auto pipeline = blur::BlurPipeline::create(fn::resolve_defaults(*config, 2).pipeline);
  if (!pipeline) std::abort();
  t.pipeline = std::move(*pipeline);
  t.config = *config;
  t.handler = std::make_unique<fn::FunctionHandler>(*t.pipeline, t.config);
  t.server->set_handler([h = t.handler.get()](const fn::FnRequest& r) { return h->handle(r); });
  return t.server->port();
}

std::uint16_t start_gateway() {
  static GatewayTarget t;
  runtime::GatewayOptions o;
  o.port = 0;
  o.threads = 2;
  o.auth = false;
  o.max_body_bytes = 1 << 20;
  o.read_timeout = std::chrono::milliseconds(500);
  o.write_timeout = std::chrono::milliseconds(500);
  o.pool.watchdog_path = "/nonexistent/faaslab-watchdog";  // replicas never start
  o.pool.state_dir = "/tmp/faaslab-fuzz-gateway";
  o.pool.max_replicas = 4;
  o.pool.upstream_timeout = std::chrono::milliseconds(200);
  runtime::FunctionSpec echo;
  echo.name = "echo";
  echo.fprocess = "cat";
  t.gateway = std::make_unique<runtime::Gateway>(o);
  if (!t.gateway->start({echo})) std::abort();
  return t.gateway->port();
}

// Writes `data` to a new connection, shuts the write side, reads until the server closes.
void exchange(std::uint16_t port, const std::uint8_t* data, std::size_t size) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    std::size_t at = 0;
    while (at < size) {
      const ssize_t n = ::send(fd, data + at, size - at, MSG_NOSIGNAL);
      if (n <= 0) break;
      at += static_cast<std::size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
    char buf[65536];
    for (int i = 0; i < 1000; ++i) {  // bounded: the server closes, or 2 s pass
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 2000) <= 0) break;
      if (::recv(fd, buf, sizeof buf, 0) <= 0) break;
    }
  }
  ::close(fd);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)init_logging("off");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::uint16_t function_port = start_function();
  static const std::uint16_t gateway_port = start_gateway();
  if (size == 0) return 0;
  exchange(data[0] % 2 == 0 ? function_port : gateway_port, data + 1, size - 1);
  return 0;
}
