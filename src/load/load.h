// The load generator: sends a workload to one HTTP URL and measures it.
//
//   - Closed model (the study's): N users, each sends the payloads in order, thinking before
//     (or after) each request; ramp-up spreads the users' starts as JMeter's ThreadGroup does.
//   - Open model: requests arrive on a schedule (constant rate, Poisson, a ramped or stepped
//     profile, or a trace of send times) whatever the server does; response times are measured
//     from the intended send time (no coordinated omission, as wrk2) and service times from
//     the actual send; arrivals over the cap on outstanding requests are dropped and counted.
//
// Engine: a few worker threads (default: half the cores), each an Asio event loop driving its
// share of users or arrivals and its own connections, histograms and record buffers; nothing
// is shared on the hot path but atomic progress counters. Results are merged after the
// workers stop, as wrk does. 10,000 users are 10,000 sockets and timers, not threads.
//
// run_load() blocks until the run is over and is safe to call from one thread at a time (it
// installs a SIGINT handler for its duration: Ctrl-C stops issuing requests, lets the ones in
// flight finish and still writes every output).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/units.h"
#include "common/url.h"
#include "load/live_counters.h"
#include "load/payload.h"
#include "load/record.h"
#include "load/schedule.h"
#include "load/stats.h"

namespace faaslab::load {

enum class Model { kClosed, kOpen };

// The open model's cap on connections when LoadOptions::connections is 0 (k6 bounds its
// arrival-rate executors by maxVUs the same way): below nginx's default of 768 per worker.
inline constexpr std::uint64_t kOpenModelConnections = 512;
enum class ThinkAt { kBefore, kAfter };

struct LoadOptions {
  // --- What is sent, and where.
  Url url;
  std::string method = "POST";
  std::vector<std::pair<std::string, std::string>> headers;  // extra request headers

  // --- Closed model.
  Model model = Model::kClosed;
  std::uint64_t users = 1;
  Micros ramp_up{0};  // user i (global number) starts at i · ramp_up / users
  Micros think{0};    // mean think time
  ThinkDistribution think_distribution = ThinkDistribution::kConstant;
  ThinkAt think_at = ThinkAt::kBefore;  // the study slept before each request
  std::uint64_t iterations = 1;         // passes over the payloads per user; 0 = until `duration`

  // --- Open model.
  RateProfile rate;  // start rate and stages
  ArrivalProcess arrival = ArrivalProcess::kConstant;
  std::vector<Micros> trace;              // when non-empty: send at these offsets instead of a rate
  std::uint64_t max_outstanding = 10000;  // in flight or waiting for a connection

  // --- Both.
  Micros duration{0};          // stop issuing requests after this (0 = when the workload is done)
  Micros timeout{25'000'000};  // per request, connecting included
  std::uint64_t connections = 0;  // 0: one kept-alive connection per user (closed) / as many
                                  // as needed up to kOpenModelConnections (open); N: at most N,
                                  // shared
  bool new_connection_per_request = false;  // Connection: close on every request
  std::uint64_t max_response_bytes = 256u << 20;
  bool label_per_payload = true;  // false: one label, "request", for every request

  // --- Distribution over processes.
  std::uint64_t shard_index = 0, shard_count = 1;  // --shard i/n: users u with u % n == i,
                                                   // or arrivals k with k % n == i
  std::optional<std::int64_t> start_at_wall_us;    // a shared start instant (wall clock)

  // --- Engine.
  int threads = 0;  // worker threads; 0 = half the cores, at least one
  std::uint64_t seed = 1;

  // --- Outputs (empty = not written).
  std::string records_path;  // raw per-request CSV
  std::string jtl_path;      // JMeter 5 CSV
  std::string save_responses_dir;
  std::string output_video_path;  // the first user's first pass, rebuilt from the responses
  bool progress = false;          // live progress line on stderr

  // Called on a worker thread after every request, with the response body when the request
  // asked for bodies (keep_bodies). Calls from different workers may run concurrently.
  std::function<void(const Record&, const std::string& body)> on_response;
  bool keep_bodies = false;
  // Polled from run_load()'s thread about every 100 ms: once it returns true the run stops as
  // on Ctrl-C (no new requests; those in flight finish; `interrupted` is set). The sweep stops
  // a run whose records can no longer be written.
  std::function<bool()> stop_when;
  // Polled about once a second from the end of the run's first second, with the counts so
  // far: an answer (why) stops the run as stop_when does and is LoadResult::aborted. Used by
  // --abort-on-fail (thresholds.h).
  std::function<std::optional<std::string>(const LiveCounters&)> abort_when;
};

struct LoadResult {
  RunStats stats;
  double seconds = 0;        // wall time from the start instant to the last response
  bool interrupted = false;  // by Ctrl-C or stop_when
  std::string aborted;       // why abort_when stopped the run; empty if it did not
  // Set when every request of the run's first second (or of the whole run, if shorter)
  // failed to connect, which stops the run: what to tell the user.
  std::string nothing_listening;
};

// Checks options for contradictions and impossible values; run_load() calls it too.
Status validate(const LoadOptions& options, const PayloadSet& payloads);

// Runs the workload. Errors (returned) are only those that prevent the run: invalid options,
// a host name that does not resolve, output files that cannot be created, too few file
// descriptors. Everything that goes wrong with a request is recorded, not returned.
Result<LoadResult> run_load(const LoadOptions& options, const PayloadSet& payloads);

}  // namespace faaslab::load
