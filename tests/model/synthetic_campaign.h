// A campaign database "measured" on a simulated system with known parameters, so calibration
// and validation can be checked end to end without running the function: the simulator plays
// the machine, its records become the requests table, and handler times come from the light
// run where nothing contends.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "experiment/results_db.h"
#include "experiment/summaries.h"
#include "model/simulator.h"

namespace faaslab::model::testing {

// The truth: classic mode on 2 cores, ~80 ms of handler work, 30 ms of overhead, all CPU.
inline System truth() {
  System s;
  s.mode = Mode::kClassic;
  s.concurrency = 0;
  s.cores = 2;
  s.service = Distribution::two_moment(0.08, 0.2);
  s.overhead = Distribution::constant(0.03);
  s.overhead_cpu = 1.0;
  s.timeout_s = 25;
  s.cancel_on_timeout = true;
  return s;
}

// A closed run's columns: `users` with a constant think time, one replica of `mode`, 640x480
// JPEG frames, a 25 s timeout, 2 cores; keyed "users=N think=Xms mode=M".
inline experiment::RunColumns closed_run_columns(int users, double think_s,
                                                 const std::string& mode) {
  experiment::RunColumns c;
  c.config_key = "users=" + std::to_string(users) +
                 " think=" + std::to_string(static_cast<int>(think_s * 1000)) + "ms mode=" + mode;
  c.config_json = {{"model", "closed"}, {"users", users}, {"think_s", think_s}, {"ramp_up_s", 0.0}};
  c.users = users;
  c.think_s = think_s;
  c.think_dist = "constant";
  c.replicas = 1;
  c.mode = mode;
  c.routing = "random";
  c.codec = "jpeg";
  c.frame_width = 640;
  c.frame_height = 480;
  c.timeout_s = 25;
  c.cores = 2;
  return c;
}

struct SyntheticCampaign {
  std::filesystem::path path;
  std::int64_t campaign = 0;
  std::vector<std::int64_t> runs;  // in order of `users`
};

// Users per configuration, `repetitions` each, think 0.5 s constant, 40 requests per user.
inline SyntheticCampaign make_campaign(const std::filesystem::path& path,
                                       const std::vector<int>& users = {1, 4, 8, 16},
                                       int repetitions = 2) {
  std::filesystem::remove(path);
  SyntheticCampaign out;
  out.path = path;
  auto db = experiment::ResultsDb::open(path.string());
  EXPECT_TRUE(db) << db.error();
  auto id = (*db)->create_campaign("synthetic", "", {}, {{"cores", 2}}, {});
  EXPECT_TRUE(id);
  out.campaign = *id;
  const System s = truth();
  int ordinal = 0;
  for (int n : users) {
    for (int rep = 0; rep < repetitions; ++rep) {
      experiment::RunColumns c = closed_run_columns(n, 0.5, "classic");
      c.repetition = rep;
      c.ordinal = ordinal++;
      auto run = (*db)->begin_run(out.campaign, c);
      EXPECT_TRUE(run);
      out.runs.push_back(*run);
      Workload w;
      w.users = static_cast<std::uint64_t>(n);
      w.think_s = 0.5;
      w.think_dist = "constant";
      w.requests_per_user = 40;
      SimulationLimits keep;
      keep.keep_records = true;
      const auto sim = simulate(w, s, 1000 + static_cast<std::uint64_t>(c.ordinal), keep);
      std::vector<std::uint64_t> seq(static_cast<std::size_t>(n), 0);
      for (const auto& r : sim.records) {
        experiment::RequestRow q;
        q.user = r.user;
        q.sequence = seq[r.user]++;
        q.label = "frame";
        q.intended_us = q.start_us = static_cast<std::int64_t>(r.intended * 1e6);
        q.end_us = static_cast<std::int64_t>(r.end * 1e6);
        q.intended_wall_us = q.intended_us + 1'700'000'000'000'000;
        q.start_wall_us = q.intended_wall_us;
        q.end_wall_us = q.end_us + 1'700'000'000'000'000;
        q.latency_us = q.end_us - q.intended_us;
        q.service_us = *q.latency_us;
        q.outcome = r.outcome == 0 ? "ok" : "timeout";
        q.status = r.outcome == 0 ? 200 : 0;
        // Only the light run's handler time is exact without contention; the loaded runs' are
        // stretched by it, as a real handler's wall time is.
        q.handler_s = std::max(0.0, (r.end - r.intended) - 0.03);
        EXPECT_TRUE((*db)->add_request(*run, q));
      }
      EXPECT_TRUE((*db)->finish_run(*run, experiment::RunStatus::kComplete, "", false));
      auto reqs = (*db)->requests(*run);
      for (const auto& row : experiment::summarise_run(*reqs))
        EXPECT_TRUE((*db)->put_run_summary(*run, row));
    }
    EXPECT_TRUE(experiment::update_config_summaries(
        **db, out.campaign, "users=" + std::to_string(n) + " think=500ms mode=classic"));
  }
  return out;
}

}  // namespace faaslab::model::testing
