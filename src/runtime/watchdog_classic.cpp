// Classic mode: a process per request, as OpenFaaS's classic watchdog (and of-watchdog's
// "serializing" mode) runs one. The body goes to the process's stdin, its stdout comes back as
// the response; the request's headers are passed as CGI-style variables (Http_Method,
// Http_Query, Http_Path, Http_Content_Type, Http_X_Call_Id, ...). The process is started with
// posix_spawn (no shell, vfork semantics) and watched asynchronously, so concurrent requests
// cost a process each, not a thread each.
//
// Outcomes: exit 0 -> 200 with stdout (Content-Type: content_type if set, else recognised
// from the output: JPEG/PNG -> image/*, JSON -> application/json, else text/plain);
// exec_timeout -> the process group is killed and 408 "Killed process."; non-zero exit -> 500
// with the output; output over max_output_size -> killed, 500.
#include <spdlog/spdlog.h>

#include <cctype>

#include "common/env.h"
#include "runtime/async_process.h"
#include "runtime/command_line.h"
#include "runtime/watchdog.h"

namespace faaslab::runtime {
namespace {

namespace http = boost::beast::http;

std::string sniff_content_type(const std::string& out) {
  const auto* b = reinterpret_cast<const unsigned char*>(out.data());
  if (out.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return "image/jpeg";
  if (out.size() >= 8 && out.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0) return "image/png";
  std::size_t i = 0;
  while (i < out.size() && std::isspace(static_cast<unsigned char>(out[i]))) ++i;
  if (i < out.size() && (out[i] == '{' || out[i] == '[')) return "application/json";
  return "text/plain; charset=utf-8";
}

// "X-Call-Id" -> "Http_X_Call_Id", as the classic watchdog names request headers.
std::string cgi_name(std::string_view header) {
  std::string name = "Http_";
  for (char c : header) name += c == '-' ? '_' : c;
  return name;
}

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
      const auto target = req.target();
      const auto q = target.find('?');
      options.env.push_back("Http_Method=" + std::string(req.method_string()));
      options.env.push_back("Http_Path=" + std::string(target.substr(0, q)));
      if (q != std::string_view::npos)
        options.env.push_back("Http_Query=" + std::string(target.substr(q + 1)));
      options.env.push_back("Http_ContentLength=" + std::to_string(req.body().size()));
      for (const auto& field : req) {
        options.env.push_back(cgi_name(field.name_string()) + "=" + std::string(field.value()));
      }
    }
    options.stderr_to_stdout = config_.combine_output;
    const unsigned version = req.version();
    auto started = SteadyClock::now();
    run_to_completion(
        ioc_, options, std::move(in.message.body()), config_.exec_timeout, config_.max_output_bytes,
        [this, version, started, respond = std::move(respond)](Result<RunOutcome> result) {
          respond(to_response(std::move(result), version, started));
        });
  }

  void stop() override {}

 private:
  HttpServerResponse to_response(Result<RunOutcome> result, unsigned version,
                                 SteadyClock::time_point started) {
    HttpServerResponse res(http::status::ok, version);
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    if (!result) {
      res.result(http::status::internal_server_error);
      res.body() = "cannot start fprocess: " + result.error() + "\n";
      spdlog::error("{}", result.error());
      return res;
    }
    auto& o = *result;
    if (!o.err.empty()) spdlog::info("fprocess stderr: {}", o.err.substr(0, 2000));
    if (o.timed_out) {
      res.result(http::status::request_timeout);
      res.body() = "Killed process.\n";
      spdlog::warn("killed fprocess after exec_timeout {}", format_duration(config_.exec_timeout));
      return res;
    }
    if (o.output_overflow) {
      res.result(http::status::internal_server_error);
      res.body() = "fprocess output over max_output_size (" +
                   std::to_string(config_.max_output_bytes) + " bytes): killed\n";
      return res;
    }
    if (!o.exit.exited() || o.exit.code != 0) {
      res.result(http::status::internal_server_error);
      res.body() = o.out.empty() ? o.exit.describe() + "\n" : std::move(o.out);
      spdlog::warn("fprocess failed ({}) after {:.3f} s", o.exit.describe(),
                   std::chrono::duration<double>(SteadyClock::now() - started).count());
      return res;
    }
    res.set(http::field::content_type,
            config_.content_type.empty() ? sniff_content_type(o.out) : config_.content_type);
    res.body() = std::move(o.out);
    return res;
  }

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
