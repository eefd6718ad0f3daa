// `faaslab model` as a user runs it: fit, predict, validate, plan, and bad input.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "common/subprocess.h"
#include "support/test_data.h"
#include "synthetic_campaign.h"

namespace faaslab::model {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

fs::path temp(const std::string& name) {
  return fs::temp_directory_path() /
         ("faaslab-model-cli-" + std::to_string(::getpid()) + "-" + name);
}

struct Run {
  int code;
  std::string out, err;
};

Run faaslab(std::vector<std::string> args) {
  args.insert(args.begin(), faaslab::testing::binary("bin/faaslab"));
  Subprocess p(args);
  const int code = p.wait(60s);
  return {code, p.out(), p.err()};
}

std::vector<std::string> textbook(std::vector<std::string> more = {}) {
  std::vector<std::string> a = {"model",      "predict", "--users",        "30",
                                "--think",    "5s",      "--service-mean", "2s",
                                "--replicas", "4",       "--routing",      "fifo"};
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

TEST(ModelCli, HelpDocumentsTheSubcommands) {
  auto r = faaslab({"model", "--help"});
  EXPECT_EQ(r.code, 0);
  for (const char* sub : {"fit", "predict", "validate", "plan"})
    EXPECT_NE(r.out.find(sub), std::string::npos) << sub;
  auto p = faaslab({"model", "predict", "--help"});
  for (const char* flag :
       {"--users", "--think", "--rate", "--replicas", "--concurrency", "--cores", "--overhead",
        "--mode", "--routing", "--timeout", "--cancel-on-timeout", "--method", "--json",
        "--calibration", "--service-scv", "--core-scheduling"})
    EXPECT_NE(p.out.find(flag), std::string::npos) << flag;
}

TEST(ModelCli, PredictsTheTextbookStation) {
  auto r = faaslab(textbook({"--json"}));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["method"], "repairman");
  EXPECT_NEAR(j["throughput_rps"].get<double>(), 2.0, 5e-4);
  EXPECT_NEAR(j["mean_s"].get<double>(), 10.0, 5e-3);
  EXPECT_TRUE(j.contains("utilization"));
  auto text = faaslab(textbook());
  ASSERT_EQ(text.code, 0);
  EXPECT_NE(text.out.find("method: repairman (exact"), std::string::npos) << text.out;
  auto des = faaslab(textbook({"--method", "des", "--replications", "3", "--measured", "3000"}));
  ASSERT_EQ(des.code, 0) << des.err;
  EXPECT_NE(des.out.find("±"), std::string::npos) << des.out;
}

TEST(ModelCli, BadInputIsAClearErrorAndNonZeroExit) {
  struct Case {
    std::vector<std::string> args;
    int code;
    std::string says;
  };
  const fs::path bad_json = temp("bad.json");
  std::ofstream(bad_json) << "{ not json";
  const fs::path partial = temp("partial.json");
  std::ofstream(partial) << R"({"format": "faaslab-model-calibration-1", "cores": 2,
    "groups": [{"mode": "http", "overhead": {"mean_s": 0.01}, "overhead_cpu": 1}]})";
  const std::vector<Case> cases = {
      {{"model", "predict", "--rate", "0", "--service-mean", "1s"}, 2, "--rate"},
      {{"model", "predict", "--rate", "-2", "--service-mean", "1s"}, 2, "--rate"},
      {{"model", "predict", "--rate", "1", "--service-mean", "1s", "--replicas", "0"},
       2,
       "--replicas"},
      {{"model", "predict", "--rate", "1", "--service-mean", "0s"}, 2, "--service-mean"},
      {{"model", "predict", "--rate", "1"}, 2, "--service-mean"},
      {{"model", "predict", "--service-mean", "1s"}, 2, "--users"},
      {{"model", "predict", "--users", "3", "--rate", "1", "--service-mean", "1s"}, 2, "not both"},
      {{"model", "predict", "--users", "3", "--think", "soon", "--service-mean", "1s"},
       2,
       "--think"},
      {{"model", "predict", "--users", "3", "--service-mean", "1s", "--method", "magic"},
       2,
       "magic"},
      {{"model", "predict", "--users", "3", "--service-mean", "1s", "--mode", "streaming"},
       2,
       "streaming"},
      {{"model", "predict", "--users", "3", "--service-mean", "1s", "--routing", "sticky"},
       2,
       "sticky"},
      {{"model", "predict", "--users", "3", "--service-mean", "1s", "--core-scheduling", "fair"},
       2,
       "--core-scheduling: unknown core scheduling 'fair'"},
      {{"model", "predict", "--rate", "3", "--service-mean", "2s", "--replicas", "4", "--routing",
        "fifo"},
       1,
       "grows by 1 requests/s"},
      {{"model", "predict", "--users", "3", "--calibration", bad_json.string()},
       2,
       "not valid JSON"},
      {{"model", "predict", "--users", "3", "--calibration", partial.string()},
       2,
       "missing field handler"},
      {{"model", "predict", "--users", "3", "--calibration", "/nonexistent.json"},
       2,
       "cannot read"},
      {{"model", "fit", "/nonexistent.db", "-o", temp("x.json").string()}, 1, "/nonexistent.db"},
      {{"model", "validate", "/nonexistent.db"}, 1, "/nonexistent.db"},
      {{"model", "fit", "/nonexistent.db", "-o", temp("x.json").string(), "--core-scheduling",
        "fair"},
       2,
       "--core-scheduling: unknown core scheduling 'fair'"},
      {{"model", "validate", "/nonexistent.db", "--core-scheduling", "fair"},
       2,
       "--core-scheduling: unknown core scheduling 'fair'"},
      {{"model", "plan", "--users", "3", "--service-mean", "1s"}, 2, "--objective"},
      {{"model", "plan", "--users", "3", "--service-mean", "1s", "--objective", "p95<<2s"},
       2,
       "p95<<2s"},
  };
  for (const auto& c : cases) {
    auto r = faaslab(c.args);
    std::string joined;
    for (const auto& a : c.args) joined += a + " ";
    EXPECT_EQ(r.code, c.code) << joined << "\n" << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << joined << "\n" << r.err;
  }
  fs::remove(bad_json);
  fs::remove(partial);
}

