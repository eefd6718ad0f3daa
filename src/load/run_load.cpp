// run_load() and its set-up: resolve the target, prepare the requests, share the users or the
// arrivals among workers, start them on their threads, show progress, merge their results.
// The workers themselves are in worker.h.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "common/clock.h"
#include "common/env.h"
#include "common/open_file_limit.h"
#include "common/progress.h"
#include "load/load.h"
#include "load/worker.h"

namespace faaslab::load {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using detail::Run;
using detail::Worker;

namespace {

volatile sig_atomic_t g_interrupted = 0;
void on_sigint(int) {
  g_interrupted = 1;
  ::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

Result<tcp::endpoint> resolve(const Url& url) {
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  boost::system::error_code ec;
  auto results = resolver.resolve(url.host, std::to_string(url.port), ec);
  if (ec || results.empty())
    return make_error("cannot resolve '" + url.host + "': " + ec.message(), Errc::kUnavailable);
  for (const auto& r : results)
    if (r.endpoint().address().is_v4()) return r.endpoint();
  return results.begin()->endpoint();
}

PreparedRequest prepare_request(const LoadOptions& o, const Payload& p) {
  std::string head = o.method + " " + o.url.target + " HTTP/1.1\r\nHost: " + o.url.host;
  if (o.url.port != 80) head += ":" + std::to_string(o.url.port);
  head += "\r\nUser-Agent: faaslab-load\r\n";
  if (!p.content_type.empty()) head += "Content-Type: " + p.content_type + "\r\n";
  head += "Content-Length: " + std::to_string(p.body->size()) + "\r\n";
  if (o.new_connection_per_request) head += "Connection: close\r\n";
  for (const auto& [k, v] : o.headers) head += k + ": " + v + "\r\n";
  head += "\r\n";
  return {std::move(head), p.body};
}

std::uint64_t share(std::uint64_t total, std::uint64_t parts, std::uint64_t i) {
  return total / parts + (i < total % parts ? 1 : 0);
}

nlohmann::json run_info(const LoadOptions& o, const PayloadSet& p, unsigned workers) {
  nlohmann::json j = {
      {"url", o.url.to_string()},
      {"payloads", p.description},
      {"shard", std::to_string(o.shard_index) + "/" + std::to_string(o.shard_count)},
      {"threads", workers},
      {"timeout_s", to_seconds(o.timeout)},
      {"duration_s", to_seconds(o.duration)}};
  if (o.model == Model::kClosed) {
    j["model"] = "closed";
    j["users"] = o.users;
    j["ramp_up_s"] = to_seconds(o.ramp_up);
    j["think_s"] = to_seconds(o.think);
    j["think_distribution"] = o.think_distribution == ThinkDistribution::kConstant ? "constant"
                              : o.think_distribution == ThinkDistribution::kExponential
                                  ? "exponential"
                                  : "uniform";
    j["think_at"] = o.think_at == ThinkAt::kBefore ? "before" : "after";
    j["iterations"] = o.iterations;
  } else {
    j["model"] = "open";
    if (!o.trace.empty()) {
      j["trace_requests"] = o.trace.size();
    } else {
      j["rate_rps"] = o.rate.start_rps;
      j["arrival"] = o.arrival == ArrivalProcess::kPoisson ? "poisson" : "constant";
      nlohmann::json stages = nlohmann::json::array();
      for (const auto& s : o.rate.stages)
        stages.push_back({{"duration_s", to_seconds(s.duration)}, {"target_rps", s.target_rps}});
      if (!stages.empty()) j["stages"] = std::move(stages);
    }
    j["max_outstanding"] = o.max_outstanding;
  }
  j["connections"] = o.connections;
  return j;
}

std::string format_ms(std::int64_t us) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1fms", static_cast<double>(us) / 1000.0);
  return b;
}

}  // namespace

Status validate(const LoadOptions& o, const PayloadSet& p) {
  if (p.items.empty()) return make_error("nothing to send: no payloads");
  if (o.shard_count == 0 || o.shard_index >= o.shard_count)
    return make_error("--shard i/n needs 0 <= i < n");
  if (o.timeout.count() <= 0) return make_error("--timeout must be positive");
  if (o.model == Model::kClosed) {
    if (o.users == 0) return make_error("--users must be at least 1");
    if (o.iterations == 0 && o.duration.count() == 0)
      return make_error("closed model: give --iterations, --once or --duration (or it never ends)");
    if (o.shard_index >= o.users) return make_error("--shard: this shard has no users");
  } else {
    if (o.trace.empty()) {
      const bool any_rate =
          o.rate.start_rps > 0 || std::any_of(o.rate.stages.begin(), o.rate.stages.end(),
                                              [](const RateStage& s) { return s.target_rps > 0; });
      if (!any_rate) return make_error("open model: the rate is 0 throughout");
      if (o.duration.count() == 0 && o.rate.stages.empty())
        return make_error("open model: give --duration (or --stages/--steps, or --trace)");
    }
    if (o.max_outstanding == 0) return make_error("--max-outstanding must be at least 1");
  }
  return Ok{};
}

Result<LoadResult> run_load(const LoadOptions& o, const PayloadSet& payloads) {
  if (auto st = validate(o, payloads); !st) return st.error_value();
  auto endpoint = resolve(o.url);
  if (!endpoint) return endpoint.error_value();

  Run run(o, payloads);
  run.endpoint = *endpoint;
  run.url_text = o.url.to_string();
  run.limits.timeout = o.timeout;
  run.limits.max_response_bytes = o.max_response_bytes;
  for (const auto& p : payloads.items) run.requests.push_back(prepare_request(o, p));
  if (o.label_per_payload)
    for (const auto& p : payloads.items) run.labels.push_back(p.label);
  else
    run.labels.push_back("request");

  // Who does what: users of this shard, or this shard's share of the arrivals.
  std::vector<std::uint64_t> my_users;
  if (o.model == Model::kClosed)
    for (std::uint64_t u = o.shard_index; u < o.users; u += o.shard_count) my_users.push_back(u);
  // Default: half the cores. One event-loop thread drives ~100,000 requests/s, more than any
  // function here serves; the other half is left to the server, which is on this machine in
  // every embedded run and in most benchmarks. One thread per core made three busy threads
  // share two cores against a loopback nginx and cost a quarter of the rate.
  const std::uint64_t wanted = o.threads > 0 ? static_cast<std::uint64_t>(o.threads)
                                             : static_cast<std::uint64_t>(available_cores()) / 2;
  std::uint64_t workers = std::max<std::uint64_t>(1, wanted);
  if (o.model == Model::kClosed) workers = std::min<std::uint64_t>(workers, my_users.size());
  if (o.connections > 0) workers = std::min(workers, o.connections);

  // File descriptors: one per connection, plus files and slack.
  const std::uint64_t fd_limit = raise_open_file_limit();
  std::uint64_t sockets = o.connections;
  if (sockets == 0) sockets = o.model == Model::kClosed ? my_users.size() : o.max_outstanding;
  if (sockets + 64 > fd_limit)
    return make_error("this run needs up to " + std::to_string(sockets + 64) +
                          " open files but the limit is " + std::to_string(fd_limit) +
                          " (raise `ulimit -n`, or cap --connections / --max-outstanding)",
                      Errc::kUnavailable);

  std::unique_ptr<RecordFiles> files;
  if (!o.records_path.empty() || !o.jtl_path.empty()) {
    auto f = RecordFiles::open(o.records_path, o.jtl_path);
    if (!f) return f.error_value();
    files = std::move(*f);
    run.files = files.get();
  }
  std::unique_ptr<ResponseOutputs> outputs;
  if (!o.save_responses_dir.empty() || !o.output_video_path.empty()) {
    outputs = std::make_unique<ResponseOutputs>(o.save_responses_dir, o.output_video_path, payloads,
                                                my_users.empty() ? 0 : my_users.front());
    if (auto st = outputs->prepare(); !st) return st.error_value();
    run.outputs = outputs.get();
  }

  // The start instant: a shared wall-clock time, or just after the set-up.
  const auto steady_now = SteadyClock::now();
  const std::int64_t wall_now = wall_us();
  if (o.start_at_wall_us) {
    const std::int64_t ahead = *o.start_at_wall_us - wall_now;
    if (ahead < -500'000) return make_error("--start-at is in the past");
    if (ahead > 24LL * 3600 * 1'000'000) return make_error("--start-at is more than a day away");
    run.origin = steady_now + Micros(ahead);
  } else {
    run.origin = steady_now + std::chrono::milliseconds(20);
  }
  run.wall_anchor_us =
      wall_now + std::chrono::duration_cast<Micros>(run.origin - steady_now).count();
  detail::set_run_origin(run.origin);
  if (files) files->set_context(run.wall_anchor_us, &run.labels, &run.url_text);

  std::vector<std::unique_ptr<Worker>> pool;
  for (std::uint64_t w = 0; w < workers; ++w) {
    // The open model's default cap: a client that falls behind its schedule (a burst, a slow
    // machine) found no idle connection for any request it sent late and dialed one each:
    // 98,000 connections in 5 s at 60,000 requests/s, past nginx's 768, and 62% failed. Past
    // the cap requests wait for a connection, and the wait is in their response times.
    const std::uint64_t cap = o.connections > 0         ? o.connections
                              : o.model == Model::kOpen ? kOpenModelConnections
                                                        : 0;
    const std::uint64_t conns = cap ? std::max<std::uint64_t>(1, share(cap, workers, w)) : 0;
    pool.push_back(
        std::make_unique<Worker>(run, static_cast<unsigned>(w), conns,
                                 std::max<std::uint64_t>(1, share(o.max_outstanding, workers, w))));
  }
  std::uint64_t expected = 0;
  if (o.model == Model::kClosed) {
    for (std::size_t i = 0; i < my_users.size(); ++i) pool[i % workers]->add_user(my_users[i]);
    if (o.iterations > 0 && o.duration.count() == 0)
      expected = my_users.size() * payloads.items.size() * o.iterations;
  } else {
    const Micros end = o.duration.count() > 0 ? o.duration
                       : o.trace.empty()      ? o.rate.total_duration()
                                              : Micros{0};
    for (std::uint64_t w = 0; w < workers; ++w) {
      ArrivalStream s = o.trace.empty() ? ArrivalStream(o.rate, o.arrival, end, o.seed)
                                        : ArrivalStream(&o.trace, end);
      s.take_share(o.shard_count, o.shard_index);
      s.take_share(workers, w);
      pool[w]->set_arrivals(std::move(s));
    }
    if (!o.trace.empty()) {
      for (std::size_t k = o.shard_index; k < o.trace.size(); k += o.shard_count)
        if (end.count() == 0 || o.trace[k] < end) ++expected;
    }
  }
  nlohmann::json info = run_info(o, payloads, static_cast<unsigned>(workers));

  g_interrupted = 0;
  struct sigaction action {
  }, previous{};
  action.sa_handler = on_sigint;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, &previous);

  std::vector<std::thread> threads;
  for (auto& w : pool) threads.emplace_back([&w] { w->run_loop(); });

  ProgressLine progress(expected, "requests", o.progress);
  std::string aborted, nothing_listening;
  const auto nothing_listening_now = [&]() -> std::string {
    const auto done = run.live.done.load();
    if (done == 0 || run.live.connect_failed.load() != done) return {};
    return "nothing is listening at " + o.url.host + ":" + std::to_string(o.url.port) +
           ": every one of the first " + std::to_string(done) + " requests failed to connect (" +
           run.first_connect_error() + ")";
  };
  bool checked_first_second = false;
  auto next_abort_check = run.origin + std::chrono::seconds(1);
  while (run.workers_done.load() < workers) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if ((g_interrupted || (o.stop_when && o.stop_when())) && !run.stop.load()) run.stop = true;
    const auto now = SteadyClock::now();
    if (!checked_first_second && now >= run.origin + std::chrono::seconds(1)) {
      checked_first_second = true;
      nothing_listening = nothing_listening_now();
      if (!nothing_listening.empty()) run.stop = true;
    }
    if (o.abort_when && aborted.empty() && now >= next_abort_check) {
      next_abort_check = now + std::chrono::seconds(1);
      if (auto why = o.abort_when(run.live)) {
        aborted = *why;
        run.stop = true;
      }
    }
    if (o.progress) {
      std::string extra = "(sent " + std::to_string(run.live.sent.load()) + ")  failed " +
                          std::to_string(run.live.failed.load()) + "  p50 " +
                          format_ms(run.live.percentile(0.5)) + "  p99 " +
                          format_ms(run.live.percentile(0.99));
      if (run.live.dropped.load()) extra += "  dropped " + std::to_string(run.live.dropped.load());
      if (o.duration.count() > 0 && expected == 0) {
        const double left = to_seconds(o.duration) -
                            std::chrono::duration<double>(SteadyClock::now() - run.origin).count();
        char b[32];
        std::snprintf(b, sizeof b, "  %.0fs left", std::max(0.0, left));
        extra += b;
      }
      progress.update(run.live.done.load(), extra);
    }
  }
  for (auto& t : threads) t.join();
  progress.finish();
  ::sigaction(SIGINT, &previous, nullptr);

  LoadResult result;
  result.stats = RunStats(run.labels);
  for (auto& w : pool) result.stats.merge(w->stats);
  result.stats.run_info = std::move(info);
  if (!checked_first_second) nothing_listening = nothing_listening_now();
  result.aborted = aborted;
  result.nothing_listening = nothing_listening;
  result.interrupted = run.stop.load() && aborted.empty() && nothing_listening.empty();
  result.stats.run_info["interrupted"] = result.interrupted;
  result.seconds = std::chrono::duration<double>(SteadyClock::now() - run.origin).count();
  if (files) {
    if (auto st = files->close(); !st) return st.error_value();
  }
  if (outputs) {
    auto done = outputs->finish();
    if (!done) return done.error_value();
    result.stats.run_info["responses"] = *done;
  }
  return result;
}

}  // namespace faaslab::load
