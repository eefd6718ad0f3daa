// The flags of `faaslab load` as typed, and what they mean: a pure translation (no I/O) from
// flags to the load generator's options and payload source, with errors naming the flag.
// Tested without a process (tests/cli/load_flags_test.cpp). Value types and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "load/load.h"

namespace faaslab::cli {

// Defaults are the flags' (`faaslab load --help`).
struct LoadFlags {
  // Target.
  std::string url, method = "POST";
  std::vector<std::string> headers;  // "Name: value"
  std::string timeout = "25s", max_response_size = "256MiB";
  std::uint64_t connections = 0;
  bool new_connection = false;
  // Payload: exactly one of video, image, images, body.
  std::string video, image, images, body, format, content_type;
  std::uint32_t frames = 0;
  // Closed model.
  std::uint64_t users = 0;
  std::string ramp_up = "0s", think = "0s", think_dist = "constant", think_at = "before";
  std::uint64_t iterations = 0;
  bool once = false;
  // Open model: rate (negative: not given), stages or steps, or a trace file.
  double rate = -1;
  std::string arrival = "constant", stages, steps, trace;
  std::uint64_t max_outstanding = 10000;
  // Run.
  std::string duration;
  int threads = 0;
  std::uint64_t seed = 1;
  std::string shard, start_at;
  bool quiet = false;
  std::vector<std::string> thresholds;  // --threshold, load/thresholds.h
  bool abort_on_fail = false;
  // Outputs.
  std::string labels = "payload";
  std::string records, jtl, summary, histogram, save_responses, output_video, emit_jmx;

  // --rate, --stages, --steps or --trace: the open model.
  bool open() const { return rate >= 0 || !stages.empty() || !steps.empty() || !trace.empty(); }
};

// The workload, target and outputs the flags ask for. Left to the caller, being I/O: `trace`
// (read the --trace file with load::load_trace), `progress` (stderr is a terminal and not
// --quiet) and `on_response`.
Result<load::LoadOptions> load_options_from_flags(const LoadFlags& flags);

// What to send: exactly one of --video, --image, --images, --body, in --format.
Result<load::PayloadSource> payload_source_from_flags(const LoadFlags& flags);

}  // namespace faaslab::cli