TEST(ModelCli, FitPredictValidatePlanOnACampaign) {
  const auto campaign = testing::make_campaign(temp("campaign.db"), {1, 4, 8});
  const fs::path cal = temp("model.json");
  auto fit =
      faaslab({"model", "fit", campaign.path.string(), "-o", cal.string(), "--runs", "users=1"});
  ASSERT_EQ(fit.code, 0) << fit.err;
  EXPECT_NE(fit.out.find("classic/jpeg/640x480"), std::string::npos) << fit.out;
  EXPECT_NE(fit.out.rfind(cal.string() + "\n"), std::string::npos) << "the path is the last line";
  const auto j = nlohmann::json::parse(std::ifstream(cal));
  EXPECT_EQ(j["format"], "faaslab-model-calibration-1");
  EXPECT_EQ(j["source"]["fitted_runs"].size(), 2u);

  auto predict = faaslab({"model", "predict", "--calibration", cal.string(), "--mode", "classic",
                          "--users", "8", "--think", "0.5s", "--think-dist", "constant", "--json",
                          "--replications", "3", "--measured", "3000"});
  ASSERT_EQ(predict.code, 0) << predict.err;
  const auto p = nlohmann::json::parse(predict.out);
  EXPECT_EQ(p["calibration_group"], "classic/jpeg/640x480");
  EXPECT_GT(p["throughput_rps"].get<double>(), 5);

  auto validate = faaslab({"model", "validate", campaign.path.string(), "--calibration",
                           cal.string(), "--replications", "3"});
  ASSERT_EQ(validate.code, 0) << validate.err;
  EXPECT_NE(validate.out.find("fitted"), std::string::npos) << validate.out;
  EXPECT_NE(validate.out.find("of 2 configurations within every target"), std::string::npos)
      << validate.out;
  auto vjson = faaslab({"model", "validate", campaign.path.string(), "--runs", "users=1", "--json",
                        "--replications", "2"});
  ASSERT_EQ(vjson.code, 0) << vjson.err;
  EXPECT_EQ(nlohmann::json::parse(vjson.out)["rows"].size(), 3u);

  auto plan =
      faaslab({"model", "plan", "--calibration", cal.string(), "--modes", "classic", "--rate", "5",
               "--objective", "p95<1s,success>=0.99", "--replications", "2", "--measured", "2000"});
  EXPECT_EQ(plan.code, 0) << plan.err;
  EXPECT_NE(plan.out.find("chosen: 1 replica"), std::string::npos) << plan.out;
  auto impossible = faaslab({"model", "plan", "--calibration", cal.string(), "--modes", "classic",
                             "--rate", "5", "--objective", "p95<1ms", "--max-replicas", "2",
                             "--replications", "2", "--measured", "2000"});
  EXPECT_EQ(impossible.code, 1);
  EXPECT_NE(impossible.err.find("no configuration"), std::string::npos) << impossible.err;
  fs::remove(cal);
  fs::remove(campaign.path);
}

}  // namespace
}  // namespace faaslab::model
