// `faaslab load`, `client` and `merge` as a user runs them: bad input gets a clear error and a
// non-zero exit; shards merge into the one-run counts; the study client works against the real
// function; the emitted JMeter plan runs in Debian's JMeter 2.13.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
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

// Usage errors exit 2 — CLI11's own codes (105-114) too — in every subcommand and faaslab-fn.
TEST(LoadCli, UsageErrorsExitTwo) {
  const fs::path body = temp_path("usage.body");
  std::ofstream(body) << "x";
  const std::string url = "--url=http://127.0.0.1:9/";
  const std::vector<std::vector<std::string>> cases = {
      {"load", url, "--body", body.string(), "--no-such-flag"},
      {"load", url, "--body", body.string(), "--threads", "0"},
      {"load", url, "--body", body.string(), "--think-dist", "pareto"},
      {"load", "--body", body.string()},
      {"load", url, "--body", body.string(), "--threshold", "p97<1s"},
      {"load", url, "--body", body.string(), "--abort-on-fail"},
      {"merge"},
      {"sweep", "--no-such-flag"},
      {"model", "predict", "--no-such-flag"},
      {"no-such-command"},
  };
  for (const auto& c : cases) {
    auto r = faaslab(c);
    std::string joined;
    for (const auto& a : c) joined += a + " ";
    EXPECT_EQ(r.code, 2) << joined << "\n" << r.err;
    EXPECT_FALSE(r.err.empty()) << joined;
  }
  Subprocess fn({testing::binary("bin/faaslab-fn"), "--no-such-flag"});
  EXPECT_EQ(fn.wait(30s), 2) << fn.err();
  EXPECT_EQ(faaslab({"load", "--help"}).code, 0);
  EXPECT_EQ(faaslab({"--version"}).code, 0);
  fs::remove(body);
}

// Thresholds as k6 has them: a table after the summary, exit 99 when one fails, 0 when all
// pass; --abort-on-fail stops a long run within seconds of the first failure.
TEST(LoadCli, ThresholdsPassFailAndAbort) {
  testing::TestServer server(1ms);
  const fs::path body = temp_path("thresholds.body");
  std::ofstream(body) << "x";
  const std::vector<std::string> base = {
      "load",    "--url", server.url("/"), "--body", body.string(),
      "--users", "2",     "--iterations",  "20",     "--quiet"};
  auto with = [&](std::vector<std::string> extra) {
    auto args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return faaslab(args);
  };
  auto pass = with({"--threshold", "p95<5s", "--threshold", "success>=0.99,requests>=40"});
  EXPECT_EQ(pass.code, 0) << pass.err;
  EXPECT_NE(pass.out.find("threshold"), std::string::npos) << pass.out;
  EXPECT_NE(pass.out.find("requests>=40"), std::string::npos) << pass.out;
  EXPECT_EQ(pass.out.find("FAIL"), std::string::npos) << pass.out;

  auto fail = with({"--threshold", "p95<5s", "--threshold", "requests>=41"});
  EXPECT_EQ(fail.code, 99) << fail.err;
  EXPECT_NE(fail.out.find("FAIL"), std::string::npos) << fail.out;
  EXPECT_NE(fail.err.find("1 of 2 thresholds failed"), std::string::npos) << fail.err;

  const auto t0 = SteadyClock::now();
  auto aborted = faaslab({"load", "--url", server.url("/"), "--body", body.string(), "--users", "2",
                          "--duration", "60s", "--quiet", "--threshold", "max<1us",
                          "--abort-on-fail", "--summary", temp_path("aborted.json").string()});
  EXPECT_EQ(aborted.code, 99) << aborted.err;
  EXPECT_LT(SteadyClock::now() - t0, 30s);
  EXPECT_NE(aborted.err.find("max<1us failed"), std::string::npos) << aborted.err;
  EXPECT_TRUE(fs::exists(temp_path("aborted.json")));  // the outputs hold what was done
  fs::remove(temp_path("aborted.json"));
  fs::remove(body);
}

