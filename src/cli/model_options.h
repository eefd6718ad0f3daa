// The flags `faaslab model predict` and `plan` share: a workload, and a system built from a
// calibration file and/or given directly (flags override the calibration). Parsing to model
// values happens in build(), which names the flag in every error.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "model/calibration.h"
#include "model/model.h"

namespace faaslab::cli {

struct ModelOptions {
  // Workload.
  std::uint64_t users = 0;
  std::string think = "0", think_dist = "exponential", ramp_up = "0";
  std::uint64_t requests = 0, warmup = 0;
  double rate = 0;
  std::string arrival = "poisson", trace_file, duration = "0";
  // System.
  std::string calibration, mode, codec, frame;
  std::string service_mean, overhead, client, cold_start, timeout = "0", queue_timeout = "0";
  double service_scv = 1, overhead_cpu = 0;
  int replicas = 1, concurrency = -1, max_inflight = 0, cores = -1, initial_replicas = -1,
      queue_limit = 0;
  std::string routing = "random";
  std::string core_scheduling = "per-core";
  bool cancel_on_timeout = false;
  std::string autoscale, scale_down_window = "30s", scale_zero_after = "0";
  int scale_min = 1, scale_max = 20;
  double scale_target = 50, scale_proportion = 0.9;
  // Method.
  std::string method = "auto";
  int replications = 5;
  std::uint64_t seed = 1, measured = 20000;

  CLI::App* app = nullptr;
  bool given(const std::string& flag) const { return app && app->count(flag) > 0; }
};

// Registers the flags on a subcommand.
void add_workload_flags(CLI::App& app, ModelOptions& o);
void add_system_flags(CLI::App& app, ModelOptions& o);
void add_method_flags(CLI::App& app, ModelOptions& o);

struct BuiltModel {
  model::Workload workload;
  model::System system;
  std::optional<model::Calibration> calibration;
  const model::GroupCalibration* group = nullptr;  // into calibration
  model::PredictOptions predict;
};

// Errors name the flag (bad values, a closed and an open workload at once, neither, no
// service time without a calibration, a calibration that cannot be read).
Result<BuiltModel> build(const ModelOptions& o);

// A system for another mode and replica count with the same flags (plan's candidates).
Result<model::System> build_system(const ModelOptions& o, const BuiltModel& base, model::Mode mode,
                                   int replicas);

}  // namespace faaslab::cli
