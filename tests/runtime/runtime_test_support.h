// Starting a watchdog or a gateway as a process for the runtime's tests.
#pragma once

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/http_client.h"
#include "common/subprocess.h"
#include "support/listener.h"
#include "support/test_data.h"

namespace faaslab::runtime::testing_support {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

inline std::string test_fn() {
  return faaslab::testing::binary("bin/faaslab-test-fn");
}
inline std::string fn() {
  return faaslab::testing::binary("bin/faaslab-fn");
}

class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = fs::temp_directory_path() /
            ("faaslab-rt-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

inline Result<HttpResponse> call(std::uint16_t port, const std::string& method,
                                 const std::string& target, const std::string& body = "",
                                 HeaderList headers = {},
                                 Micros timeout = std::chrono::seconds(30)) {
  HttpRequest r;
  r.method = method;
  r.target = target;
  r.body = body;
  r.headers = std::move(headers);
  return http_request("127.0.0.1", port, r, timeout);
}

// Polls `done` every 10 ms until it holds, for at most `timeout`.
template <class Predicate>
bool wait_until(Predicate done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

// A stack file around the given function entries.
inline std::string stack(const std::string& functions) {
  return "version: 1.0\nprovider:\n  name: openfaas\nfunctions:\n" + functions;
}

// A classic-mode faaslab-test-fn (echo), with extra YAML lines for the function.
inline std::string echo_function(const std::string& name, const std::string& extra = "") {
  return "  " + name + ":\n    image: faaslab/test:latest\n    fprocess: " + test_fn() + "\n" +
         extra;
}

// A warm (http-mode) faaslab-test-fn: extra environment lines, then extra YAML lines.
inline std::string http_function(const std::string& name, const std::string& extra = "",
                                 const std::string& environment = "") {
  return "  " + name + ":\n    image: faaslab/test:latest\n    fprocess: " + test_fn() +
         " --http\n    environment:\n      mode: http\n      upstream_url: "
         "http://127.0.0.1:8082\n" +
         environment + extra;
}

// GET /system/function/{name} as JSON; null when it does not answer 200.
inline nlohmann::json status_of(std::uint16_t port, const std::string& name, HeaderList auth = {}) {
  auto r = call(port, "GET", "/system/function/" + name, "", auth);
  if (!r.ok() || r->status != 200) return nlohmann::json();
  return nlohmann::json::parse(r->body);
}

// Waits until the function reports `ready` available replicas and none starting.
inline bool wait_available(std::uint16_t port, const std::string& name, int ready,
                           std::chrono::milliseconds timeout = std::chrono::seconds(20),
                           const HeaderList& auth = {}) {
  return wait_until(
      [&] {
        const auto s = status_of(port, name, auth);
        return !s.is_null() && s.value("availableReplicas", 0) == ready &&
               s["faaslab"]["starting"] == 0 && s.value("replicas", 0) == ready;
      },
      timeout);
}

// Polls GET path until it answers `status`, for at most `timeout`.
inline bool wait_for_status(std::uint16_t port, const std::string& path, int status,
                            std::chrono::milliseconds timeout, HeaderList headers = {}) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = call(port, "GET", path, "", headers, std::chrono::seconds(2));
    if (r.ok() && r->status == status) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

// A faaslab-watchdog serving a socket the test made (so the port is known before it starts).
class WatchdogProcess {
 public:
  explicit WatchdogProcess(std::vector<std::string> env) {
    env.push_back("LISTEN_FDS=1");
    env.push_back("TMPDIR=" + tmp_.path().string());
    port_ = listener_.port();
    process_ = std::make_unique<Subprocess>(
        std::vector<std::string>{faaslab::testing::binary("bin/faaslab-watchdog")}, std::move(env),
        listener_.fd(), /*own_group=*/true);
    listener_.close();
  }
  ~WatchdogProcess() {
    if (process_) {
      process_->signal_group(SIGKILL);  // the watchdog and an http-mode function with it
      process_->wait(5s);
    }
  }
  std::uint16_t port() const { return port_; }
  bool wait_ready(std::chrono::milliseconds timeout = 20s) {
    return wait_for_status(port_, "/_/health", 200, timeout);
  }
  Subprocess& process() { return *process_; }
  const fs::path& tmpdir() const { return tmp_.path(); }

 private:
  TempDir tmp_;
  faaslab::testing::Listener listener_;
  std::uint16_t port_ = 0;
  std::unique_ptr<Subprocess> process_;
};

// `faaslab up` on a stack file written from `stack_yaml`, on a free port, auth off unless asked.
class GatewayProcess {
 public:
  explicit GatewayProcess(const std::string& stack_yaml, std::vector<std::string> extra_args = {},
                          bool auth = false) {
    std::ofstream(tmp_.path() / "stack.yml") << stack_yaml;
    std::vector<std::string> argv{faaslab::testing::binary("bin/faaslab"),
                                  "up",
                                  "-f",
                                  (tmp_.path() / "stack.yml").string(),
                                  "--port",
                                  "0",
                                  "--secrets-dir",
                                  (tmp_.path() / "secrets").string(),
                                  "--events",
                                  (tmp_.path() / "events.jsonl").string()};
    if (!auth) argv.push_back("--no-auth");
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    process_ = std::make_unique<Subprocess>(
        argv, std::vector<std::string>{"TMPDIR=" + tmp_.path().string()});
    const auto log = process_->wait_for_stderr("gateway ready on", 30s);
    if (log) port_ = faaslab::testing::ready_port(*log, "gateway ready on 127.0.0.1:");
  }
  ~GatewayProcess() { stop(); }
  int stop() {
    if (!process_) return -1;
    process_->signal(SIGTERM);
    const int code = process_->wait(30s);
    log_ = process_->err();
    process_.reset();
    return code;
  }
  std::uint16_t port() const { return port_; }
  Subprocess& process() { return *process_; }
  const fs::path& dir() const { return tmp_.path(); }
  std::string events() const {
    std::ifstream in(tmp_.path() / "events.jsonl");
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  const std::string& log() const { return log_; }

 private:
  TempDir tmp_;
  std::unique_ptr<Subprocess> process_;
  std::uint16_t port_ = 0;
  std::string log_;
};

}  // namespace faaslab::runtime::testing_support