// A port where nothing listens: a clear message and exit 1 after the first second, not a
// 0 after a spin of refusals.
TEST(LoadCli, NothingListeningIsAFailure) {
  const fs::path body = temp_path("refused.body");
  std::ofstream(body) << "x";
  const auto t0 = SteadyClock::now();
  auto r = faaslab({"load", "--url", "http://127.0.0.1:9/", "--body", body.string(), "--users", "4",
                    "--duration", "30s", "--quiet"});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_LT(SteadyClock::now() - t0, 15s);
  EXPECT_NE(r.err.find("nothing is listening at 127.0.0.1:9"), std::string::npos) << r.err;
  fs::remove(body);
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
  // Far enough ahead for three sanitizer-built processes to start on a loaded machine: a start
  // already past by more than 0.5 s is refused (--start-at is in the past).
  const std::string start = std::to_string(static_cast<double>(wall_us()) / 1e6 + 4.0);
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

// What a `faaslab load --records` file says about each arrival of an open-model run.
struct Arrival {
  std::int64_t intended_us = 0;
  std::string label;
  std::string outcome;
};

// sequence (the arrival's number in the global stream) -> its record; `rows` counts every
// line, so an arrival recorded twice shows as rows > arrivals.size().
struct RecordedArrivals {
  std::map<std::uint64_t, Arrival> arrivals;
  std::size_t rows = 0;
};

RecordedArrivals read_arrivals(const fs::path& records) {
  RecordedArrivals out;
  std::ifstream in(records);
  std::string line;
  std::getline(in, line);  // header: user,sequence,payload,iteration,label,intended_us,...
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream fields(line);
    for (std::string x; std::getline(fields, x, ',');) f.push_back(x);
    if (f.size() < 17) continue;
    ++out.rows;
    out.arrivals[std::stoull(f[1])] = {std::stoll(f[5]), f[4], f[16]};
  }
  return out;
}

// An open-model workload run whole and in three shards with a shared start; the shards'
// histograms merged.
struct OpenShardCase {
  const char* name;
  std::vector<std::string> args;  // the workload's flags
};

class OpenShards : public ::testing::TestWithParam<OpenShardCase> {};

