// The load engine's moving parts, shared by run_load() (run_load.cpp) and their
// implementation (worker.cpp): the run's shared state, a worker's connection pool, a
// closed-model user, an open-model request, and the worker that owns them. Internal to
// src/load; the public face is load.h.
//
// Threading: each Worker and everything it owns (pool, users, requests, connections) lives on
// the worker's one thread; Run is read-only during the run except its atomics and the two
// lock-protected sinks (RecordFiles, ResponseOutputs).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/clock.h"
#include "common/mutex.h"
#include "load/http_connection.h"
#include "load/live_counters.h"
#include "load/load.h"
#include "load/record_files.h"
#include "load/response_outputs.h"

namespace faaslab::load::detail {

using TimePoint = SteadyClock::time_point;

// The run's clock: monotonic µs since the run's start instant. One run at a time (load.h).
void set_run_origin(TimePoint origin);
std::int64_t run_now_us();

constexpr std::size_t kRecordChunk = 1024;  // hand records to the files this many at a time
// The worker's housekeeping tick: request deadlines are enforced at this granularity (a timeout
// fires up to one tick late); record buffers are handed to the files every kFlushTicks.
constexpr auto kTick = std::chrono::milliseconds(20);
constexpr int kFlushTicks = 10;
// The open model's dispatch wakes are at least this far apart (Worker::arm_dispatch): at most
// 10,000 wakes/s per worker; arrivals due closer together than this are sent together.
constexpr auto kDispatchQuantum = std::chrono::microseconds(100);

// Everything the workers share: read-only during the run, except the atomics and the two
// lock-protected sinks.
struct Run {
  const LoadOptions& options;
  const PayloadSet& payloads;
  std::vector<PreparedRequest> requests;  // one per payload
  std::vector<std::string> labels;
  std::string url_text;
  boost::asio::ip::tcp::endpoint endpoint;
  ConnectionLimits limits;
  TimePoint origin;
  std::int64_t wall_anchor_us = 0;
  RecordFiles* files = nullptr;
  ResponseOutputs* outputs = nullptr;
  LiveCounters live;
  std::atomic<bool> stop{false};
  std::atomic<unsigned> workers_done{0};

  Run(const LoadOptions& o, const PayloadSet& p) : options(o), payloads(p) {}
  // The first connect failure's message, for run_load's "nothing is listening".
  void note_connect_error(const std::string& error) {
    MutexLock lock(mu_);
    if (first_connect_error_.empty()) first_connect_error_ = error;
  }
  std::string first_connect_error() const {
    MutexLock lock(mu_);
    return first_connect_error_;
  }
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

 private:
  mutable Mutex mu_;
  std::string first_connect_error_ GUARDED_BY(mu_);
};

class Worker;
class OpenRequest;

// An exchange that may have to wait for a connection from the worker's pool.
class PooledExchange : public Exchange {
 public:
  virtual void on_connection(HttpConnection& c) = 0;
};

// A worker's connections. max == 0: unlimited (a new connection whenever none is idle).
//
// A request that finds no idle connection waits for the first one to come free: one released
// by a request that has ended, or one the pool dials for it, whichever is first (as Go's
// net/http pool does). At most kMaxDials dials are in flight per worker. Binding a request to
// its own new connection instead made an open-model run at a high rate open connections faster
// than the server accepts them (a cold pool at 50,000 requests/s against nginx: 249,000
// connections, nginx's limit overrun, 98% failures).
class ConnectionPool {
 public:
  static constexpr std::size_t kMaxDials = 16;

  ConnectionPool(boost::asio::io_context& ioc, const Run& run, std::uint64_t max)
      : ioc_(ioc), run_(run), max_(max) {}

  void check_deadlines(std::int64_t now) {
    for (auto& c : all_) c->check_deadline(now);
  }
  // Hands `job` a connection now (via on_connection) or queues it until one comes free.
  void acquire(PooledExchange& job) {
    if (!idle_.empty()) {
      HttpConnection* c = idle_.back();
      idle_.pop_back();
      return job.on_connection(*c);
    }
    waiting_.push_back(&job);
    dial();
  }
  // A connection has come free (its request ended, or a dial finished): the longest-waiting
  // request takes it, or it is kept idle. A failed dial's closed connection is handed on too:
  // the request connects again itself and records what happens.
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
  HttpConnection* create() {
    all_.push_back(std::make_unique<HttpConnection>(ioc_, run_.endpoint, run_.limits, &run_now_us));
    return all_.back().get();
  }
  // Dials while requests wait for more connections than are being dialed, within the caps.
  void dial() {
    while (dialing_ < kMaxDials && waiting_.size() > dialing_ &&
           (max_ == 0 || all_.size() < max_)) {
      HttpConnection* c = create();
      ++dialing_;
      c->open([this, c](const boost::system::error_code&) {
        --dialing_;
        release(*c);
        dial();  // requests may still be waiting beyond what is being dialed
      });
    }
  }

  boost::asio::io_context& ioc_;
  const Run& run_;
  std::uint64_t max_;
  std::vector<std::unique_ptr<HttpConnection>> all_;
  std::vector<HttpConnection*> idle_;
  std::deque<PooledExchange*> waiting_;
  std::size_t dialing_ = 0;
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
  boost::asio::steady_timer timer_;
  std::unique_ptr<HttpConnection> own_;  // when connections are not shared
  std::uint64_t sequence_ = 0;
  std::uint32_t payload_ = 0, iteration_ = 0;
  unsigned refused_in_a_row_ = 0;  // requests that failed to connect, for the back-off
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
  Worker(Run& run, unsigned index, std::uint64_t max_connections, std::uint64_t max_outstanding);

  void add_user(std::uint64_t id);
  void set_arrivals(ArrivalStream stream);
  // Runs the event loop until this worker's share of the workload is done (on its thread).
  void run_loop();

  bool stopping() const { return stopping_; }
  // A request has ended: count it, record it, hand its body on.
  void complete(Exchange& ex);
  bool wants_body(const Record& r) const;
  void user_finished();
  void request_finished(OpenRequest& r);
  void add_own_connects(std::uint64_t n) { own_connects_ += n; }

  Run& run;
  unsigned index;
  // One thread runs it; everything else (construction, the run-time reads of atomics) happens
  // before that thread starts or outside Asio, so Asio can skip its locks.
  boost::asio::io_context ioc{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE};
  RunStats stats;
  ConnectionPool pool;

 private:
  void begin();
  void arm_tick();
  void arm_dispatch();  // open model: send each arrival of this worker's share at its time
  void dispatch(const ArrivalStream::Arrival& a);
  void maybe_finish();
  void flush();

  boost::asio::steady_timer tick_;
  boost::asio::steady_timer dispatch_timer_;
  TimePoint last_wake_{};  // of the dispatch timer
  std::vector<std::unique_ptr<User>> users_;
  std::optional<ArrivalStream> stream_;
  std::optional<ArrivalStream::Arrival> next_arrival_;
  std::vector<std::unique_ptr<OpenRequest>> requests_;
  std::vector<OpenRequest*> free_requests_;
  std::uint64_t active_users_ = 0, outstanding_ = 0, max_outstanding_;
  std::uint64_t own_connects_ = 0;
  bool dispatch_done_ = false, stopping_ = false, finished_ = false;
  std::uint64_t ticks_ = 0;
  std::vector<PendingRecord> pending_;  // for the record files
};

}  // namespace faaslab::load::detail
