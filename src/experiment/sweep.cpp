#include "experiment/sweep.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <cmath>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/clock.h"
#include "common/env.h"
#include "common/http_client.h"
#include "common/url.h"
#include "experiment/machine_info.h"
#include "experiment/results_db.h"
#include "experiment/summaries.h"
#include "load/load.h"
#include "runtime/gateway.h"
#include "runtime/stack.h"

namespace faaslab::experiment {
namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr auto kReadyTimeout = std::chrono::seconds(60);

// The part of a configuration key the grid varies ("users=2 mode=http"): what tells runs apart.
std::string varying_part(const Campaign& campaign, const std::string& key) {
  if (campaign.grid.empty()) return key;
  std::string out;
  std::size_t start = 0;
  while (start < key.size()) {
    std::size_t end = key.find(' ', start);
    if (end == std::string::npos) end = key.size();
    const std::string token = key.substr(start, end - start);
    const std::string axis = token.substr(0, token.find('='));
    for (const auto& [a, values] : campaign.grid) {
      if (a == axis) out += (out.empty() ? "" : " ") + token;
    }
    start = end + 1;
  }
  return out.empty() ? key : out;
}

void say(const SweepOptions& o, const std::string& line) {
  if (o.log)
    o.log(line);
  else
    std::fprintf(stderr, "%s\n", line.c_str());
}

// Payloads by (codec, frame size), made once per campaign.
class PayloadCache {
 public:
  explicit PayloadCache(const Campaign& c) : campaign_(c) {}
  Result<const load::PayloadSet*> get(const RunConfig& r) {
    const std::string key =
        r.codec + "@" + std::to_string(r.frame_width) + "x" + std::to_string(r.frame_height);
    if (auto it = cache_.find(key); it != cache_.end()) return &it->second;
    load::PayloadSource source;
    source.kind = load::PayloadSource::Kind::kVideo;
    source.path = campaign_.video;
    source.max_items = campaign_.frames;
    source.step = campaign_.frame_step;
    source.resize_width = r.frame_width;
    source.resize_height = r.frame_height;
    auto format = load::wire_format_from_name(r.codec);
    if (!format) return format.error_value();
    source.format = *format;
    auto set = load::load_payloads(source);
    if (!set) return make_error("workload.video: " + set.error());
    return &cache_.emplace(key, std::move(*set)).first->second;
  }

 private:
  const Campaign& campaign_;
  std::map<std::string, load::PayloadSet> cache_;
};

// Streams requests from the load generator's worker threads to the database, from one writer
// thread, in batches: the run is on disk as it goes.
class RequestWriter {
 public:
  RequestWriter(ResultsDb& db, std::int64_t run_id)
      : db_(db), run_id_(run_id), thread_([this] { loop(); }) {}
  ~RequestWriter() { finish(); }

  void push(RequestRow row) {
    std::lock_guard lock(mu_);
    buffer_.push_back(std::move(row));
  }

