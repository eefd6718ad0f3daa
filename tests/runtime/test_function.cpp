// faaslab-test-fn: a function whose misbehaviour is chosen per request, for the runtime's tests.
//
// stdin mode (default), as a classic watchdog runs it: behaviour from the query string the
// watchdog passes in Http_Query (or TEST_FN when set):
//   (none)          echo stdin to stdout
//   started=PATH    create the file PATH first (a test waits for it: the request is in flight)
//   sleep=DUR       sleep first (e.g. 2s, 300ms)
//   exit=N          print "failing with N" and exit N
//   crash           abort()
//   flood=BYTES     write that many bytes to stdout
//   stderr=TEXT     write TEXT to stderr too
//   status=/proc    print /proc/self/status and /proc/self/limits (resource limit checks)
//   env=NAME        print NAME=<value of the variable NAME>
//   fail_on=NODE    exit 3 when run on that emulated node ($faaslab_node, set by `faaslab up`)
//   mutate          print "state=<state> requests=<n>" of this process's globals, then change
//                   them (a fork child always sees the template's: "state=clean requests=0")
//   corrupt         overwrite the process's global pattern and a heap block it points to,
//                   then exit 0; check: print "pattern intact" or "pattern corrupt"
//   leak=BYTES      allocate and touch that much memory, never freed; print VmRSS in KiB
//   rss             print VmRSS in KiB
//   kill_template   (fork mode) SIGKILL the parent, the template, then echo
// Fork template (FAASLAB_FORK_FD set, by a watchdog in fork mode): the same per request, each
// in a child of this process. Environment: startup_delay=DUR and exit_at_start=N (before
// ready), template_threads=N (start N idle threads first: the watchdog must refuse it).
// --http: an HTTP server on $port (or the socket on fd 3 with LISTEN_FDS=1); the same query
// parameters per request, plus status=CODE; crash exits the process at once. Environment:
// startup_delay=DUR (before listening), exit_at_start=N (exit before listening).
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>

#include "common/env.h"
#include "common/fork_server.h"
#include "common/http_server.h"
#include "common/shutdown_signals.h"
#include "common/units.h"

namespace {

using namespace faaslab;

std::string param(const std::string& query, const std::string& key) {
  std::stringstream in(query);
  std::string pair;
  while (std::getline(in, pair, '&')) {
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == key) return eq == std::string::npos ? "1" : pair.substr(eq + 1);
  }
  return "";
}

void mark_started(const std::string& query) {
  if (auto path = param(query, "started"); !path.empty()) std::ofstream(path) << "started\n";
}

void maybe_sleep(const std::string& query) {
  if (auto s = param(query, "sleep"); !s.empty()) {
    if (auto d = parse_duration(s)) std::this_thread::sleep_for(*d);
  }
}

std::string proc_status() {
  std::ifstream status("/proc/self/status"), limits("/proc/self/limits"),
      cgroup("/proc/self/cgroup");
  std::stringstream out;
  out << status.rdbuf() << limits.rdbuf() << cgroup.rdbuf();
  return out.str();
}

// Globals a request may change or corrupt: in fork mode the next request must see them as the
// template left them.
std::string g_state = "clean";
long g_requests = 0;
constexpr std::size_t kPatternSize = 4096;
unsigned char* g_pattern = nullptr;  // a heap block filled with 0..255 repeated

void make_pattern() {
  g_pattern = static_cast<unsigned char*>(std::malloc(kPatternSize));
  for (std::size_t i = 0; i < kPatternSize; ++i) g_pattern[i] = static_cast<unsigned char>(i);
}

bool pattern_intact() {
  if (g_pattern == nullptr) return false;
  for (std::size_t i = 0; i < kPatternSize; ++i)
    if (g_pattern[i] != static_cast<unsigned char>(i)) return false;
  return true;
}

long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return -1;
}

