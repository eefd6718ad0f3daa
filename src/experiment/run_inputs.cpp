#include "experiment/run_inputs.h"

#include <nlohmann/json.hpp>

#include "common/env.h"

namespace faaslab::experiment {

using nlohmann::json;

Result<const load::PayloadSet*> PayloadCache::get(const RunConfig& r) {
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

load::LoadOptions load_options_for(const Campaign& c, const PlannedRun& p, const Url& url) {
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

namespace {

// What the runs table's config_json holds: the configuration and the campaign's settings
// that apply to the run.
json config_json_for(const Campaign& c, const PlannedRun& p, const load::PayloadSet& payloads) {
  const RunConfig& r = p.config;
  json j = r.to_json();
  j["repetition"] = p.repetition;
  j["seed"] = p.seed;
  j["timeout_s"] = to_seconds(c.timeout);
  j["iterations"] = c.iterations;
  j["duration_s"] = to_seconds(c.duration);
  j["payload"] = payloads.description;
  j["target"] = c.target.external() ? json{{"url", c.target.url}}
                                    : json{{"stack", c.target.stack_file},
                                           {"function", c.target.functions.at(r.mode)}};
  return j;
}

}  // namespace

RunColumns run_columns_for(const Campaign& c, const PlannedRun& p,
                           const load::PayloadSet& payloads) {
  const RunConfig& r = p.config;
  const bool open = r.rate > 0;  // else closed: users and think time
  return RunColumns{
      .config_key = r.key(),
      .repetition = p.repetition,
      .ordinal = p.ordinal,
      .config_json = config_json_for(c, p, payloads),
      .users =
          open ? std::nullopt : std::optional<std::int64_t>(static_cast<std::int64_t>(r.users)),
      .think_s = open ? std::nullopt : std::optional<double>(to_seconds(r.think)),
      .think_dist = r.think_dist,
      .rate = open ? std::optional<double>(r.rate) : std::nullopt,
      .replicas = r.replicas,
      .mode = r.mode,
      .routing = r.routing,
      .max_inflight = r.max_inflight,
      .workers = r.workers,
      .codec = r.codec,
      .frame_width = r.frame_width > 0 ? r.frame_width : payloads.width,
      .frame_height = r.frame_height > 0 ? r.frame_height : payloads.height,
      .timeout_s = to_seconds(c.timeout),
      .cores = available_cores(),
      .target = c.target.external() ? "external" : "embedded",
      .seed = p.seed,
      .warmup_requests = c.warmup_requests,
      .topology = r.topology,
      .placement = r.placement,
      .offload_threshold = r.offload_threshold,
      .cloud_delay_s = r.cloud_delay.count() >= 0 ? std::optional<double>(to_seconds(r.cloud_delay))
                                                  : std::nullopt,
      .cloud_bandwidth_bps =
          r.cloud_bandwidth_bps >= 0 ? std::optional<double>(r.cloud_bandwidth_bps) : std::nullopt};
}

}  // namespace faaslab::experiment
