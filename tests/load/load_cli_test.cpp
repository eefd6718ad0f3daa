// `faaslab load`, `client` and `merge` as a user runs them: bad input gets a clear error and a
// non-zero exit; shards merge into the one-run counts; the study client works against the real
// function; the emitted JMeter plan runs in Debian's JMeter 2.13.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/subprocess.h"
#include "load/test_server.h"
#include "support/jmeter.h"
#include "support/test_data.h"

namespace faaslab {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string faaslab_bin() {
  return testing::binary("bin/faaslab");
}

fs::path temp_path(const std::string& name) {
  return fs::temp_directory_path() /
         ("faaslab-load-cli-" + std::to_string(::getpid()) + "-" + name);
}

struct Run {
  int code;
  std::string out, err;
};

Run faaslab(std::vector<std::string> args, std::chrono::milliseconds timeout = 60s) {
  args.insert(args.begin(), faaslab_bin());
  Subprocess p(args);
  const int code = p.wait(timeout);
  return {code, p.out(), p.err()};
}

TEST(LoadCli, HelpDocumentsTheFlags) {
  auto r = faaslab({"load", "--help"});
  EXPECT_EQ(r.code, 0);
  for (const char* flag :
       {"--users",    "--ramp-up",     "--think",     "--think-dist",     "--rate",
        "--arrival",  "--stages",      "--steps",     "--trace",          "--jtl",
        "--records",  "--summary",     "--histogram", "--shard",          "--start-at",
        "--emit-jmx", "--connections", "--timeout",   "--save-responses", "--output-video"})
    EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
  EXPECT_EQ(faaslab({"client", "--help"}).code, 0);
  EXPECT_EQ(faaslab({"merge", "--help"}).code, 0);
}

TEST(LoadCli, BadInputIsAClearErrorAndNonZeroExit) {
  const std::string url = "--url=http://127.0.0.1:9/";
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const fs::path garbage = temp_path("garbage.mp4");
  std::ofstream(garbage) << "this is not a video";
  const fs::path empty_dir = temp_path("empty-dir");
  fs::create_directories(empty_dir);
  const std::vector<Case> cases = {
      {{"load", url}, "exactly one of"},
      {{"load", url, "--video", "/nonexistent.mp4"}, "/nonexistent.mp4"},
      {{"load", url, "--video", garbage.string()}, garbage.string()},
      {{"load", url, "--images", empty_dir.string()}, "no files"},
      {{"load", url, "--image", garbage.string()}, "not a JPEG or PNG"},
      {{"load", url, "--body", "/nonexistent.bin"}, "/nonexistent.bin"},
      {{"load", "--url=ftp://x/", "--body", garbage.string()}, "--url"},
      {{"load", url, "--body", garbage.string(), "--users", "2", "--rate", "5"}, "closed model"},
      {{"load", url, "--body", garbage.string(), "--rate", "5"}, "--duration"},
      {{"load", url, "--body", garbage.string(), "--shard", "3/2"}, "--shard"},
      {{"load", url, "--body", garbage.string(), "--timeout", "soon"}, "--timeout"},
      {{"load", url, "--body", garbage.string(), "--steps", "10s"}, "--steps"},
      {{"load", url, "--body", garbage.string(), "--trace", "/nonexistent"}, "--trace"},
      {{"load", url, "--body", garbage.string(), "--start-at", "yesterday"}, "--start-at"},
      {{"load", url, "--body", garbage.string(), "--jtl", "/nonexistent/x.jtl"},
       "/nonexistent/x.jtl"},
      {{"load", url, "--body", garbage.string(), "--emit-jmx", temp_path("x.jmx").string(),
        "--think", "1s", "--think-dist", "exponential"},
       "exponential"},
      {{"client", "/nonexistent.mp4"}, "/nonexistent.mp4"},
      {{"merge", "/nonexistent.json"}, "/nonexistent.json"},
      {{"merge", garbage.string()}, "not valid JSON"},
  };
  for (const auto& c : cases) {
    auto r = faaslab(c.args);
    std::string joined;
    for (const auto& a : c.args) joined += a + " ";
    EXPECT_NE(r.code, 0) << joined;
    EXPECT_NE(r.code, 128 + SIGSEGV) << joined;
    EXPECT_NE(r.code, 128 + SIGABRT) << joined;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << joined << "\n" << r.err;
  }
  fs::remove(garbage);
  fs::remove_all(empty_dir);
  fs::remove_all(temp_path("x.jmx.bodies"));
}

TEST(LoadCli, WritesEveryOutputAndTheSummarySchema) {
  testing::TestServer server(1ms);
  const fs::path body = temp_path("body.bin"), jtl = temp_path("out.jtl"),
                 records = temp_path("records.csv"), summary = temp_path("summary.json");
  std::ofstream(body) << "hello";
  auto r = faaslab({"load", "--url", server.url(), "--body", body.string(), "--users", "3",
                    "--iterations", "4", "--jtl", jtl.string(), "--records", records.string(),
                    "--summary", summary.string(), "--quiet"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("requests 12"), std::string::npos) << r.out;
  std::ifstream in(jtl);
  std::string header, line;
  std::getline(in, header);
  EXPECT_EQ(header,
            "timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,"
            "failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect");
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    const auto ts = std::stoll(line.substr(0, line.find(',')));
    EXPECT_NEAR(static_cast<double>(ts), static_cast<double>(wall_us() / 1000), 60'000.0);  // ms
  }
  EXPECT_EQ(lines, 12);
  const auto s = nlohmann::json::parse(testing::read_text(summary));
  EXPECT_EQ(s["overall"]["count"], 12);
  EXPECT_EQ(s["overall"]["success_rate"], 1.0);
  EXPECT_EQ(s["labels"][body.filename().string()]["count"], 12);
  for (const auto& p : {body, jtl, records, summary}) fs::remove(p);
}

TEST(LoadCli, ShardsWithASharedStartMergeIntoTheWholeRun) {
  testing::TestServer server(2ms);
  const fs::path body = temp_path("shard-body.bin");
  std::ofstream(body) << "x";
  const std::string start = std::to_string(static_cast<double>(wall_us()) / 1e6 + 1.0);
  std::vector<std::unique_ptr<Subprocess>> shards;
  for (int i = 0; i < 3; ++i) {
    shards.push_back(std::make_unique<Subprocess>(std::vector<std::string>{
        faaslab_bin(), "load", "--url", server.url(), "--body", body.string(), "--users", "7",
        "--iterations", "5", "--shard", std::to_string(i) + "/3", "--start-at", start,
        "--histogram", temp_path("shard" + std::to_string(i) + ".json").string(), "--quiet"}));
  }
  for (auto& s : shards) ASSERT_EQ(s->wait(60s), 0) << s->err();
  auto r = faaslab({"merge", temp_path("shard0.json").string(), temp_path("shard1.json").string(),
                    temp_path("shard2.json").string(), "--summary",
                    temp_path("merged.json").string(), "--quiet"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto s = nlohmann::json::parse(testing::read_text(temp_path("merged.json")));
  EXPECT_EQ(s["overall"]["count"], 35);  // 7 users x 5, as one run
  EXPECT_EQ(s["overall"]["success_rate"], 1.0);
  EXPECT_EQ(server.requests(), 35u);
  EXPECT_EQ(server.connections(), 7u);
  for (int i = 0; i < 3; ++i) fs::remove(temp_path("shard" + std::to_string(i) + ".json"));
  fs::remove(temp_path("merged.json"));
  fs::remove(body);
}

struct Function {
  std::unique_ptr<Subprocess> process;
  std::uint16_t port = 0;
};

Function start_function() {
  Function f;
  f.process =
      std::make_unique<Subprocess>(std::vector<std::string>{testing::binary("bin/faaslab-fn")},
                                   std::vector<std::string>{"port=0", "suppress_lock=true"});
  const auto log = f.process->wait_for_stderr("ready on", 20s);
  if (log) f.port = testing::ready_port(*log);
  return f;
}

TEST(ClientCli, StudyClientAgainstTheFunction) {
  auto fn = start_function();
  ASSERT_NE(fn.port, 0);
  auto r = faaslab({"client", testing::video_path().string(), "--sleep", "50ms", "--frames", "3",
                    "--url", "http://127.0.0.1:" + std::to_string(fn.port) + "/?format=seed"},
                   120s);
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("frame 3/3: round trip"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("round_trip_times = ["), std::string::npos);
  EXPECT_NE(r.out.find("ml_times = ["), std::string::npos);
  EXPECT_NE(r.out.find("total_times = ["), std::string::npos);
  EXPECT_NE(r.out.find("3 frames, 0 failed"), std::string::npos);
  EXPECT_EQ(r.out.find("None"), std::string::npos) << "seed bodies carry ML and total times";
  fn.process->signal(SIGTERM);
  fn.process->wait(15s);
  // Nobody listening: every frame fails, exit 1, no crash.
  auto down = faaslab({"client", testing::video_path().string(), "--frames", "2", "--url",
                       "http://127.0.0.1:" + std::to_string(fn.port) + "/"});
  EXPECT_EQ(down.code, 1);
  EXPECT_NE(down.out.find("2 frames, 2 failed"), std::string::npos) << down.out;
}

TEST(LoadCli, VideoThroughTheFunctionRebuildsTheBlurredVideo) {
  auto fn = start_function();
  ASSERT_NE(fn.port, 0);
  const fs::path video = temp_path("blurred.avi"), responses = temp_path("responses");
  auto r =
      faaslab({"load", "--url", "http://127.0.0.1:" + std::to_string(fn.port) + "/", "--video",
               testing::video_path().string(), "--format", "jpeg", "--frames", "4", "--users", "2",
               "--output-video", video.string(), "--save-responses", responses.string(), "--quiet"},
              120s);
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("4 frames written"), std::string::npos) << r.out;
  EXPECT_GT(fs::file_size(video), 1000u);
  std::size_t saved = 0;
  for (const auto& e : fs::directory_iterator(responses)) saved += e.path().extension() == ".jpg";
  EXPECT_EQ(saved, 8u);
  fn.process->signal(SIGTERM);
  fn.process->wait(15s);
  fs::remove(video);
  fs::remove_all(responses);
}

TEST(JMeter, EmittedPlanRunsInJMeter213) {
  if (!fs::exists("/usr/share/jmeter/bin/ApacheJMeter.jar")) GTEST_SKIP() << "run scripts/setup";
  auto fn = start_function();
  ASSERT_NE(fn.port, 0);
  const fs::path plan = temp_path("plan.jmx"), results = temp_path("jmeter.jtl"),
                 log = temp_path("jmeter.log");
  auto emit =
      faaslab({"load", "--url", "http://127.0.0.1:" + std::to_string(fn.port) + "/", "--video",
               testing::video_path().string(), "--format", "jpeg", "--frames", "3", "--users", "2",
               "--ramp-up", "1s", "--think", "100ms", "--emit-jmx", plan.string()},
              120s);
  ASSERT_EQ(emit.code, 0) << emit.err;
  const auto jmeter = testing::run_jmeter_plan(plan, results, log);
  ASSERT_EQ(jmeter.code, 0) << jmeter.out << jmeter.err;
  std::ifstream in(results);
  std::string header, line;
  std::getline(in, header);
  EXPECT_EQ(header.rfind("timeStamp,elapsed,label,responseCode", 0), 0u) << header;
  int rows = 0, ok = 0;
  while (std::getline(in, line)) {
    ++rows;
    ok += line.find(",200,") != std::string::npos && line.find(",true,") != std::string::npos;
    EXPECT_NE(line.find("frame-000"), std::string::npos) << line;
  }
  EXPECT_EQ(rows, 6) << testing::read_text(log);
  EXPECT_EQ(ok, 6) << testing::read_text(results);
  fn.process->signal(SIGTERM);
  fn.process->wait(15s);
  fs::remove(plan);
  fs::remove_all(plan.string() + ".bodies");
  fs::remove(results);
  fs::remove(log);
}

}  // namespace
}  // namespace faaslab
