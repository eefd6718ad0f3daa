// When requests are sent: think times for the closed model, arrival times for the open model.
//
// The open model's arrivals are one global stream, the same in every process and thread that
// is given the same options and seed; each shard and each worker takes its own share of it
// (every n-th arrival), so the shares together are exactly the stream asked for. A stream is
// a small value object: copy it, one per thread; it is not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/units.h"

namespace faaslab::load {

enum class ThinkDistribution { kConstant, kExponential, kUniform };
Result<ThinkDistribution> think_distribution_from_name(const std::string& name);

// Think times with a given mean: constant; exponential (memoryless); uniform on [0, 2·mean].
class ThinkTime {
 public:
  ThinkTime(Micros mean, ThinkDistribution dist, std::uint64_t seed);
  Micros next();

 private:
  Micros mean_;
  ThinkDistribution dist_;
  std::mt19937_64 rng_;
};

enum class ArrivalProcess { kConstant, kPoisson };
Result<ArrivalProcess> arrival_process_from_name(const std::string& name);

// A rate profile: piecewise linear, starting at `start_rps`; each stage moves linearly to its
// target over its duration (a zero-length stage jumps). After the last stage the last target
// holds. A constant rate is a profile with no stages.
struct RateStage {
  Micros duration{0};
  double target_rps = 0;
};
struct RateProfile {
  double start_rps = 0;
  std::vector<RateStage> stages;
  Micros total_duration() const;  // sum of the stages
};

// "30s:100,1m:100,30s:0": k6-style ramps to a target over a duration.
Result<std::vector<RateStage>> parse_ramp_stages(const std::string& text);
// "30s:50,30s:100,30s:150": hold each rate for its duration (a stepped profile).
Result<std::vector<RateStage>> parse_step_stages(const std::string& text);

// Send times from a trace file: one time per line, in seconds from the start (fractions
// allowed), non-decreasing; blank lines and lines starting with '#' are skipped. A first
// column of a CSV line is read (so a JTL-like "t,label" file works).
Result<std::vector<Micros>> load_trace(const std::string& path);

// The open model's global arrival stream: offsets from the run's start, non-decreasing.
class ArrivalStream {
 public:
  // Rate-driven stream (constant spacing or Poisson), ends at `end` (exclusive; 0 = never).
  ArrivalStream(RateProfile profile, ArrivalProcess process, Micros end, std::uint64_t seed);
  // Trace-driven stream; `trace` must outlive the stream.
  ArrivalStream(const std::vector<Micros>* trace, Micros end);

  // Keeps only arrivals k with k % every == phase (a shard's or a worker's share). Calls
  // compose: a worker of a shard applies both.
  void take_share(std::uint64_t every, std::uint64_t phase);

  // The next arrival of this share: its global index and its offset; nullopt when over.
  struct Arrival {
    std::uint64_t index;
    Micros at;
  };
  std::optional<Arrival> next();

 private:
  std::optional<Micros> raw_next();   // next arrival of the whole stream
  Micros invert(double units) const;  // time at which the cumulative rate reaches `units`

  RateProfile profile_;
  ArrivalProcess process_ = ArrivalProcess::kConstant;
  const std::vector<Micros>* trace_ = nullptr;
  Micros end_{0};
  std::mt19937_64 rng_;
  std::uint64_t raw_index_ = 0;
  double units_ = 0;  // cumulative "unit-rate" time of the last arrival
  std::vector<std::pair<std::uint64_t, std::uint64_t>> shares_;  // (every, phase) filters
};

}  // namespace faaslab::load