  // Stops the writer after writing everything; the first database error, if any.
  Status finish() {
    {
      std::lock_guard lock(mu_);
      if (stop_) return status_;
      stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    return status_;
  }

 private:
  void loop() {
    std::unique_lock lock(mu_);
    for (;;) {
      wake_.wait_for(lock, 250ms, [&] { return stop_; });
      std::vector<RequestRow> batch;
      batch.swap(buffer_);
      const bool last = stop_;
      lock.unlock();
      for (auto& r : batch) {
        if (auto st = db_.add_request(run_id_, std::move(r)); !st && status_) status_ = st;
      }
      if (auto st = db_.flush(); !st && status_) status_ = st;
      lock.lock();
      if (last && buffer_.empty()) return;
    }
  }

  ResultsDb& db_;
  std::int64_t run_id_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::vector<RequestRow> buffer_;  // guarded by mu_
  bool stop_ = false;               // guarded by mu_
  Status status_ = Ok{};
  std::thread thread_;
};

RequestRow to_row(const load::Record& r, const std::string& label, std::int64_t anchor_wall_us) {
  RequestRow row;
  row.user = r.user;
  row.sequence = r.sequence;
  row.payload = r.payload;
  row.iteration = r.iteration;
  row.label = label;
  row.intended_us = r.intended_us;
  row.start_us = r.start_us;
  row.first_byte_us = r.first_byte_us;
  row.end_us = r.end_us;
  row.intended_wall_us = anchor_wall_us + r.intended_us;
  row.start_wall_us = anchor_wall_us + r.start_us;
  row.end_wall_us = anchor_wall_us + r.end_us;
  if (r.sent()) row.latency_us = r.latency_us();
  row.service_us = r.service_us();
  row.connect_us = r.connect_us;
  row.status = r.status;
  row.outcome = std::string(load::outcome_name(r.outcome));
  row.bytes_sent = r.bytes_sent;
  row.bytes_received = r.bytes_received;
  if (!std::isnan(r.ml_s)) row.ml_s = r.ml_s;
  if (!std::isnan(r.handler_s)) row.handler_s = r.handler_s;
  row.replica = r.replica;
  row.cold_start = r.cold_start();
  if (r.cold_start()) row.cold_start_s = r.cold_start_s;
  row.error = r.error;
  return row;
}

RunColumns columns_for(const Campaign& c, const PlannedRun& p, const load::PayloadSet& payloads) {
  RunColumns col;
  const RunConfig& r = p.config;
  col.config_key = r.key();
  col.repetition = p.repetition;
  col.ordinal = p.ordinal;
  col.config_json = r.to_json();
  col.config_json["repetition"] = p.repetition;
  col.config_json["seed"] = p.seed;
  col.config_json["timeout_s"] = to_seconds(c.timeout);
  col.config_json["iterations"] = c.iterations;
  col.config_json["duration_s"] = to_seconds(c.duration);
  col.config_json["payload"] = payloads.description;
  col.config_json["target"] =
      c.target.external()
          ? json{{"url", c.target.url}}
          : json{{"stack", c.target.stack_file}, {"function", c.target.functions.at(r.mode)}};
  if (r.rate > 0) {
    col.rate = r.rate;
  } else {
    col.users = static_cast<std::int64_t>(r.users);
    col.think_s = to_seconds(r.think);
  }
  col.think_dist = r.think_dist;
  col.replicas = r.replicas;
  col.mode = r.mode;
  col.routing = r.routing;
  col.max_inflight = r.max_inflight;
  col.workers = r.workers;
  col.codec = r.codec;
  col.frame_width = r.frame_width > 0 ? r.frame_width : payloads.width;
  col.frame_height = r.frame_height > 0 ? r.frame_height : payloads.height;
  col.timeout_s = to_seconds(c.timeout);
  col.cores = available_cores();
  col.target = c.target.external() ? "external" : "embedded";
  col.seed = p.seed;
  col.warmup_requests = c.warmup_requests;
  return col;
}

// The function of the stack for this run, set to the run's configuration.
Result<runtime::FunctionSpec> function_for(const runtime::StackFile& stack, const Campaign& c,
                                           const RunConfig& r) {
  const std::string& name = c.target.functions.at(r.mode);
  for (auto f : stack.functions) {
    if (f.name != name) continue;
    f.labels["com.openfaas.scale.min"] = std::to_string(r.replicas);
    f.labels["com.openfaas.scale.max"] = std::to_string(r.replicas);
    f.labels["com.faaslab.routing"] = r.routing;
    f.labels.erase("com.openfaas.scale.type");  // the grid fixes the replicas
    f.labels.erase("com.openfaas.scale.zero");
    f.environment["max_inflight"] = std::to_string(r.max_inflight);
    if (r.workers > 0) f.environment["workers"] = std::to_string(r.workers);
    f.environment["log_level"] = "warn";
    return f;
  }
  return make_error("target.functions: the stack file has no function '" + name + "'");
}

HeaderList auth_header(const Target& t) {
  if (t.password.empty()) return {};
  const std::string s = t.user + ":" + t.password;
  return {{"Authorization",
           "Basic " + base64_encode({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()})}};
}

// Waits until the function reports `replicas` available replicas.
Status wait_replicas(const Url& gateway, const std::string& function, int replicas,
                     const HeaderList& auth) {
  const auto deadline = SteadyClock::now() + kReadyTimeout;
  std::string last;
  while (SteadyClock::now() < deadline) {
    HttpRequest req;
    req.target = "/system/function/" + function;
    req.headers = auth;
    auto r = http_request(gateway.host, gateway.port, req, 5s);
    if (r && r->status == 200) {
      try {
        const auto j = json::parse(r->body);
        if (j.value("availableReplicas", 0) == replicas && j.value("replicas", 0) == replicas)
          return Ok{};
        if (j.contains("faaslab") && j["faaslab"].contains("unhealthy")) {
          return make_error(
              "function " + function + ": " + j["faaslab"]["unhealthy"].get<std::string>(),
              Errc::kUnavailable);
        }
        last = "available " + std::to_string(j.value("availableReplicas", 0)) + " of " +
               std::to_string(replicas);
      } catch (const json::exception&) {
        last = "unreadable status";
      }
    } else {
      last = r ? "status " + std::to_string(r->status) : r.error();
    }
    std::this_thread::sleep_for(20ms);
  }
  return make_error("function " + function + " did not reach " + std::to_string(replicas) +
                        " ready replicas in " +
                        format_duration(std::chrono::duration_cast<Micros>(kReadyTimeout)) + " (" +
                        last + ")",
                    Errc::kUnavailable);
}

Status scale_external(const Target& t, const std::string& function, int replicas) {
  auto gateway = parse_url(t.gateway);
  if (!gateway) return make_error("target.gateway: " + gateway.error());
  HttpRequest req;
  req.method = "POST";
  req.target = "/system/scale-function/" + function;
  req.headers = auth_header(t);
  req.body = json{{"serviceName", function}, {"replicas", replicas}}.dump();
  auto r = http_request(gateway->host, gateway->port, req, 10s);
  if (!r)
    return make_error("scaling " + function + " on " + t.gateway + ": " + r.error(),
                      Errc::kUnavailable);
  if (r->status != 200 && r->status != 202) {
    return make_error("scaling " + function + " on " + t.gateway + ": status " +
                          std::to_string(r->status) + " " + r->body,
                      Errc::kUnavailable);
  }
  return wait_replicas(*gateway, function, replicas, auth_header(t));
}

load::LoadOptions load_options(const Campaign& c, const PlannedRun& p, const Url& url) {
  load::LoadOptions o;
  const RunConfig& r = p.config;
  o.url = url;
  o.timeout = c.timeout;
  o.seed = p.seed;
  o.duration = c.duration;
  if (r.rate > 0) {
    o.model = load::Model::kOpen;
    o.rate.start_rps = r.rate;
    o.arrival =
        r.arrival == "constant" ? load::ArrivalProcess::kConstant : load::ArrivalProcess::kPoisson;
  } else {
    o.model = load::Model::kClosed;
    o.users = r.users;
    o.think = r.think;
    o.think_distribution = *load::think_distribution_from_name(r.think_dist);
    o.ramp_up = r.ramp_up;
    o.iterations = c.iterations;
  }
  return o;
}

}  // namespace

Result<SweepResult> run_sweep(const Campaign& campaign, const SweepOptions& options) {
  SweepResult result;
  auto db = ResultsDb::open(options.db_path);
  if (!db) return db.error_value();
  auto& store = **db;

  // The campaign row: a new one, or the latest of the same name when resuming.
  std::optional<std::int64_t> campaign_id;
  if (options.resume) {
    auto latest = store.latest_campaign(campaign.name);
    if (!latest) return latest.error_value();
    campaign_id = *latest;
    if (!campaign_id)
      say(options, "resume: no earlier campaign named '" + campaign.name + "'; starting a new one");
  }
  if (campaign_id) {
    if (auto st = store.delete_incomplete_runs(*campaign_id); !st) return st.error_value();
    if (auto st = store.set_campaign_status(*campaign_id, "running"); !st) return st.error_value();
  } else {
    auto id = store.create_campaign(campaign.name, campaign.file, campaign_to_json(campaign),
                                    machine_info(), version_info());
    if (!id) return id.error_value();
    campaign_id = *id;
  }
  result.campaign_id = *campaign_id;
  auto done = store.complete_runs(*campaign_id);
  if (!done) return done.error_value();

  const auto plan = expand(campaign);
  result.planned = static_cast<int>(plan.size());
  std::optional<runtime::StackFile> stack;
  if (!campaign.target.external()) {
    auto s = runtime::load_stack(campaign.target.stack_file, current_environment());
    if (!s) return make_error("target.stack: " + s.error());
    stack = std::move(*s);
  } else {
    // The target must answer before anything is recorded.
    auto url = parse_url(campaign.target.url);
    if (!url) return make_error("target.url: " + url.error());
    HttpRequest probe;
    probe.method = "GET";
    probe.target = "/";
    if (auto r = http_request(url->host, url->port, probe, 5s); !r) {
      (void)store.set_campaign_status(*campaign_id, "failed");
      return make_error("target.url " + campaign.target.url + " is unreachable: " + r.error(),
                        Errc::kUnavailable);
    }
  }
  PayloadCache payloads(campaign);

  auto fail_campaign = [&](const Error& e) -> Error {
    (void)store.set_campaign_status(*campaign_id, "failed");
    return e;
  };

  for (const auto& p : plan) {
    const std::string key = p.config.key();
    if (done->count({key, p.repetition})) {
      ++result.skipped;
      continue;
    }
    auto set = payloads.get(p.config);
    if (!set) return fail_campaign(set.error_value());
    say(options,
        "run " + std::to_string(p.ordinal + 1) + "/" + std::to_string(plan.size()) + ": " +
            varying_part(campaign, key) +
            (campaign.repetitions > 1 ? " (repetition " + std::to_string(p.repetition + 1) + ")"
                                      : ""));

    // The target, set to this run's configuration.
    std::unique_ptr<runtime::Gateway> gateway;
    Url url;
    std::string function;
    if (campaign.target.external()) {
      url = *parse_url(campaign.target.url);
      const auto path = url.target.substr(0, url.target.find('?'));
      function = path.rfind("/function/", 0) == 0 ? path.substr(10, path.find('/', 10) - 10) : "";
      if (!campaign.target.gateway.empty() && !function.empty()) {
        if (auto st = scale_external(campaign.target, function, p.config.replicas); !st)
          return fail_campaign(st.error_value());
      }
    } else {
      auto spec = function_for(*stack, campaign, p.config);
      if (!spec) return fail_campaign(spec.error_value());
      function = spec->name;
      runtime::GatewayOptions go;
      go.port = 0;
      go.auth = false;
      go.pool.watchdog_path = (fs::path(options.bin_dir) / "faaslab-watchdog").string();
      go.pool.bin_dir = options.bin_dir;
      go.pool.state_dir =
          (fs::path(temp_dir()) / ("faaslab-sweep-" + std::to_string(::getpid()))).string();
      go.pool.upstream_timeout = campaign.timeout + 5s;
      gateway = std::make_unique<runtime::Gateway>(go);
      if (auto st = gateway->start({*spec}); !st)
        return fail_campaign(make_error("starting the runtime: " + st.error(), Errc::kUnavailable));
      url.host = "127.0.0.1";
      url.port = gateway->port();
      url.target = "/function/" + function;
      if (auto st = wait_replicas(url, function, p.config.replicas, {}); !st)
        return fail_campaign(st.error_value());
    }

    auto run_id = store.begin_run(*campaign_id, columns_for(campaign, p, **set));
    if (!run_id) return fail_campaign(run_id.error_value());

    auto lo = load_options(campaign, p, url);
    const std::int64_t anchor = wall_us() + 200'000;
    lo.start_at_wall_us = anchor;
    lo.progress = options.progress;
    RequestWriter writer(store, *run_id);
    std::atomic<bool> first_cold{false};
    std::atomic<std::int64_t> first_intended{INT64_MAX};
    std::mutex first_mu;
    const auto* payload_set = *set;
    lo.on_response = [&](const load::Record& r, const std::string&) {
      const auto& label = r.payload < payload_set->items.size()
                              ? payload_set->items[r.payload].label
                              : std::string("request");
      {
        std::lock_guard lock(first_mu);
        if (r.intended_us < first_intended) {
          first_intended = r.intended_us;
          first_cold = r.cold_start();
        }
      }
      writer.push(to_row(r, label, anchor));
    };
    auto loaded = load::run_load(lo, **set);
    auto written = writer.finish();
    std::string status = "complete", error;
    if (!loaded) {
      status = "failed";
      error = loaded.error();
    } else if (loaded->interrupted) {
      status = "failed";
      error = "interrupted";
    }
    if (!written) return fail_campaign(written.error_value());

    // Replica events of this run.
    if (gateway) {
      std::vector<EventRow> rows;
      // Every event of this run's runtime, its start-up included (deploy, start, ready).
      for (const auto& e : gateway->events().since(0)) {
        EventRow row;
        row.seq = e.seq;
        row.wall_us = e.wall_us;
        row.mono_us = e.mono_us;
        row.function = e.function;
        row.replica = e.replica;
        row.kind = e.kind;
        row.detail = e.detail;
        if (e.seconds >= 0) row.seconds = e.seconds;
        if (e.from >= 0) row.from_replicas = e.from;
        if (e.to >= 0) row.to_replicas = e.to;
        rows.push_back(std::move(row));
      }
      gateway->shutdown(10s);
      gateway.reset();
      if (auto st = store.add_events(*run_id, rows); !st) return fail_campaign(st.error_value());
    }
    if (campaign.warmup_requests > 0) {
      if (auto st = store.mark_warmup(*run_id, campaign.warmup_requests); !st)
        return fail_campaign(st.error_value());
    }
    if (status == "complete") {
      auto rows = store.requests(*run_id);
      if (!rows) return fail_campaign(rows.error_value());
      for (const auto& s : summarise_run(*rows)) {
        if (auto st = store.put_run_summary(*run_id, s); !st)
          return fail_campaign(st.error_value());
      }
    }
    if (auto st = store.finish_run(*run_id, status, error, first_cold); !st)
      return fail_campaign(st.error_value());
    if (status != "complete") {
      ++result.failed;
      if (loaded && loaded->interrupted) {
        result.interrupted = true;
        (void)store.set_campaign_status(*campaign_id, "interrupted");
        return result;
      }
      say(options, "  failed: " + error);
    } else {
      ++result.completed;
      if (auto st = update_config_summaries(store, *campaign_id, key); !st)
        return fail_campaign(st.error_value());
      const auto summary = store.run_summaries(*run_id);
      if (summary && !summary->empty()) {
        const auto& s = summary->front();
        char line[200];
        std::snprintf(line, sizeof line,
                      "  %llu requests, success %.1f%%, %.2f req/s, mean %.3f s, p95 %.3f s",
                      static_cast<unsigned long long>(s.count), s.success_rate * 100,
                      s.throughput_rps, s.mean_s, s.p95_s);
        say(options, line);
      }
    }
    if (campaign.cooldown.count() > 0) std::this_thread::sleep_for(campaign.cooldown);
  }
  if (auto st = store.set_campaign_status(*campaign_id, result.failed ? "failed" : "complete"); !st)
    return st.error_value();
  return result;
}

}  // namespace faaslab::experiment
