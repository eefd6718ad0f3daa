// `faaslab load`'s flags to LoadOptions and the payload source, without a process: every
// option the flags set, the closed and open models, and an error naming the flag for each
// bad value or contradiction.
#include "cli/load_flags.h"

#include <gtest/gtest.h>

namespace faaslab::cli {
namespace {

using namespace std::chrono_literals;

LoadFlags flags() {
  LoadFlags f;
  f.url = "http://127.0.0.1:8080/function/slblur";
  f.video = "frames.mp4";
  return f;
}

// The error of the flags, "" when they are accepted.
std::string error_of(const LoadFlags& f) {
  auto o = load_options_from_flags(f);
  return o ? "" : o.error();
}

TEST(LoadFlags, DefaultsAreOneUserOnePass) {
  auto o = load_options_from_flags(flags());
  ASSERT_TRUE(o) << o.error();
  EXPECT_EQ(o->url.host, "127.0.0.1");
  EXPECT_EQ(o->url.port, 8080);
  EXPECT_EQ(o->url.target, "/function/slblur");
  EXPECT_EQ(o->method, "POST");
  EXPECT_EQ(o->model, load::Model::kClosed);
  EXPECT_EQ(o->users, 1u);
  EXPECT_EQ(o->iterations, 1u);
  EXPECT_EQ(o->think, 0us);
  EXPECT_EQ(o->timeout, 25s);
  EXPECT_EQ(o->max_response_bytes, 256u << 20);
  EXPECT_TRUE(o->label_per_payload);
  EXPECT_EQ(o->shard_count, 1u);
  EXPECT_FALSE(o->start_at_wall_us);
  EXPECT_FALSE(o->progress);  // the caller's: whether stderr is a terminal
}

TEST(LoadFlags, ClosedModel) {
  auto f = flags();
  f.users = 10;
  f.ramp_up = "10s";
  f.think = "1s";
  f.think_dist = "exponential";
  f.think_at = "after";
  f.duration = "1m";
  f.headers = {"X-Test:  yes", "Authorization: Basic abc"};
  f.connections = 4;
  f.new_connection = true;
  f.labels = "single";
  f.threads = 2;
  f.seed = 7;
  f.shard = "1/4";
  f.start_at = "2025-03-01T12:00:00.25Z";
  f.records = "r.csv";
  f.jtl = "r.jtl";
  f.save_responses = "out";
  f.output_video = "out.avi";
  f.max_response_size = "64MiB";
  auto o = load_options_from_flags(f);
  ASSERT_TRUE(o) << o.error();
  EXPECT_EQ(o->users, 10u);
  EXPECT_EQ(o->ramp_up, 10s);
  EXPECT_EQ(o->think, 1s);
  EXPECT_EQ(o->think_distribution, load::ThinkDistribution::kExponential);
  EXPECT_EQ(o->think_at, load::ThinkAt::kAfter);
  EXPECT_EQ(o->duration, 60s);
  EXPECT_EQ(o->iterations, 0u);  // with a duration: until it is over
  ASSERT_EQ(o->headers.size(), 2u);
  EXPECT_EQ(o->headers[0], (std::pair<std::string, std::string>{"X-Test", "yes"}));
  EXPECT_EQ(o->headers[1].first, "Authorization");
  EXPECT_EQ(o->connections, 4u);
  EXPECT_TRUE(o->new_connection_per_request);
  EXPECT_FALSE(o->label_per_payload);
  EXPECT_EQ(o->threads, 2);
  EXPECT_EQ(o->seed, 7u);
  EXPECT_EQ(o->shard_index, 1u);
  EXPECT_EQ(o->shard_count, 4u);
  EXPECT_EQ(o->start_at_wall_us, 1'740'830'400'250'000);
  EXPECT_EQ(o->records_path, "r.csv");
  EXPECT_EQ(o->jtl_path, "r.jtl");
  EXPECT_EQ(o->save_responses_dir, "out");
  EXPECT_EQ(o->output_video_path, "out.avi");
  EXPECT_EQ(o->max_response_bytes, 64u << 20);

  f.once = true;
  f.iterations = 0;
  EXPECT_EQ(load_options_from_flags(f)->iterations, 1u);
  f.start_at = "1700000000.5";
  EXPECT_EQ(load_options_from_flags(f)->start_at_wall_us, 1'700'000'000'500'000);
}

TEST(LoadFlags, OpenModels) {
  auto f = flags();
  f.rate = 30;
  f.arrival = "poisson";
  f.duration = "1m";
  f.max_outstanding = 50;
  auto o = load_options_from_flags(f);
  ASSERT_TRUE(o) << o.error();
  EXPECT_EQ(o->model, load::Model::kOpen);
  EXPECT_EQ(o->rate.start_rps, 30.0);
  EXPECT_TRUE(o->rate.stages.empty());
  EXPECT_EQ(o->arrival, load::ArrivalProcess::kPoisson);
  EXPECT_EQ(o->max_outstanding, 50u);

  f.stages = "30s:100,1m:100";
  o = load_options_from_flags(f);
  ASSERT_TRUE(o) << o.error();
  ASSERT_EQ(o->rate.stages.size(), 2u);
  EXPECT_EQ(o->rate.stages[0].duration, 30s);

  f = flags();
  f.steps = "30s:50,30s:100";
  o = load_options_from_flags(f);
  ASSERT_TRUE(o) << o.error();
  EXPECT_EQ(o->model, load::Model::kOpen);
  EXPECT_EQ(o->rate.start_rps, 0.0);
  EXPECT_EQ(o->rate.stages.size(), 4u);  // each step: a jump, then a hold

  f = flags();
  f.trace = "/no/such/trace";  // read by the caller, not here
  o = load_options_from_flags(f);
  ASSERT_TRUE(o) << o.error();
  EXPECT_EQ(o->model, load::Model::kOpen);
  EXPECT_TRUE(o->trace.empty());
}

TEST(LoadFlags, ErrorsNameTheFlag) {
  const std::vector<std::pair<std::function<void(LoadFlags&)>, std::string>> cases = {
      {[](LoadFlags& f) { f.url = "ftp://x/"; }, "--url: "},
      {[](LoadFlags& f) { f.headers = {"no colon"}; }, "--header 'no colon'"},
      {[](LoadFlags& f) { f.headers = {": empty name"}; }, "--header"},
      {[](LoadFlags& f) { f.timeout = "0s"; }, "--timeout: must be a positive duration"},
      {[](LoadFlags& f) { f.timeout = "soon"; }, "--timeout"},
      {[](LoadFlags& f) { f.duration = "0s"; }, "--duration: must be a positive duration"},
      {[](LoadFlags& f) { f.ramp_up = "x"; }, "--ramp-up: "},
      {[](LoadFlags& f) { f.think = "x"; }, "--think: "},
      {[](LoadFlags& f) { f.think_dist = "normal"; }, "--think-dist: "},
      {[](LoadFlags& f) { f.once = true, f.iterations = 2; },
       "give --once or --iterations, not both"},
      {[](LoadFlags& f) { f.rate = 5, f.users = 2; }, "--users, --think, --ramp-up"},
      {[](LoadFlags& f) { f.rate = 5, f.trace = "t"; }, "give one of: --rate"},
      {[](LoadFlags& f) { f.stages = "1s:5", f.steps = "1s:5"; }, "give one of: --rate"},
      {[](LoadFlags& f) { f.rate = 5, f.stages = "fast"; }, "--stages: "},
      {[](LoadFlags& f) { f.steps = "1s:x"; }, "--steps: "},
      {[](LoadFlags& f) { f.rate = 5, f.arrival = "bursty"; }, "--arrival: "},
      {[](LoadFlags& f) { f.max_response_size = "0"; }, "--max-response-size"},
      {[](LoadFlags& f) { f.shard = "4/4"; }, "--shard '4/4'"},
      {[](LoadFlags& f) { f.shard = "1"; }, "--shard '1'"},
      {[](LoadFlags& f) { f.start_at = "yesterday"; }, "--start-at 'yesterday'"},
  };
  for (const auto& [change, message] : cases) {
    auto f = flags();
    change(f);
    const auto error = error_of(f);
    EXPECT_EQ(error.rfind(message, 0), 0u) << "want " << message << "; got " << error;
  }
}

TEST(LoadFlags, PayloadSource) {
  auto f = flags();
  f.frames = 4;
  f.format = "jpeg";
  auto s = payload_source_from_flags(f);
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->kind, load::PayloadSource::Kind::kVideo);
  EXPECT_EQ(s->path, "frames.mp4");
  EXPECT_EQ(s->format, load::WireFormat::kJpeg);
  EXPECT_EQ(s->max_items, 4u);

  f = flags();
  f.video.clear();
  f.body = "request.bin";
  f.content_type = "application/json";
  s = payload_source_from_flags(f);
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(s->kind, load::PayloadSource::Kind::kBody);
  EXPECT_EQ(s->content_type, "application/json");

  f.format = "png";
  EXPECT_EQ(payload_source_from_flags(f).error(), "--format does not apply to --body");
  f = flags();
  f.image = "a.png";
  EXPECT_EQ(payload_source_from_flags(f).error(),
            "give exactly one of --video, --image, --images, --body");
  f.video.clear();
  f.image.clear();
  EXPECT_EQ(payload_source_from_flags(f).error(),
            "give exactly one of --video, --image, --images, --body");
}

}  // namespace
}  // namespace faaslab::cli
