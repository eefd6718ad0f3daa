#include "runtime/gateway.h"

#include <spdlog/spdlog.h>
#include <sys/utsname.h>

#include <boost/asio/steady_timer.hpp>

#include <charconv>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/env.h"
#include "common/http_server.h"
#include "common/mutex.h"
#include "runtime/function_api.h"
#include "runtime/gateway_metrics.h"

#ifndef FAASLAB_VERSION
#define FAASLAB_VERSION "dev"
#endif

namespace faaslab::runtime {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using nlohmann::json;

namespace {

HttpServerResponse json_response(http::status status, const json& body, unsigned version) {
  HttpServerResponse res(status, version);
  res.set(http::field::content_type, "application/json");
  res.body() = body.dump();
  return res;
}

HttpServerResponse text_response(http::status status, std::string body, unsigned version) {
  HttpServerResponse res(status, version);
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.body() = std::move(body);
  return res;
}

}  // namespace

struct Gateway::Impl {
  explicit Impl(GatewayOptions o) : options(std::move(o)), events(options.events_path) {}

  GatewayOptions options;
  EventLog events;
  GatewayMetrics metrics;
  Credentials credentials;
  std::unique_ptr<HttpServer> http;
  std::unique_ptr<asio::steady_timer> ticker;
  mutable Mutex mu;
  std::map<std::string, std::shared_ptr<FunctionPool>> functions GUARDED_BY(mu);
  std::vector<std::shared_ptr<FunctionPool>> retired GUARDED_BY(mu);  // removed, still stopping
  bool stopped = false;

  std::shared_ptr<FunctionPool> find(const std::string& name) const {
    MutexLock lock(mu);
    auto it = functions.find(name);
    return it == functions.end() ? nullptr : it->second;
  }

  Status deploy(FunctionSpec spec, bool update, bool& existed) {
    std::shared_ptr<FunctionPool> existing = find(spec.name);
    existed = existing != nullptr;
    if (existing) {
      if (!update)
        return make_error("function " + spec.name + " already exists (use PUT to update it)");
      return existing->update(std::move(spec));
    }
    if (update) return Ok{};  // caller answers 404
    auto pool =
        FunctionPool::create(http->io_context(), std::move(spec), options.pool, events, metrics);
    if (!pool) return pool.error_value();
    {
      MutexLock lock(mu);
      functions[(*pool)->name()] = *pool;
    }
    (*pool)->start();
    return Ok{};
  }

  bool remove(const std::string& name) {
    std::shared_ptr<FunctionPool> pool;
    {
      MutexLock lock(mu);
      auto it = functions.find(name);
      if (it == functions.end()) return false;
      pool = it->second;
      functions.erase(it);
      retired.push_back(pool);
    }
    ReplicaEvent e;
    e.function = name;
    e.kind = "remove";
    events.record(e);
    pool->stop_all(404, "function " + name + " was removed");
    return true;
  }

  void tick() {
    std::vector<std::shared_ptr<FunctionPool>> pools;
    {
      MutexLock lock(mu);
      for (const auto& [_, p] : functions) pools.push_back(p);
      std::erase_if(retired, [](const auto& p) { return p->stopped(); });
    }
    for (const auto& p : pools) p->tick();
  }

  void schedule_tick() {
    ticker->expires_after(options.tick_interval);
    ticker->async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      tick();
      schedule_tick();
    });
  }

  json status_json(const FunctionPool& pool) const {
    const PoolStatus s = pool.status();
    FunctionStatusView v;
    v.spec = &s.spec;
    v.replicas = static_cast<std::uint64_t>(s.desired);
    v.available_replicas = static_cast<std::uint64_t>(s.ready);
    v.invocation_count = static_cast<double>(s.invocations);
    v.created_at_unix_s = s.created_unix_s;
    json j = to_function_status(v);
    // faaslab's own, beside OpenFaaS's fields (faas-cli ignores unknown ones).
    j["faaslab"] = {{"starting", s.starting},
                    {"stopping", s.stopping},
                    {"queued", s.queued},
                    {"inflight", s.inflight},
                    {"routing", routing_name(s.routing)},
                    {"replicaNames", s.replica_names}};
    if (!s.unhealthy.empty()) j["faaslab"]["unhealthy"] = s.unhealthy;
    return j;
  }

  void handle(IncomingRequest&& in, const Responder& respond);
  void handle_system(IncomingRequest&& in, std::string_view path, const Responder& respond);
};

