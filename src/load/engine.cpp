// run_load(): the event-driven engine behind load.h. Reading order: shared run state (Run),
// the per-worker connection pool, a closed-model user, an open-model arrival dispatcher, the
// worker that owns them, and run_load() itself.
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/clock.h"
#include "common/env.h"
#include "common/progress.h"
#include "load/http_connection.h"
#include "load/live_counters.h"
#include "load/load.h"
#include "load/record_files.h"
#include "load/response_outputs.h"

namespace faaslab::load {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using TimePoint = SteadyClock::time_point;

namespace {

// The run's monotonic origin, read by every connection's clock. One run at a time (load.h).
std::atomic<std::int64_t> g_origin_mono_us{0};
std::int64_t run_now_us() {
  return mono_us() - g_origin_mono_us.load(std::memory_order_relaxed);
}

volatile sig_atomic_t g_interrupted = 0;
void on_sigint(int) {
  g_interrupted = 1;
  ::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

constexpr std::size_t kRecordChunk = 256 * 1024;  // hand record lines to the files in chunks
// The worker's housekeeping tick: request deadlines are enforced at this granularity (a timeout
// fires up to one tick late); record buffers are handed to the files every kFlushTicks.
constexpr auto kTick = std::chrono::milliseconds(20);
constexpr int kFlushTicks = 10;

// Everything the workers share: read-only during the run, except the atomics and the two
// lock-protected sinks.
struct Run {
  const LoadOptions& options;
  const PayloadSet& payloads;
  std::vector<PreparedRequest> requests;  // one per payload
  std::vector<std::string> labels;
  std::string url_text;
  tcp::endpoint endpoint;
  ConnectionLimits limits;
  TimePoint origin;
  std::int64_t wall_anchor_us = 0;
  RecordFiles* files = nullptr;
  ResponseOutputs* outputs = nullptr;
  LiveCounters live;
  std::atomic<bool> stop{false};
  std::atomic<unsigned> workers_done{0};

  Run(const LoadOptions& o, const PayloadSet& p) : options(o), payloads(p) {}
  std::size_t label_of(std::uint32_t payload) const {
    return options.label_per_payload ? payload : 0;
  }
  std::int64_t wall_of(std::int64_t run_us) const { return wall_anchor_us + run_us; }
  std::int64_t us_of(TimePoint t) const {
    return std::chrono::duration_cast<Micros>(t - origin).count();
  }
  bool past_end(TimePoint t) const {
    return options.duration.count() > 0 && t >= origin + options.duration;
  }
};

class Worker;

// An exchange that may have to wait for a connection from the worker's pool.
class PooledExchange : public Exchange {
 public:
  virtual void on_connection(HttpConnection& c) = 0;
};

// A worker's connections. max == 0: unlimited (a new connection whenever none is idle).
class ConnectionPool {
 public:
  ConnectionPool(asio::io_context& ioc, const Run& run, std::uint64_t max)
      : ioc_(ioc), run_(run), max_(max) {}

  HttpConnection* create() {
    all_.push_back(std::make_unique<HttpConnection>(ioc_, run_.endpoint, run_.limits, &run_now_us));
    return all_.back().get();
  }
  void check_deadlines(std::int64_t now) {
    for (auto& c : all_) c->check_deadline(now);
  }
  // Hands `job` a connection now (via on_connection) or queues it until one is released.
  void acquire(PooledExchange& job) {
    if (!idle_.empty()) {
      HttpConnection* c = idle_.back();
      idle_.pop_back();
      return job.on_connection(*c);
    }
    if (max_ == 0 || all_.size() < max_) return job.on_connection(*create());
    waiting_.push_back(&job);
  }
  void release(HttpConnection& c) {
    if (!waiting_.empty()) {
      PooledExchange* next = waiting_.front();
      waiting_.pop_front();
      return next->on_connection(c);
    }
    idle_.push_back(&c);
  }
  std::uint64_t connects() const {
    std::uint64_t n = 0;
    for (const auto& c : all_) n += c->connects();
    return n;
  }
  void close_all() {
    for (auto& c : all_) c->close();
  }

 private:
  asio::io_context& ioc_;
  const Run& run_;
  std::uint64_t max_;
  std::vector<std::unique_ptr<HttpConnection>> all_;
  std::vector<HttpConnection*> idle_;
  std::deque<PooledExchange*> waiting_;
};

// One closed-model user: think, send the next payload, wait for the answer, repeat.
class User final : public PooledExchange {
 public:
  User(Worker& worker, std::uint64_t id);
  void begin();
  void stop() { timer_.cancel(); }
  void check_deadline(std::int64_t now) {
    if (own_) own_->check_deadline(now);
  }
  void on_connection(HttpConnection& c) override;
  void on_done(HttpConnection& c) override;

 private:
  void next_request(TimePoint ready);
  void send(TimePoint intended);
  template <class F>
  void wait_until(TimePoint t, F then);
  void finished();

  Worker& w_;
  const Run& run_;
  std::uint64_t id_;
  ThinkTime think_;
  asio::steady_timer timer_;
  std::unique_ptr<HttpConnection> own_;  // when connections are not shared
  std::uint64_t sequence_ = 0;
  std::uint32_t payload_ = 0, iteration_ = 0;
  bool done_ = false;
};

// One open-model request in flight (reused from a free list).
class OpenRequest final : public PooledExchange {
 public:
  explicit OpenRequest(Worker& w) : w_(w) {}
  void on_connection(HttpConnection& c) override;
  void on_done(HttpConnection& c) override;

 private:
  Worker& w_;
};

// A worker: one thread, one io_context, its users or its share of the arrivals, its pool, its
// statistics and record buffers.
class Worker {
 public:
  Worker(Run& run, unsigned index, std::uint64_t max_connections, std::uint64_t max_outstanding)
      : run(run),
        index(index),
        stats(run.labels),
        pool(ioc, run, max_connections),
        tick_(ioc),
        dispatch_timer_(ioc),
        max_outstanding_(max_outstanding) {}

  void add_user(std::uint64_t id) { users_.push_back(std::make_unique<User>(*this, id)); }
  void set_arrivals(ArrivalStream stream) { stream_.emplace(std::move(stream)); }

  void run_loop() {
    asio::post(ioc, [this] { begin(); });
    ioc.run();
    flush();
    stats.connections_opened = pool.connects() + own_connects;
    run.workers_done.fetch_add(1);
  }

  bool stopping() const { return stopping_; }

  // A request has ended: count it, record it, hand its body on.
  void complete(Exchange& ex) {
    const Record& r = ex.record;
    const std::size_t label = run.label_of(r.payload);
    stats.add(r, label, run.wall_of(r.intended_us), run.wall_of(r.end_us));
    auto& live = run.live;
    live.done.fetch_add(1, std::memory_order_relaxed);
    if (!r.ok()) live.failed.fetch_add(1, std::memory_order_relaxed);
    if (!r.sent())
      live.dropped.fetch_add(1, std::memory_order_relaxed);
    else
      live.record_latency(r.latency_us());
    if (run.files) {
      RecordContext ctx{run.wall_anchor_us, &run.labels[label], &run.url_text,
                        run.live.active.load(std::memory_order_relaxed)};
      if (run.files->wants_records()) append_record_csv(records_buf_, r, ctx);
      if (run.files->wants_jtl()) append_jtl_line(jtl_buf_, r, ctx);
      if (records_buf_.size() + jtl_buf_.size() > kRecordChunk) flush();
    }
    if (ex.keep_body) {
      if (run.outputs && run.outputs->wants_body(r))
        run.outputs->on_response(r, run.payloads.items[r.payload].label, ex.body, ex.content_type);
      if (run.options.on_response) run.options.on_response(r, ex.body);
      ex.body.clear();
    } else if (run.options.on_response) {
      run.options.on_response(r, ex.body);
    }
  }

  bool wants_body(const Record& r) const {
    return run.options.keep_bodies || (run.outputs && run.outputs->wants_body(r));
  }

  void user_finished() {
    --active_users_;
    run.live.active.fetch_sub(1, std::memory_order_relaxed);
    maybe_finish();
  }
  void request_finished(OpenRequest& r) {
    --outstanding_;
    run.live.active.fetch_sub(1, std::memory_order_relaxed);
    free_requests_.push_back(&r);
    maybe_finish();
  }
  void add_own_connects(std::uint64_t n) { own_connects += n; }

  Run& run;
  unsigned index;
  // One thread runs it; everything else (construction, the run-time reads of atomics) happens
  // before that thread starts or outside Asio, so Asio can skip its locks.
  asio::io_context ioc{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE};
  RunStats stats;
  ConnectionPool pool;

 private:
  void begin() {
    arm_tick();
    active_users_ = users_.size();
    run.live.active.fetch_add(users_.size(), std::memory_order_relaxed);
    for (auto& u : users_) u->begin();
    if (stream_) {
      next_arrival_ = stream_->next();
      arm_dispatch();
    }
    maybe_finish();
  }

  void arm_tick() {
    tick_.expires_after(kTick);
    tick_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || finished_) return;
      const std::int64_t now = run_now_us();
      pool.check_deadlines(now);
      for (auto& u : users_) u->check_deadline(now);
      if (++ticks_ % kFlushTicks == 0) flush();
      if (run.stop.load() && !stopping_) {
        stopping_ = true;
        for (auto& u : users_) u->stop();
        dispatch_timer_.cancel();
      }
      arm_tick();
    });
  }

