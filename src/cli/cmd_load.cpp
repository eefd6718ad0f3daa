// faaslab load: drive a function URL with a closed (users, think time) or open (arrival rate)
// workload; record every request; print and save the summary. Parsing only: the work is in
// src/load/.
#include <cmath>
#include <ctime>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "common/progress.h"
#include "common/units.h"
#include "load/jmx.h"
#include "load/load.h"

namespace faaslab::cli {
namespace {

struct LoadArgs {
  std::string url, video, image, images, body, format, content_type, method = "POST";
  std::vector<std::string> headers;
  std::uint32_t frames = 0;
  std::uint64_t users = 0;
  std::string ramp_up = "0s", think = "0s", think_dist = "constant", think_at = "before";
  std::uint64_t iterations = 0;
  bool once = false;
  std::string duration;
  double rate = -1;
  std::string arrival = "constant", stages, steps, trace;
  std::uint64_t max_outstanding = 10000;
  std::string timeout = "25s", max_response_size = "256MiB";
  std::uint64_t connections = 0;
  bool new_connection = false;
  int threads = 0;
  std::uint64_t seed = 1;
  std::string shard, start_at, labels = "payload";
  std::string records, jtl, summary, histogram, save_responses, output_video, emit_jmx;
  bool quiet = false;
};

int usage_error(const std::string& message) {
  std::cerr << "faaslab load: " << message << "\n";
  return 2;
}

// "1700000000.5" (seconds since the epoch) or "2025-03-01T12:00:00Z" / with ".250" fraction.
Result<std::int64_t> parse_start_at(const std::string& text) {
  try {
    std::size_t used = 0;
    const double s = std::stod(text, &used);
    if (used == text.size() && s > 0) return static_cast<std::int64_t>(std::llround(s * 1e6));
  } catch (const std::exception&) {
  }
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

int run_load_command(const LoadArgs& a) {
  load::LoadOptions o;
  auto url = parse_url(a.url);
  if (!url) return usage_error("--url: " + url.error());
  o.url = *url;
  o.method = a.method;
  for (const auto& h : a.headers) {
    const auto colon = h.find(':');
    if (colon == std::string::npos || colon == 0)
      return usage_error("--header '" + h + "': expected 'Name: value'");
    std::string value = h.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    o.headers.emplace_back(h.substr(0, colon), value);
  }

  // --- Payloads.
  load::PayloadSource source;
  int sources = 0;
  using Kind = load::PayloadSource::Kind;
  if (!a.video.empty()) ++sources, source.kind = Kind::kVideo, source.path = a.video;
  if (!a.image.empty()) ++sources, source.kind = Kind::kImage, source.path = a.image;
  if (!a.images.empty()) ++sources, source.kind = Kind::kImageFolder, source.path = a.images;
  if (!a.body.empty()) ++sources, source.kind = Kind::kBody, source.path = a.body;
  if (sources != 1) return usage_error("give exactly one of --video, --image, --images, --body");
  if (!a.format.empty()) {
    if (source.kind == Kind::kBody) return usage_error("--format does not apply to --body");
    auto f = load::wire_format_from_name(a.format);
    if (!f) return usage_error("--format: " + f.error());
    source.format = *f;
  }
  source.max_items = a.frames;
  source.content_type = a.content_type;

  // --- Workload.
  auto timeout = parse_duration(a.timeout);
  if (!timeout || timeout->count() <= 0)
    return usage_error("--timeout: must be a positive duration");
  o.timeout = *timeout;
  if (!a.duration.empty()) {
    auto d = parse_duration(a.duration);
    if (!d || d->count() <= 0) return usage_error("--duration: must be a positive duration");
    o.duration = *d;
  }
  const bool open = a.rate >= 0 || !a.stages.empty() || !a.steps.empty() || !a.trace.empty();
  if (open) {
    o.model = load::Model::kOpen;
    if (a.users || a.once || a.iterations || a.think != "0s" || a.ramp_up != "0s")
      return usage_error(
          "--users, --think, --ramp-up, --iterations and --once are for the closed "
          "model; --rate/--stages/--steps/--trace make an open one");
    if (!a.trace.empty() + (a.rate >= 0 || !a.stages.empty() || !a.steps.empty()) > 1 ||
        (!a.stages.empty() && !a.steps.empty()))
      return usage_error("give one of: --rate [with --stages], --steps, --trace");
    if (!a.trace.empty()) {
      auto t = load::load_trace(a.trace);
      if (!t) return usage_error("--trace: " + t.error());
      o.trace = std::move(*t);
    } else {
      o.rate.start_rps = std::max(0.0, a.rate);
      if (!a.stages.empty() || !a.steps.empty()) {
        auto s =
            a.stages.empty() ? load::parse_step_stages(a.steps) : load::parse_ramp_stages(a.stages);
        if (!s)
          return usage_error(std::string(a.stages.empty() ? "--steps: " : "--stages: ") +
                             s.error());
        o.rate.stages = std::move(*s);
      }
    }
    auto arrival = load::arrival_process_from_name(a.arrival);
    if (!arrival) return usage_error("--arrival: " + arrival.error());
    o.arrival = *arrival;
    o.max_outstanding = a.max_outstanding;
  } else {
    o.model = load::Model::kClosed;
    o.users = a.users ? a.users : 1;
    auto ramp = parse_duration(a.ramp_up);
    if (!ramp) return usage_error("--ramp-up: " + ramp.error());
    o.ramp_up = *ramp;
    auto think = parse_duration(a.think);
    if (!think) return usage_error("--think: " + think.error());
    o.think = *think;
    auto dist = load::think_distribution_from_name(a.think_dist);
    if (!dist) return usage_error("--think-dist: " + dist.error());
    o.think_distribution = *dist;
    o.think_at = a.think_at == "after" ? load::ThinkAt::kAfter : load::ThinkAt::kBefore;
    if (a.once && a.iterations) return usage_error("give --once or --iterations, not both");
    o.iterations = a.once ? 1 : a.iterations ? a.iterations : (o.duration.count() > 0 ? 0 : 1);
  }
  o.connections = a.connections;
  o.new_connection_per_request = a.new_connection;
  auto max_size = parse_byte_size(a.max_response_size);
  if (!max_size || *max_size == 0)
    return usage_error("--max-response-size: must be a size, e.g. 64MiB");
  o.max_response_bytes = *max_size;
  o.label_per_payload = a.labels == "payload";
  o.threads = a.threads;
  o.seed = a.seed;
  if (!a.shard.empty()) {
    auto s = parse_shard(a.shard);
    if (!s) return usage_error(s.error());
    o.shard_index = s->first;
    o.shard_count = s->second;
  }
  if (!a.start_at.empty()) {
    auto t = parse_start_at(a.start_at);
    if (!t) return usage_error(t.error());
    o.start_at_wall_us = *t;
  }
  o.records_path = a.records;
  o.jtl_path = a.jtl;
  o.save_responses_dir = a.save_responses;
  o.output_video_path = a.output_video;
  o.progress = !a.quiet && ProgressLine::stderr_is_terminal();

  auto payloads = load::load_payloads(source);
  if (!payloads) {
    std::cerr << "faaslab load: " << payloads.error() << "\n";
    return 1;
  }
  if (auto st = load::validate(o, *payloads); !st) return usage_error(st.error());

  if (!a.emit_jmx.empty()) {
    if (auto st = load::write_jmx(a.emit_jmx, o, *payloads); !st) {
      std::cerr << "faaslab load: " << st.error() << "\n";
      return st.error_code() == Errc::kInvalidArgument ? 2 : 1;
    }
    std::printf("JMeter plan for %s written to %s (bodies in %s.bodies/)\n",
                payloads->description.c_str(), a.emit_jmx.c_str(), a.emit_jmx.c_str());
    return 0;
  }

  if (!a.quiet) {
    std::fprintf(stderr, "faaslab load: %s -> %s, %s model\n", payloads->description.c_str(),
                 o.url.to_string().c_str(), open ? "open" : "closed");
  }
  auto result = load::run_load(o, *payloads);
  if (!result) {
    std::cerr << "faaslab load: " << result.error() << "\n";
    return 1;
  }
  load::print_summary_table(stdout, result->stats);
  if (result->stats.run_info.contains("responses"))
    std::printf("%s\n", result->stats.run_info["responses"].get<std::string>().c_str());
  int rc = 0;
  if (!a.summary.empty()) {
    if (auto st = load::write_json_file(a.summary, load::summary_json(result->stats)); !st) {
      std::cerr << "faaslab load: " << st.error() << "\n";
      rc = 1;
    }
  }
  if (!a.histogram.empty()) {
    if (auto st = load::write_json_file(a.histogram, load::stats_to_json(result->stats)); !st) {
      std::cerr << "faaslab load: " << st.error() << "\n";
      rc = 1;
    }
  }
  if (result->interrupted) {
    std::cerr << "faaslab load: interrupted; the outputs hold what was done\n";
    return 130;
  }
  return rc;
}

}  // namespace

void add_load_command(CLI::App& app, CommandRunner& run) {
  auto a = std::make_shared<LoadArgs>();
  auto* cmd = app.add_subcommand("load",
                                 "Load-test a function URL (closed or open model); "
                                 "see docs/load.md");
  auto* g = "Target";
  cmd->add_option("--url", a->url, "Function URL, http://host[:port]/path[?query]")
      ->required()
      ->group(g);
  cmd->add_option("--method", a->method, "HTTP method")->capture_default_str()->group(g);
  cmd->add_option("--header", a->headers, "Extra request header 'Name: value' (repeatable)")
      ->group(g);
  cmd->add_option("--timeout", a->timeout, "Per-request timeout, connecting included")
      ->capture_default_str()
      ->group(g);
  cmd->add_option("--connections", a->connections,
                  "Cap on connections, shared by users (default: one per user, closed; as "
                  "needed, open)")
      ->group(g);
  cmd->add_flag("--new-connection", a->new_connection,
                "A new connection for every request (Connection: close)")
      ->group(g);
  cmd->add_option("--max-response-size", a->max_response_size,
                  "Larger response bodies are failures")
      ->capture_default_str()
      ->group(g);

  g = "Payload (exactly one)";
  cmd->add_option("--video", a->video, "Send the frames of this video, in order")->group(g);
  cmd->add_option("--image", a->image, "Send this image")->group(g);
  cmd->add_option("--images", a->images, "Send the images of this folder, in name order")->group(g);
  cmd->add_option("--body", a->body, "Send this file as it is")->group(g);
  cmd->add_option("--format", a->format,
                  "Wire format: png (video default; as cv2.imwrite), jpeg, base64 (of the PNG, "
                  "no Content-Type: the study's), as-is (images default)")
      ->check(CLI::IsMember({"png", "jpeg", "base64", "as-is"}))
      ->group(g);
  cmd->add_option("--frames", a->frames, "Use only the first N frames or files")->group(g);
  cmd->add_option("--content-type", a->content_type,
                  "Content-Type for --body (default application/octet-stream)")
      ->group(g);

  g = "Closed model";
  cmd->add_option("--users,-u", a->users, "Concurrent users (default 1)")->group(g);
  cmd->add_option("--ramp-up", a->ramp_up, "Start the users evenly over this time")->group(g);
  cmd->add_option("--think", a->think, "Mean think time between a user's requests")->group(g);
  cmd->add_option("--think-dist", a->think_dist, "Think-time distribution")
      ->check(CLI::IsMember({"constant", "exponential", "uniform"}))
      ->capture_default_str()
      ->group(g);
  cmd->add_option("--think-at", a->think_at, "Think before each request (the study) or after")
      ->check(CLI::IsMember({"before", "after"}))
      ->capture_default_str()
      ->group(g);
  cmd->add_option("--iterations", a->iterations, "Passes over the payloads per user")->group(g);
  cmd->add_flag("--once", a->once, "One pass per user (the default without --duration)")->group(g);

  g = "Open model";
  cmd->add_option("--rate", a->rate, "Requests per second (start rate with --stages)")->group(g);
  cmd->add_option("--arrival", a->arrival, "Arrival process")
      ->check(CLI::IsMember({"constant", "poisson"}))
      ->capture_default_str()
      ->group(g);
  cmd->add_option("--stages", a->stages, "Ramped rate: DURATION:RATE,... e.g. 30s:100,1m:100")
      ->group(g);
  cmd->add_option("--steps", a->steps, "Stepped rate: DURATION:RATE,... e.g. 30s:50,30s:100")
      ->group(g);
  cmd->add_option("--trace", a->trace, "File of send times (seconds from start, one per line)")
      ->group(g);
  cmd->add_option("--max-outstanding", a->max_outstanding,
                  "Cap on requests in flight; arrivals over it are dropped")
      ->capture_default_str()
      ->group(g);

  g = "Run";
  cmd->add_option("--duration,-d", a->duration, "Stop issuing requests after this")->group(g);
  cmd->add_option("--threads,-t", a->threads, "Worker threads (default: one per core)")
      ->check(CLI::Range(1, 256))
      ->group(g);
  cmd->add_option("--seed", a->seed, "Seed for random think times and arrivals")
      ->capture_default_str()
      ->group(g);
  cmd->add_option("--shard", a->shard, "Run shard i of n: every n-th user, or 1/n of the arrivals")
      ->group(g);
  cmd->add_option("--start-at", a->start_at,
                  "Shared start: epoch seconds or 2025-03-01T12:00:00Z (for shards)")
      ->group(g);
  cmd->add_flag("--quiet,-q", a->quiet, "No progress line")->group(g);

  g = "Outputs";
  cmd->add_option("--records", a->records, "Per-request CSV (every field, µs)")->group(g);
  cmd->add_option("--jtl", a->jtl, "Per-request JTL (JMeter 5 CSV, ms)")->group(g);
  cmd->add_option("--summary", a->summary, "Summary JSON (ARCHITECTURE.md schema)")->group(g);
  cmd->add_option("--histogram", a->histogram, "Histograms for `faaslab merge`")->group(g);
  cmd->add_option("--labels", a->labels, "Per-payload labels, or one label for all")
      ->check(CLI::IsMember({"payload", "single"}))
      ->capture_default_str()
      ->group(g);
  cmd->add_option("--save-responses", a->save_responses, "Save every response body here")->group(g);
  cmd->add_option("--output-video", a->output_video,
                  "Rebuild the blurred video from the first user's responses (.avi/.mp4/.mkv)")
      ->group(g);
  cmd->add_option("--emit-jmx", a->emit_jmx,
                  "Write a JMeter plan for this workload instead of running it")
      ->group(g);
  cmd->callback([a, &run] { run = [a] { return run_load_command(*a); }; });
}

}  // namespace faaslab::cli
