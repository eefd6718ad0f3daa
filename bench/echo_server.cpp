// A minimal HTTP echo function for the runtime benchmarks: answers every request with its body
// (or "ok" for an empty one). Listens on $port (default 8082), `threads` threads (default 1).
#include <signal.h>

#include <cstdlib>
#include <iostream>

#include "common/http_server.h"

int main() {
  using namespace faaslab;
  namespace http = boost::beast::http;
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  HttpServerOptions o;
  const char* port = std::getenv("port");
  const char* threads = std::getenv("threads");
  o.port = static_cast<std::uint16_t>(port ? std::atoi(port) : 8082);
  o.threads = threads ? std::atoi(threads) : 1;
  HttpServer server(o, [](IncomingRequest&& in, Responder respond) {
    HttpServerResponse res(http::status::ok, in.message.version());
    res.set(http::field::content_type, "text/plain");
    res.body() = in.message.body().empty() ? std::string("ok") : std::move(in.message.body());
    respond(std::move(res));
  });
  if (auto st = server.start(); !st) {
    std::cerr << "echo_server: " << st.error() << "\n";
    return 1;
  }
  int sig = 0;
  sigwait(&signals, &sig);
  server.shutdown(std::chrono::seconds(1));
  return 0;
}
