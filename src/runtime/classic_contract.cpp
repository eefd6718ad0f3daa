#include "runtime/classic_contract.h"

#include <spdlog/spdlog.h>

#include <cctype>

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

std::string cgi_name(std::string_view header) {
  std::string name = "Http_";
  for (char c : header) name += c == '-' ? '_' : c;
  return name;
}

}  // namespace

EnvList cgi_variables(const HttpServerRequest& req) {
  EnvList env;
  const auto target = req.target();
  const auto q = target.find('?');
  env.push_back("Http_Method=" + std::string(req.method_string()));
  env.push_back("Http_Path=" + std::string(target.substr(0, q)));
  if (q != std::string_view::npos) env.push_back("Http_Query=" + std::string(target.substr(q + 1)));
  env.push_back("Http_ContentLength=" + std::to_string(req.body().size()));
  for (const auto& field : req)
    env.push_back(cgi_name(field.name_string()) + "=" + std::string(field.value()));
  return env;
}

HttpServerResponse classic_response(Result<RunOutcome> result, unsigned version,
                                    SteadyClock::time_point started, const WatchdogConfig& config) {
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
    spdlog::warn("killed fprocess after exec_timeout {}", format_duration(config.exec_timeout));
    return res;
  }
  if (o.output_overflow) {
    res.result(http::status::internal_server_error);
    res.body() = "fprocess output over max_output_size (" +
                 std::to_string(config.max_output_bytes) + " bytes): killed\n";
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
          config.content_type.empty() ? sniff_content_type(o.out) : config.content_type);
  res.body() = std::move(o.out);
  return res;
}

}  // namespace faaslab::runtime
