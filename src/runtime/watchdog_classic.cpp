// Classic mode: a process per request, as OpenFaaS's classic watchdog (and of-watchdog's
// "serializing" mode) runs one, with the contract of classic_contract.h. The process is
// started with posix_spawn (no shell, vfork semantics) and watched asynchronously, so
// concurrent requests cost a process each, not a thread each.
#include "common/env.h"
#include "runtime/async_process.h"
#include "runtime/classic_contract.h"
#include "runtime/command_line.h"
#include "runtime/watchdog.h"

namespace faaslab::runtime {
namespace {

class ClassicRunner : public Runner {
 public:
  ClassicRunner(boost::asio::io_context& ioc, const WatchdogConfig& config)
      : ioc_(ioc), config_(config), argv_(config.fprocess), base_env_(function_environment()) {
    argv_[0] = resolve_executable(argv_[0]);
  }

  void start(std::function<void(Status)> ready) override { ready(Ok{}); }

  void handle(IncomingRequest&& in, std::function<void(HttpServerResponse)> respond) override {
    const auto& req = in.message;
    SpawnOptions options;
    options.argv = argv_;
    options.env = base_env_;
    if (config_.cgi_headers) {
      for (auto& v : cgi_variables(req)) options.env.push_back(std::move(v));
    }
    options.stderr_to_stdout = config_.combine_output;
    const unsigned version = req.version();
    auto started = SteadyClock::now();
    run_to_completion(
        ioc_, options, std::move(in.message.body()), config_.exec_timeout, config_.max_output_bytes,
        [this, version, started, respond = std::move(respond)](Result<RunOutcome> result) {
          respond(classic_response(std::move(result), version, started, config_));
        });
  }

  void stop() override {}

 private:
  boost::asio::io_context& ioc_;
  const WatchdogConfig& config_;
  std::vector<std::string> argv_;
  const std::vector<std::string> base_env_;
};

}  // namespace

std::unique_ptr<Runner> make_classic_runner(boost::asio::io_context& ioc,
                                            const WatchdogConfig& config) {
  return std::make_unique<ClassicRunner>(ioc, config);
}

}  // namespace faaslab::runtime