int stdin_mode() {
  const Env env(current_environment());
  const std::string query = env.get_or("TEST_FN", env.get_or("Http_Query", ""));
  std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  mark_started(query);
  maybe_sleep(query);
  if (auto e = param(query, "stderr"); !e.empty()) std::cerr << e << std::endl;
  if (auto n = param(query, "exit"); !n.empty()) {
    std::cout << "failing with " << n << std::endl;
    return std::atoi(n.c_str());
  }
  if (auto node = param(query, "fail_on");
      !node.empty() && env.get_or("faaslab_node", "") == node) {
    std::cout << "failing on node " << node << std::endl;
    return 3;
  }
  if (!param(query, "crash").empty()) std::abort();
  if (auto f = param(query, "flood"); !f.empty()) {
    const std::string block(65536, 'x');
    for (long left = std::atol(f.c_str()); left > 0; left -= static_cast<long>(block.size())) {
      std::cout.write(block.data(), std::min<long>(left, static_cast<long>(block.size())));
    }
    return 0;
  }
  if (!param(query, "mutate").empty()) {
    std::cout << "state=" << g_state << " requests=" << g_requests;
    g_state = "dirty";
    ++g_requests;
    return 0;
  }
  if (!param(query, "corrupt").empty()) {
    if (g_pattern) std::memset(g_pattern, 0xAB, kPatternSize);
    g_pattern = reinterpret_cast<unsigned char*>(0x1);  // a dangling pointer left behind
    std::cout << "corrupted";
    return 0;
  }
  if (!param(query, "check").empty()) {
    std::cout << (pattern_intact() ? "pattern intact" : "pattern corrupt");
    return 0;
  }
  if (auto n = param(query, "leak"); !n.empty()) {
    const auto bytes = static_cast<std::size_t>(std::atol(n.c_str()));
    auto* p = static_cast<char*>(std::malloc(bytes));
    if (p) std::memset(p, 1, bytes);  // touched: resident
    std::cout << rss_kib();
    return 0;
  }
  if (!param(query, "rss").empty()) {
    std::cout << rss_kib();
    return 0;
  }
  if (!param(query, "kill_template").empty()) ::kill(::getppid(), SIGKILL);
  if (auto name = param(query, "env"); !name.empty()) {
    std::cout << name << "=" << env.get_or(name, "<unset>");
    return 0;
  }
  if (param(query, "status") == "/proc") {
    std::cout << proc_status();
    return 0;
  }
  std::cout << input;
  return 0;
}

int http_mode(ShutdownSignals& signals) {
  const Env env(current_environment());
  if (auto n = env.get("exit_at_start")) return std::atoi(n->c_str());
  if (auto d = env.get("startup_delay")) {
    if (auto parsed = parse_duration(*d)) std::this_thread::sleep_for(*parsed);
  }
  HttpServerOptions o;
  o.port = static_cast<std::uint16_t>(std::atoi(env.get_or("port", "8082").c_str()));
  if (env.get("LISTEN_FDS")) o.listen_fd = 3;
  o.threads = 4;
  HttpServer server(o, [](IncomingRequest&& in, Responder respond) {
    namespace http = boost::beast::http;
    const std::string target(in.message.target());
    const auto q = target.find('?');
    const std::string query = q == std::string::npos ? "" : target.substr(q + 1);
    HttpServerResponse res(http::status::ok, in.message.version());
    res.set(http::field::content_type, "text/plain");
    if (target.rfind("/_/health", 0) == 0) {
      res.body() = "OK";
      return respond(std::move(res));
    }
    if (!param(query, "crash").empty()) ::_exit(3);
    mark_started(query);
    maybe_sleep(query);
    if (auto s = param(query, "status"); !s.empty() && s != "/proc")
      res.result(static_cast<unsigned>(std::atoi(s.c_str())));
    if (auto f = param(query, "flood"); !f.empty()) {
      res.body().assign(static_cast<std::size_t>(std::atol(f.c_str())), 'x');
    } else {
      res.body() = in.message.body();
    }
    res.set("X-Test-Pid", std::to_string(::getpid()));
    respond(std::move(res));
  });
  if (auto st = server.start(); !st) {
    std::cerr << "faaslab-test-fn: " << st.error() << "\n";
    return 1;
  }
  signals.wait();
  server.shutdown(std::chrono::seconds(5));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  if (argc > 1 && std::string(argv[1]) == "--http") {
    ShutdownSignals signals;  // before any thread is created, so wait() gets them
    return http_mode(signals);
  }
  const auto fork_fd = fork_server::template_fd(current_environment());
  if (!fork_fd) {
    std::cerr << "faaslab-test-fn: " << fork_fd.error() << "\n";
    return 2;
  }
  if (*fork_fd) {
    const Env env(current_environment());
    if (auto n = env.get("exit_at_start")) return std::atoi(n->c_str());
    if (auto d = env.get("startup_delay")) {
      if (auto parsed = parse_duration(*d)) std::this_thread::sleep_for(*parsed);
    }
    for (int i = std::atoi(env.get_or("template_threads", "0").c_str()); i > 0; --i)
      std::thread([] { ::pause(); }).detach();
    make_pattern();
    return fork_server::serve(**fork_fd, [](const EnvList&) { return stdin_mode(); });
  }
  make_pattern();
  return stdin_mode();
}
