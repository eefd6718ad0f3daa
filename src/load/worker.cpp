#include "load/worker.h"

#include <boost/asio/post.hpp>

namespace faaslab::load::detail {

namespace asio = boost::asio;

namespace {
std::atomic<std::int64_t> g_origin_mono_us{0};
}  // namespace

void set_run_origin(TimePoint origin) {
  g_origin_mono_us.store(std::chrono::duration_cast<Micros>(origin.time_since_epoch()).count());
}

std::int64_t run_now_us() {
  return mono_us() - g_origin_mono_us.load(std::memory_order_relaxed);
}

// --- Worker.

Worker::Worker(Run& run, unsigned index, std::uint64_t max_connections,
               std::uint64_t max_outstanding)
    : run(run),
      index(index),
      stats(run.labels),
      pool(ioc, run, max_connections),
      tick_(ioc),
      dispatch_timer_(ioc),
      max_outstanding_(max_outstanding) {}

void Worker::add_user(std::uint64_t id) {
  users_.push_back(std::make_unique<User>(*this, id));
}

void Worker::set_arrivals(ArrivalStream stream) {
  stream_.emplace(std::move(stream));
}

void Worker::run_loop() {
  asio::post(ioc, [this] { begin(); });
  ioc.run();
  flush();
  stats.connections_opened = pool.connects() + own_connects_;
  run.workers_done.fetch_add(1);
}

void Worker::complete(Exchange& ex) {
  const Record& r = ex.record;
  const std::size_t label = run.label_of(r.payload);
  stats.add(r, label, run.wall_of(r.intended_us), run.wall_of(r.end_us));
  auto& live = run.live;
  live.done.fetch_add(1, std::memory_order_relaxed);
  if (!r.ok()) live.failed.fetch_add(1, std::memory_order_relaxed);
  if (r.outcome == Outcome::kConnect) {
    if (live.connect_failed.fetch_add(1, std::memory_order_relaxed) == 0)
      run.note_connect_error(r.error);
  } else if (r.outcome == Outcome::kTimeout) {
    live.timeouts.fetch_add(1, std::memory_order_relaxed);
  }
  if (!r.sent())
    live.dropped.fetch_add(1, std::memory_order_relaxed);
  else
    live.record_latency(r.latency_us());
  if (run.files) {
    pending_.push_back(
        {r, static_cast<std::uint32_t>(label), run.live.active.load(std::memory_order_relaxed)});
    if (pending_.size() >= kRecordChunk) flush();
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

bool Worker::wants_body(const Record& r) const {
  return run.options.keep_bodies || (run.outputs && run.outputs->wants_body(r));
}

void Worker::user_finished() {
  --active_users_;
  run.live.active.fetch_sub(1, std::memory_order_relaxed);
  maybe_finish();
}

void Worker::request_finished(OpenRequest& r) {
  --outstanding_;
  run.live.active.fetch_sub(1, std::memory_order_relaxed);
  free_requests_.push_back(&r);
  maybe_finish();
}

void Worker::begin() {
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

void Worker::arm_tick() {
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

void Worker::arm_dispatch() {
  if (!next_arrival_ || stopping_) {
    dispatch_done_ = true;
    return;
  }
  // Wakes are at least kDispatchQuantum apart: a timer costs two timerfd_settime calls (when
  // armed, and when Asio re-arms after it fires), each a few µs on a virtual machine, and at
  // 50,000 arrivals/s one wake per arrival took 28% of the worker's time. Arrivals closer
  // together than the quantum go out in one wake, up to a quantum late; response times count
  // from the intended times, so that lateness is measured, not hidden.
  dispatch_timer_.expires_at(
      std::max(run.origin + next_arrival_->at, last_wake_ + kDispatchQuantum));
  dispatch_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) {
      dispatch_done_ = true;
      return maybe_finish();
    }
    last_wake_ = SteadyClock::now();
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

void Worker::dispatch(const ArrivalStream::Arrival& a) {
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

void Worker::maybe_finish() {
  if (finished_) return;
  const bool closed_done = active_users_ == 0;
  const bool open_done = !stream_ || (dispatch_done_ && outstanding_ == 0);
  if (!(closed_done && open_done)) return;
  finished_ = true;
  tick_.cancel();
  dispatch_timer_.cancel();
  pool.close_all();
}

void Worker::flush() {
  if (run.files && !pending_.empty()) run.files->append(pending_);
}

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
  w_.run.live.sent.fetch_add(1, std::memory_order_relaxed);
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
  // A user that cannot connect backs off, 10 ms doubling to 1 s, rather than spin: with no
  // think time, a port where nothing listens was 120,000 refusals a second per core. The wait
  // is in no record (the next request's intended time is after it).
  if (record.outcome == Outcome::kConnect) {
    const auto backoff = std::min<std::chrono::milliseconds>(
        std::chrono::milliseconds(1000),
        std::chrono::milliseconds(10 << std::min(refused_in_a_row_++, 7u)));
    const TimePoint when = now + backoff;
    if (run_.past_end(when) || (o.iterations > 0 && iteration_ >= o.iterations)) return finished();
    return wait_until(when, [this, when] { next_request(when); });
  }
  refused_in_a_row_ = 0;
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
  w_.run.live.sent.fetch_add(1, std::memory_order_relaxed);
  c.start(*this);
}

void OpenRequest::on_done(HttpConnection& c) {
  w_.complete(*this);
  w_.pool.release(c);
  w_.request_finished(*this);
}

}  // namespace faaslab::load::detail