  // --- Open model: send each arrival of this worker's share at its time.
  void arm_dispatch() {
    if (!next_arrival_ || stopping_) {
      dispatch_done_ = true;
      return;
    }
    dispatch_timer_.expires_at(run.origin + next_arrival_->at);
    dispatch_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || stopping_) {
        dispatch_done_ = true;
        return maybe_finish();
      }
      // Everything due by now goes out in this turn (in order), so a late wake-up does not
      // thin the schedule; its lateness shows in the response times.
      const std::int64_t now = run_now_us();
      for (int batch = 0; next_arrival_ && next_arrival_->at.count() <= now && batch < 4096;
           ++batch) {
        dispatch(*next_arrival_);
        next_arrival_ = stream_->next();
      }
      arm_dispatch();
      maybe_finish();
    });
  }

  void dispatch(const ArrivalStream::Arrival& a) {
    const auto payload = static_cast<std::uint32_t>(a.index % run.payloads.items.size());
    if (outstanding_ >= max_outstanding_) {
      OpenRequest dropped(*this);
      Record& r = dropped.record;
      r.sequence = a.index;
      r.payload = payload;
      r.intended_us = a.at.count();
      r.start_us = r.end_us = run_now_us();
      r.outcome = Outcome::kDropped;
      r.error = "dropped: " + std::to_string(outstanding_) + " requests outstanding (the cap)";
      complete(dropped);
      return;
    }
    OpenRequest* req;
    if (free_requests_.empty()) {
      requests_.push_back(std::make_unique<OpenRequest>(*this));
      req = requests_.back().get();
    } else {
      req = free_requests_.back();
      free_requests_.pop_back();
    }
    ++outstanding_;
    run.live.active.fetch_add(1, std::memory_order_relaxed);
    req->record = Record{};
    req->record.sequence = a.index;
    req->record.payload = payload;
    req->record.intended_us = a.at.count();
    req->request = &run.requests[payload];
    req->keep_body = wants_body(req->record);
    pool.acquire(*req);
  }

  void maybe_finish() {
    if (finished_) return;
    const bool closed_done = active_users_ == 0;
    const bool open_done = !stream_ || (dispatch_done_ && outstanding_ == 0);
    if (!(closed_done && open_done)) return;
    finished_ = true;
    tick_.cancel();
    dispatch_timer_.cancel();
    pool.close_all();
  }

  void flush() {
    if (run.files && (!records_buf_.empty() || !jtl_buf_.empty()))
      run.files->append(records_buf_, jtl_buf_);
  }

  asio::steady_timer tick_;
  asio::steady_timer dispatch_timer_;
  std::vector<std::unique_ptr<User>> users_;
  std::optional<ArrivalStream> stream_;
  std::optional<ArrivalStream::Arrival> next_arrival_;
  std::vector<std::unique_ptr<OpenRequest>> requests_;
  std::vector<OpenRequest*> free_requests_;
  std::uint64_t active_users_ = 0, outstanding_ = 0, max_outstanding_;
  std::uint64_t own_connects = 0;
  bool dispatch_done_ = false, stopping_ = false, finished_ = false;
  std::uint64_t ticks_ = 0;
  std::string records_buf_, jtl_buf_;
};