void Gateway::Impl::handle(IncomingRequest&& in, const Responder& respond) {
  const auto& req = in.message;
  const unsigned version = req.version();
  const std::string target(req.target());
  const auto q = target.find('?');
  const std::string path = target.substr(0, q);
  const std::string query = q == std::string::npos ? "" : target.substr(q);

  constexpr std::string_view kFunction = "/function/";
  if (path.rfind(kFunction, 0) == 0) {
    const auto rest = path.substr(kFunction.size());
    const auto slash = rest.find('/');
    const std::string name = rest.substr(0, slash);
    const std::string sub = slash == std::string::npos ? "/" : rest.substr(slash);
    auto pool = find(name);
    if (!pool) {
      return respond(json_error_response(404, "function " + name + " not found", version));
    }
    return pool->invoke(std::move(in), sub + query, respond);
  }
  if (path == "/healthz") return respond(text_response(http::status::ok, "OK", version));
  if (path == "/metrics") {
    auto res = text_response(http::status::ok, metrics.render(), version);
    res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    return respond(std::move(res));
  }
  if (path.rfind("/system/", 0) == 0) {
    if (options.auth && !check_basic_auth(req[http::field::authorization], credentials)) {
      auto res = json_error_response(401, "unauthorized: /system/ needs basic auth", version);
      res.set(http::field::www_authenticate, "Basic realm=\"Restricted\"");
      return respond(std::move(res));
    }
    return handle_system(std::move(in), path, respond);
  }
  respond(json_error_response(404, "no route for " + path, version));
}

void Gateway::Impl::handle_system(IncomingRequest&& in, std::string_view path,
                                  const Responder& respond) {
  const auto& req = in.message;
  const unsigned version = req.version();
  const auto method = req.method();
  auto not_allowed = [&] {
    return respond(json_error_response(405, "method not allowed on " + std::string(path), version));
  };

  if (path == "/system/functions") {
    if (method == http::verb::get) {
      std::vector<std::shared_ptr<FunctionPool>> pools;
      {
        MutexLock lock(mu);
        for (const auto& [_, p] : functions) pools.push_back(p);
      }
      json list = json::array();
      for (const auto& p : pools) list.push_back(status_json(*p));
      return respond(json_response(http::status::ok, list, version));
    }
    if (method == http::verb::post || method == http::verb::put) {
      auto spec = parse_function_deployment(req.body());
      if (!spec) return respond(json_error_response(400, spec.error(), version));
      const std::string name = spec->name;
      bool existed = false;
      auto st = deploy(std::move(*spec), method == http::verb::put, existed);
      if (method == http::verb::put && !existed) {
        return respond(json_error_response(
            404, "function " + name + " not found (POST to create it)", version));
      }
      if (!st)
        return respond(json_error_response(existed && method == http::verb::post ? 409 : 400,
                                           st.error(), version));
      return respond(text_response(http::status::accepted, "", version));
    }
    if (method == http::verb::delete_) {
      auto name = parse_delete_request(req.body());
      if (!name) return respond(json_error_response(400, name.error(), version));
      if (!remove(*name))
        return respond(json_error_response(404, "function " + *name + " not found", version));
      return respond(text_response(http::status::accepted, "", version));
    }
    return not_allowed();
  }
  constexpr std::string_view kStatus = "/system/function/";
  if (path.rfind(kStatus, 0) == 0) {
    if (method != http::verb::get) return not_allowed();
    const std::string name(path.substr(kStatus.size()));
    auto pool = find(name);
    if (!pool) return respond(json_error_response(404, "function " + name + " not found", version));
    return respond(json_response(http::status::ok, status_json(*pool), version));
  }
  constexpr std::string_view kScale = "/system/scale-function/";
  if (path.rfind(kScale, 0) == 0) {
    if (method != http::verb::post) return not_allowed();
    const std::string name(path.substr(kScale.size()));
    auto request = parse_scale_request(req.body());
    if (!request) return respond(json_error_response(400, request.error(), version));
    if (!request->service.empty() && request->service != name) {
      return respond(json_error_response(
          400, "serviceName '" + request->service + "' does not match the path", version));
    }
    auto pool = find(name);
    if (!pool) return respond(json_error_response(404, "function " + name + " not found", version));
    pool->scale(static_cast<int>(std::min<std::uint64_t>(request->replicas, 1 << 20)),
                "scale-function API");
    return respond(text_response(http::status::accepted, "", version));
  }
  if (path == "/system/info") {
    if (method != http::verb::get) return not_allowed();
    utsname u{};
    uname(&u);
    const json info = {
        {"provider",
         {{"provider", "faaslab"},
          {"orchestration", "local-processes"},
          {"version", {{"release", FAASLAB_VERSION}, {"sha", ""}}}}},
        {"version", {{"release", FAASLAB_VERSION}, {"sha", ""}, {"commit_message", ""}}},
        {"arch", u.machine}};
    return respond(json_response(http::status::ok, info, version));
  }
  if (path == "/system/faaslab/events") {
    if (method != http::verb::get) return not_allowed();
    std::uint64_t since = 0;
    const std::string target(req.target());
    if (auto at = target.find("since="); at != std::string::npos) {
      std::from_chars(target.data() + at + 6, target.data() + target.size(), since);
    }
    json list = json::array();
    for (const auto& e : events.since(since)) list.push_back(e.to_json());
    return respond(json_response(http::status::ok, list, version));
  }
  respond(json_error_response(404, "no route for " + std::string(path), version));
}

