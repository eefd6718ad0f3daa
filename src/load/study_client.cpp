#include "load/study_client.h"

#include <cmath>
#include <mutex>
#include <vector>

#include "load/http_connection.h"
#include "load/load.h"
#include "load/response_outputs.h"

namespace faaslab::load {
namespace {

struct FrameResult {
  double round_trip = NAN, ml = NAN, total = NAN;
  std::string error;
};

void print_list(std::FILE* out, const char* name, const std::vector<FrameResult>& frames,
                double FrameResult::*field) {
  std::fprintf(out, "%s = [", name);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const double v = frames[i].*field;
    if (std::isnan(v))
      std::fprintf(out, "%sNone", i ? ", " : "");
    else
      std::fprintf(out, "%s%.6f", i ? ", " : "", v);
  }
  std::fprintf(out, "]\n");
}

}  // namespace

Result<std::uint64_t> run_study_client(const StudyClientOptions& c, std::FILE* out) {
  auto url = parse_url(c.url);
  if (!url) return make_error("--url: " + url.error());
  PayloadSource source;
  source.kind = PayloadSource::Kind::kVideo;
  source.path = c.video;
  source.format = WireFormat::kBase64;
  source.max_items = c.max_frames;
  auto payloads = load_payloads(source);
  if (!payloads) return payloads.error_value();

  LoadOptions o;
  o.url = *url;
  o.model = Model::kClosed;
  o.users = 1;
  o.iterations = 1;
  o.think = c.sleep;
  o.think_at = ThinkAt::kBefore;
  o.timeout = c.timeout;
  o.threads = 1;
  o.keep_bodies = true;
  std::vector<FrameResult> frames(payloads->items.size());
  const std::size_t total = frames.size();
  std::mutex mu;
  o.on_response = [&](const Record& r, const std::string& body) {
    std::lock_guard lock(mu);
    FrameResult& f = frames[r.payload];
    f.round_trip = static_cast<double>(r.service_us()) / 1e6;
    double ml = r.ml_s, handler = r.handler_s;
    parse_timings_from_body(body, ml, handler);
    f.ml = ml;
    f.total = handler;
    if (!r.ok()) {
      f.error = r.error;
    } else if (body.find("img") != std::string::npos && !image_from_response(body)) {
      f.error = "response has no decodable 'img'";  // where the study's client crashed
    }
    if (f.error.empty()) {
      std::fprintf(out, "frame %u/%zu: round trip %.6f s, ML %.6f s, total %.6f s\n", r.payload + 1,
                   total, f.round_trip, f.ml, f.total);
    } else {
      std::fprintf(out, "frame %u/%zu: FAILED after %.6f s: %s\n", r.payload + 1, total,
                   f.round_trip, f.error.c_str());
    }
    std::fflush(out);
  };
  auto result = run_load(o, *payloads);
  if (!result) return result.error_value();
  std::uint64_t failed = 0;
  for (const auto& f : frames)
    if (!f.error.empty() || std::isnan(f.round_trip)) ++failed;
  print_list(out, "round_trip_times", frames, &FrameResult::round_trip);
  print_list(out, "ml_times", frames, &FrameResult::ml);
  print_list(out, "total_times", frames, &FrameResult::total);
  std::fprintf(out, "%zu frames, %llu failed\n", frames.size(),
               static_cast<unsigned long long>(failed));
  return failed;
}

}  // namespace faaslab::load