TEST_P(OpenShards, PartitionTheArrivalsAndMergeIntoTheWholeRun) {
  const auto& c = GetParam();
  testing::TestServer server(1ms);
  const fs::path dir = temp_path(std::string("open-shards-") + c.name);
  fs::remove_all(dir);
  fs::create_directories(dir / "images");
  // Three payloads: each arrival k sends payload k % 3, whichever process sends it.
  for (const char* name : {"a.jpg", "b.jpg", "c.jpg"})
    std::ofstream(dir / "images" / name) << "\xFF\xD8\xFF payload " << name;
  const fs::path trace = dir / "trace.txt";
  {
    std::ofstream t(trace);
    t << "# send times, s\n";
    for (int i = 0; i < 60; ++i) t << (i / 2) * 0.03 << "\n";  // two at a time, 30 ms apart
  }
  auto workload = [&](std::vector<std::string> more) {
    std::vector<std::string> args = {faaslab_bin(), "load",     "--url",
                                     server.url(),  "--images", (dir / "images").string(),
                                     "--quiet"};
    for (auto a : c.args) args.push_back(a == "TRACE" ? trace.string() : a);
    args.insert(args.end(), more.begin(), more.end());
    return args;
  };

  Subprocess whole(workload(
      {"--records", (dir / "whole.csv").string(), "--summary", (dir / "whole.json").string()}));
  ASSERT_EQ(whole.wait(60s), 0) << whole.err();
  const auto sent_whole = server.requests();

  const std::string start = std::to_string(static_cast<double>(wall_us()) / 1e6 + 4.0);
  std::vector<std::unique_ptr<Subprocess>> shards;
  std::vector<std::string> histograms = {faaslab_bin(), "merge"};
  for (int i = 0; i < 3; ++i) {
    const std::string n = std::to_string(i);
    histograms.push_back((dir / ("shard" + n + ".hist.json")).string());
    shards.push_back(std::make_unique<Subprocess>(
        workload({"--shard", n + "/3", "--start-at", start, "--records",
                  (dir / ("shard" + n + ".csv")).string(), "--histogram", histograms.back()})));
  }
  for (auto& s : shards) ASSERT_EQ(s->wait(60s), 0) << s->err();
  histograms.insert(histograms.end(), {"--summary", (dir / "merged.json").string(), "--quiet"});
  Subprocess merge(histograms);
  ASSERT_EQ(merge.wait(30s), 0) << merge.err();

  // The merged counts are the whole run's, exactly: overall, by outcome and by payload.
  const auto w = nlohmann::json::parse(testing::read_text(dir / "whole.json"));
  const auto m = nlohmann::json::parse(testing::read_text(dir / "merged.json"));
  ASSERT_GT(w["overall"]["count"].get<int>(), 30) << w.dump();
  EXPECT_EQ(m["overall"]["count"], w["overall"]["count"]);
  EXPECT_EQ(m["overall"]["success_rate"], w["overall"]["success_rate"]);
  EXPECT_EQ(m["run"]["outcomes"], w["run"]["outcomes"]);
  ASSERT_EQ(m["labels"].size(), 3u);
  for (const auto& [label, summary] : w["labels"].items())
    EXPECT_EQ(m["labels"][label]["count"], summary["count"]) << label;
  EXPECT_EQ(server.requests() - sent_whole, sent_whole) << "the shards sent what the run sent";

  // The shards partition the whole run's arrivals: each arrival of the stream is sent by
  // exactly one shard (k % 3 == i), at the same intended time and with the same payload.
  const auto all = read_arrivals(dir / "whole.csv");
  EXPECT_EQ(all.rows, all.arrivals.size());
  EXPECT_EQ(all.arrivals.size(), w["overall"]["count"].get<std::size_t>());
  std::map<std::uint64_t, Arrival> union_of_shards;
  std::size_t shard_rows = 0;
  for (int i = 0; i < 3; ++i) {
    const auto shard = read_arrivals(dir / ("shard" + std::to_string(i) + ".csv"));
    EXPECT_EQ(shard.rows, shard.arrivals.size()) << "shard " << i << " sent an arrival twice";
    EXPECT_FALSE(shard.arrivals.empty()) << "shard " << i;
    shard_rows += shard.rows;
    for (const auto& [k, a] : shard.arrivals) {
      EXPECT_EQ(k % 3, static_cast<std::uint64_t>(i)) << "arrival " << k << " in shard " << i;
      EXPECT_TRUE(union_of_shards.emplace(k, a).second) << "arrival " << k << " sent twice";
    }
  }
  EXPECT_EQ(shard_rows, all.rows);
  ASSERT_EQ(union_of_shards.size(), all.arrivals.size()) << "arrivals lost or added";
  for (const auto& [k, a] : all.arrivals) {
    const auto it = union_of_shards.find(k);
    ASSERT_NE(it, union_of_shards.end()) << "arrival " << k << " lost";
    EXPECT_EQ(it->second.intended_us, a.intended_us) << "arrival " << k;
    EXPECT_EQ(it->second.label, a.label) << "arrival " << k;
    EXPECT_EQ(a.outcome, "ok") << "arrival " << k;
    EXPECT_EQ(it->second.outcome, "ok") << "arrival " << k;
  }
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(LoadCli, OpenShards,
                         ::testing::Values(OpenShardCase{"constant",
                                                         {"--rate", "150", "--arrival", "constant",
                                                          "--duration", "1s"}},
                                           OpenShardCase{"poisson",
                                                         {"--rate", "150", "--arrival", "poisson",
                                                          "--duration", "1s", "--seed", "7"}},
                                           OpenShardCase{"trace", {"--trace", "TRACE"}}),
                         [](const auto& info) { return std::string(info.param.name); });

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