// --- User.

User::User(Worker& worker, std::uint64_t id)
    : w_(worker),
      run_(worker.run),
      id_(id),
      think_(run_.options.think, run_.options.think_distribution,
             run_.options.seed ^ (0x9E3779B97F4A7C15ull * (id + 1))),
      timer_(worker.ioc) {}

void User::begin() {
  const auto& o = run_.options;
  const auto offset = Micros(o.users > 0 ? o.ramp_up.count() * static_cast<std::int64_t>(id_) /
                                               static_cast<std::int64_t>(o.users)
                                         : 0);
  const TimePoint start = run_.origin + offset;
  wait_until(start, [this, start] { next_request(start); });
}

template <class F>
void User::wait_until(TimePoint t, F then) {
  timer_.expires_at(t);
  timer_.async_wait([this, then](const boost::system::error_code& ec) {
    if (ec || w_.stopping()) return finished();
    then();
  });
}

void User::next_request(TimePoint ready) {
  const auto& o = run_.options;
  if (w_.stopping() || (o.iterations > 0 && iteration_ >= o.iterations)) return finished();
  if (o.think_at == ThinkAt::kBefore && o.think.count() > 0) {
    const TimePoint when = ready + think_.next();
    if (run_.past_end(when)) return finished();
    return wait_until(when, [this, when] { send(when); });
  }
  if (run_.past_end(ready)) return finished();
  send(ready);
}

