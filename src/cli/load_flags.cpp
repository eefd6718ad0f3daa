#include "cli/load_flags.h"

#include <cmath>
#include <ctime>

#include "common/number.h"
#include "common/units.h"

namespace faaslab::cli {
namespace {

// "1700000000.5" (seconds since the epoch) or "2025-03-01T12:00:00Z" / with ".250" fraction.
Result<std::int64_t> parse_start_at(const std::string& text) {
  if (auto s = parse_double(text); s && *s > 0)
    return static_cast<std::int64_t>(std::llround(*s * 1e6));
  std::tm tm{};
  double fraction = 0;
  const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest && *rest == '.') {
    char* end = nullptr;
    fraction = std::strtod(rest, &end);
    rest = end;
  }
  if (!rest || std::string(rest) != "Z")
    return make_error("--start-at '" + text +
                      "': give seconds since the epoch or UTC time as 2025-03-01T12:00:00Z");
  return static_cast<std::int64_t>(timegm(&tm)) * 1'000'000 +
         static_cast<std::int64_t>(std::llround(fraction * 1e6));
}

Result<std::pair<std::uint64_t, std::uint64_t>> parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  try {
    if (slash != std::string::npos) {
      std::size_t a = 0, b = 0;
      const auto i = std::stoull(text.substr(0, slash), &a);
      const auto n = std::stoull(text.substr(slash + 1), &b);
      if (a == slash && b == text.size() - slash - 1 && n > 0 && i < n)
        return std::pair<std::uint64_t, std::uint64_t>{i, n};
    }
  } catch (const std::exception&) {
  }
  return make_error("--shard '" + text + "': expected i/n with 0 <= i < n, e.g. 0/4");
}

Result<std::vector<std::pair<std::string, std::string>>> parse_headers(
    const std::vector<std::string>& headers) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& h : headers) {
    const auto colon = h.find(':');
    if (colon == std::string::npos || colon == 0)
      return make_error("--header '" + h + "': expected 'Name: value'");
    std::string value = h.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    out.emplace_back(h.substr(0, colon), value);
  }
  return out;
}

// --rate (with --stages), --steps, or --trace, and the arrival process.
Status set_open_model(const LoadFlags& f, load::LoadOptions& o) {
  o.model = load::Model::kOpen;
  if (f.users || f.once || f.iterations || f.think != "0s" || f.ramp_up != "0s")
    return make_error(
        "--users, --think, --ramp-up, --iterations and --once are for the closed "
        "model; --rate/--stages/--steps/--trace make an open one");
  if (!f.trace.empty() + (f.rate >= 0 || !f.stages.empty() || !f.steps.empty()) > 1 ||
      (!f.stages.empty() && !f.steps.empty()))
    return make_error("give one of: --rate [with --stages], --steps, --trace");
  if (f.trace.empty()) {
    o.rate.start_rps = std::max(0.0, f.rate);
    if (!f.stages.empty() || !f.steps.empty()) {
      auto s =
          f.stages.empty() ? load::parse_step_stages(f.steps) : load::parse_ramp_stages(f.stages);
      if (!s)
        return make_error(std::string(f.stages.empty() ? "--steps: " : "--stages: ") + s.error());
      o.rate.stages = std::move(*s);
    }
  }
  auto arrival = load::arrival_process_from_name(f.arrival);
  if (!arrival) return make_error("--arrival: " + arrival.error());
  o.arrival = *arrival;
  o.max_outstanding = f.max_outstanding;
  return Ok{};
}

// Users, ramp-up, think time and passes over the payloads.
Status set_closed_model(const LoadFlags& f, load::LoadOptions& o) {
  o.model = load::Model::kClosed;
  o.users = f.users ? f.users : 1;
  auto ramp = parse_duration(f.ramp_up);
  if (!ramp) return make_error("--ramp-up: " + ramp.error());
  o.ramp_up = *ramp;
  auto think = parse_duration(f.think);
  if (!think) return make_error("--think: " + think.error());
  o.think = *think;
  auto dist = load::think_distribution_from_name(f.think_dist);
  if (!dist) return make_error("--think-dist: " + dist.error());
  o.think_distribution = *dist;
  o.think_at = f.think_at == "after" ? load::ThinkAt::kAfter : load::ThinkAt::kBefore;
  if (f.once && f.iterations) return make_error("give --once or --iterations, not both");
  o.iterations = f.once ? 1 : f.iterations ? f.iterations : (o.duration.count() > 0 ? 0 : 1);
  return Ok{};
}

// Connections, response limit, labels, engine, sharding and output files.
Status set_run(const LoadFlags& f, load::LoadOptions& o) {
  o.connections = f.connections;
  o.new_connection_per_request = f.new_connection;
  auto max_size = parse_byte_size(f.max_response_size);
  if (!max_size || *max_size == 0)
    return make_error("--max-response-size: must be a size, e.g. 64MiB");
  o.max_response_bytes = *max_size;
  o.label_per_payload = f.labels == "payload";
  o.threads = f.threads;
  o.seed = f.seed;
  if (!f.shard.empty()) {
    auto s = parse_shard(f.shard);
    if (!s) return s.error_value();
    o.shard_index = s->first;
    o.shard_count = s->second;
  }
  if (!f.start_at.empty()) {
    auto t = parse_start_at(f.start_at);
    if (!t) return t.error_value();
    o.start_at_wall_us = *t;
  }
  o.records_path = f.records;
  o.jtl_path = f.jtl;
  o.save_responses_dir = f.save_responses;
  o.output_video_path = f.output_video;
  return Ok{};
}

}  // namespace

Result<load::LoadOptions> load_options_from_flags(const LoadFlags& f) {
  load::LoadOptions o;
  auto url = parse_url(f.url);
  if (!url) return make_error("--url: " + url.error());
  o.url = *url;
  o.method = f.method;
  auto headers = parse_headers(f.headers);
  if (!headers) return headers.error_value();
  o.headers = std::move(*headers);
  auto timeout = parse_duration(f.timeout);
  if (!timeout || timeout->count() <= 0)
    return make_error("--timeout: must be a positive duration");
  o.timeout = *timeout;
  if (!f.duration.empty()) {
    auto d = parse_duration(f.duration);
    if (!d || d->count() <= 0) return make_error("--duration: must be a positive duration");
    o.duration = *d;
  }
  if (auto st = f.open() ? set_open_model(f, o) : set_closed_model(f, o); !st)
    return st.error_value();
  if (auto st = set_run(f, o); !st) return st.error_value();
  return o;
}

Result<load::PayloadSource> payload_source_from_flags(const LoadFlags& f) {
  load::PayloadSource source;
  int sources = 0;
  using Kind = load::PayloadSource::Kind;
  if (!f.video.empty()) ++sources, source.kind = Kind::kVideo, source.path = f.video;
  if (!f.image.empty()) ++sources, source.kind = Kind::kImage, source.path = f.image;
  if (!f.images.empty()) ++sources, source.kind = Kind::kImageFolder, source.path = f.images;
  if (!f.body.empty()) ++sources, source.kind = Kind::kBody, source.path = f.body;
  if (sources != 1) return make_error("give exactly one of --video, --image, --images, --body");
  if (!f.format.empty()) {
    if (source.kind == Kind::kBody) return make_error("--format does not apply to --body");
    auto format = load::wire_format_from_name(f.format);
    if (!format) return make_error("--format: " + format.error());
    source.format = *format;
  }
  source.max_items = f.frames;
  source.content_type = f.content_type;
  return source;
}

}  // namespace faaslab::cli
