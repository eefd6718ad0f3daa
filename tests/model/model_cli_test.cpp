// `faaslab model` as a user runs it: fit, predict, validate, plan, and bad input.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

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
  EXPECT_NE(validate.out.find("missed, of 2 configurations"), std::string::npos) << validate.out;
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

// The 95% half-width of (predicted - measured) from three independent sources: the measured
// mean's spread over its repetitions, the simulator's over its replications, and the
// calibration's (its runs' relative spread, carried into the prediction).
double combined_half_width(double measured_ci, double predicted_ci, double predicted,
                           double calibration_relative_ci) {
  const double from_calibration = predicted * calibration_relative_ci;
  return std::sqrt(measured_ci * measured_ci + predicted_ci * predicted_ci +
                   from_calibration * from_calibration);
}

// The model against the machine, not against its own simulator: a small real campaign on the
// embedded runtime (the warm function, small JPEG frames, 1, 4, 6 and 8 users without think
// time, three repetitions each, interleaved), the model calibrated as the demo does it — on the
// lightest and the most loaded configuration (1 and 8 users: service times, and how much of
// the overhead is work on the cores) — and asked for the 4- and 6-user ones it never saw.
// How close it must come is what the repetitions justify: the 95% half-widths of the measured
// mean (run-to-run spread), of the simulator's replications and of the calibration, whose two
// configurations spread as well, combined as independent errors. And it must explain the
// queueing: at 4 users it must be closer to the measurement than the 1-user time is.
//
// Not asserted: 2 users, at the knee of two cores, where the prediction depends most on how
// much of the cores the machine leaves free. On the shared development machine the model,
// calibrated on 1 and 6 users, predicted the 2-user mean up to 27% low (by more than 15% in
// four of five campaigns), once outside that configuration's spread (docs/model.md, Limits).
TEST(ModelAccuracy, PredictsAMeasuredCampaignWithinItsRunToRunSpread) {
  const fs::path dir = temp("accuracy");
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path campaign = dir / "accuracy.yaml", db = dir / "accuracy.db",
                 cal = dir / "model.json";
  const std::string root = fs::path(FAASLAB_TESTDATA_DIR).parent_path().string();
  std::ofstream(campaign) << "name: accuracy\n"
                             "target:\n  stack: "
                          << root
                          << "/deploy/stack.yml\n  function: slblur-warm\n"
                             "workload:\n  video: "
                          << faaslab::testing::video_path().string()
                          << "\n  frame_step: 2      # 19 frames\n"
                             "  iterations: 2\n  mode: http\n  codec: jpeg\n"
                             "  frame_size: 320x218\n  think: 0s\n"
                             "grid:\n  users: [1, 4, 6, 8]\n"
                             "repetitions: 3\nwarmup: 2\n";
  Subprocess sweep({faaslab::testing::binary("bin/faaslab"), "sweep", "-f", campaign.string(),
                    "--db", db.string(), "-q"});
  ASSERT_EQ(sweep.wait(240s), 0) << sweep.err();
  auto fit = faaslab(
      {"model", "fit", db.string(), "-o", cal.string(), "--runs", "users=1", "--runs", "users=8"});
  ASSERT_EQ(fit.code, 0) << fit.err;
  auto validate = faaslab({"model", "validate", db.string(), "--calibration", cal.string(),
                           "--replications", "5", "--json"});
  ASSERT_EQ(validate.code, 0) << validate.err;
  const auto report = nlohmann::json::parse(validate.out);

  std::map<int, const nlohmann::json*> by_users;
  for (const auto& row : report["rows"]) by_users[row["config"]["users"].get<int>()] = &row;
  ASSERT_EQ(by_users.size(), 4u) << report.dump(2);
  const auto& light = *by_users[1];
  const auto& loaded = *by_users[8];
  ASSERT_TRUE(light["fitted"].get<bool>() && loaded["fitted"].get<bool>()) << report.dump(2);
  // The calibration's own uncertainty, relative: its two configurations' spread.
  auto relative_spread = [](const nlohmann::json& row) {
    const auto& m = row["measured"];
    return m.contains("mean_s_ci95") ? m["mean_s_ci95"].get<double>() / m["mean_s"].get<double>()
                                     : std::nan("");
  };
  const double cal_relative = std::hypot(relative_spread(light), relative_spread(loaded));
  ASSERT_TRUE(std::isfinite(cal_relative)) << report.dump(2);
  const auto& cal_measured = light["measured"];
  for (int users : {4, 6}) {
    const auto& row = *by_users[users];
    const auto& m = row["measured"];
    const auto& p = row["predicted"];
    const std::string what = row.dump(2);
    ASSERT_TRUE(row["judged"].get<bool>()) << what;
    ASSERT_EQ(m["repetitions"], 3) << what;
    ASSERT_TRUE(m.contains("mean_s_ci95") && p.contains("mean_s_ci95")) << what;
    const double tolerance =
        combined_half_width(m["mean_s_ci95"], p["mean_s_ci95"], p["mean_s"], cal_relative);
    std::printf("%d users: measured %.1f ± %.1f ms, predicted %.1f ms, allowed ± %.1f ms\n", users,
                1e3 * m["mean_s"].get<double>(), 1e3 * m["mean_s_ci95"].get<double>(),
                1e3 * p["mean_s"].get<double>(), 1e3 * tolerance);
    EXPECT_NEAR(p["mean_s"].get<double>(), m["mean_s"].get<double>(), tolerance)
        << users << " users\n"
        << what;
    EXPECT_NEAR(p["success_rate"].get<double>(), m["success_rate"].get<double>(), 1e-9) << what;
  }
  // At 4 users two cores queue: the model must account for it better than the 1-user time
  // does (which a model ignoring the load would predict).
  const auto& four = *by_users[4];
  const double measured = four["measured"]["mean_s"].get<double>();
  EXPECT_LT(std::abs(four["predicted"]["mean_s"].get<double>() - measured),
            std::abs(cal_measured["mean_s"].get<double>() - measured))
      << four.dump(2);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace faaslab::model