void User::send(TimePoint intended) {
  record = Record{};
  record.user = id_;
  record.sequence = sequence_++;
  record.payload = payload_;
  record.iteration = iteration_;
  // The think timer's due time, not when its handler ran: a late event loop shows as latency.
  record.intended_us = run_.us_of(intended);
  request = &run_.requests[payload_];
  keep_body = w_.wants_body(record);
  if (run_.options.connections > 0) return w_.pool.acquire(*this);
  if (!own_)
    own_ = std::make_unique<HttpConnection>(w_.ioc, run_.endpoint, run_.limits, &run_now_us);
  on_connection(*own_);
}

void User::on_connection(HttpConnection& c) {
  record.start_us = run_now_us();
  c.start(*this);
}

void User::on_done(HttpConnection& c) {
  w_.complete(*this);
  if (run_.options.connections > 0) w_.pool.release(c);
  if (++payload_ == run_.payloads.items.size()) {
    payload_ = 0;
    ++iteration_;
  }
  const auto& o = run_.options;
  // Think from the instant the response was complete (the record's end), not from now.
  const TimePoint now = run_.origin + Micros(record.end_us);
  if (o.think_at == ThinkAt::kAfter && o.think.count() > 0 &&
      !(o.iterations > 0 && iteration_ >= o.iterations)) {
    const TimePoint when = now + think_.next();
    if (run_.past_end(when)) return finished();
    return wait_until(when, [this, when] { next_request(when); });
  }
  next_request(now);
}

void User::finished() {
  if (done_) return;
  done_ = true;
  if (own_) {
    w_.add_own_connects(own_->connects());
    own_->close();
  }
  w_.user_finished();
}

void OpenRequest::on_connection(HttpConnection& c) {
  record.start_us = run_now_us();
  c.start(*this);
}

void OpenRequest::on_done(HttpConnection& c) {
  w_.complete(*this);
  w_.pool.release(c);
  w_.request_finished(*this);
}

// --- Set-up helpers.

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

std::uint64_t raise_open_file_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return 1024;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
  }
  return lim.rlim_cur == RLIM_INFINITY ? ~std::uint64_t{0}
                                       : static_cast<std::uint64_t>(lim.rlim_cur);
}

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
  const std::uint64_t cores =
      static_cast<std::uint64_t>(o.threads > 0 ? o.threads : available_cores());
  std::uint64_t workers = std::max<std::uint64_t>(1, cores);
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
  g_origin_mono_us.store(std::chrono::duration_cast<Micros>(run.origin.time_since_epoch()).count());

  std::vector<std::unique_ptr<Worker>> pool;
  for (std::uint64_t w = 0; w < workers; ++w) {
    const std::uint64_t conns = o.connections ? share(o.connections, workers, w) : 0;
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
  while (run.workers_done.load() < workers) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (g_interrupted && !run.stop.load()) run.stop = true;
    if (o.progress) {
      std::string extra = "failed " + std::to_string(run.live.failed.load()) + "  p50 " +
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
  result.interrupted = run.stop.load();
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