Gateway::Gateway(GatewayOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Gateway::~Gateway() {
  shutdown(std::chrono::seconds(5));
}

Status Gateway::start(const std::vector<FunctionSpec>& functions) {
  auto& o = impl_->options;
  if (o.auth && o.credentials) {
    impl_->credentials = *o.credentials;
  } else if (o.auth) {
    const auto env_list = current_environment();
    const Env env(env_list);
    auto dir =
        o.secrets_dir.empty() ? default_secrets_dir(env) : Result<std::string>(o.secrets_dir);
    if (!dir) return dir.error_value();
    auto creds = load_or_create_credentials(*dir, env);
    if (!creds) return creds.error_value();
    impl_->credentials = *creds;
  }
  HttpServerOptions so;
  so.bind = o.bind;
  so.port = o.port;
  so.threads = o.threads > 0 ? o.threads : available_cores();
  so.max_body_bytes = o.max_body_bytes;
  so.read_timeout = o.read_timeout;
  so.write_timeout = o.write_timeout;
  impl_->http = std::make_unique<HttpServer>(
      std::move(so), [impl = impl_.get()](IncomingRequest&& r, Responder respond) {
        impl->handle(std::move(r), respond);
      });
  // Validate every function before anything runs, so a bad stack file starts nothing.
  for (const auto& f : functions) {
    if (auto valid = FunctionPool::validate(f); !valid) return valid;
  }
  if (auto st = impl_->http->start(); !st) return st;
  impl_->ticker = std::make_unique<asio::steady_timer>(impl_->http->io_context());
  impl_->schedule_tick();
  for (const auto& f : functions) {
    bool existed = false;
    if (auto st = impl_->deploy(f, false, existed); !st) return st;
  }
  return Ok{};
}

std::uint16_t Gateway::port() const {
  return impl_->http ? impl_->http->port() : 0;
}

const Credentials& Gateway::credentials() const {
  return impl_->credentials;
}

EventLog& Gateway::events() {
  return impl_->events;
}

void Gateway::shutdown(Micros grace) {
  if (!impl_->http || impl_->stopped) return;
  impl_->stopped = true;
  impl_->http->stop_accepting();
  impl_->http->wait_idle(grace);
  std::vector<std::shared_ptr<FunctionPool>> pools;
  {
    MutexLock lock(impl_->mu);
    for (const auto& [_, p] : impl_->functions) pools.push_back(p);
    for (const auto& p : impl_->retired) pools.push_back(p);
  }
  for (const auto& p : pools) p->stop_all(503, "the gateway is shutting down");
  // Replicas drain and exit on SIGTERM; their exits are handled on the io_context, still running.
  const auto deadline = SteadyClock::now() + std::chrono::seconds(20);
  while (SteadyClock::now() < deadline) {
    bool all = true;
    for (const auto& p : pools) all = all && p->stopped();
    if (all) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (impl_->ticker)
    asio::post(impl_->http->io_context(), [t = impl_->ticker.get()] { t->cancel(); });
  impl_->http->shutdown(Micros(0));
  MutexLock lock(impl_->mu);
  impl_->functions.clear();
  impl_->retired.clear();
}

}  // namespace faaslab::runtime
