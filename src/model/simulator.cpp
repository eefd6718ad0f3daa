#include "model/simulator.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>

#include "model/rng.h"

namespace faaslab::model {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
constexpr double kTick = 0.05;     // the runtime's autoscaler period
constexpr int kRateBuckets = 200;  // 10 s of ticks for the rps load

enum class Ev : std::uint8_t {
  kThinkEnd,
  kArrival,
  kDelayEnd,
  kTimeout,
  kQueueTimeout,
  kReplicaReady,
  kTick
};
enum class Stage : std::uint8_t {
  kDelay,
  kGatewayQueue,
  kOverhead,
  kReplicaQueue,
  kHandler,
  kGone
};
enum Outcome : std::uint8_t { kOk = 0, kTimedOut = 1, kRejected = 2 };

struct Event {
  double t;
  std::uint64_t seq;
  std::uint32_t a, b;
  Ev type;
};
struct EventLater {
  bool operator()(const Event& x, const Event& y) const {
    return x.t > y.t || (x.t == y.t && x.seq > y.seq);
  }
};

// A processor-sharing job: finishes when its pool's virtual clock reaches `finish`.
struct PsJob {
  double finish;
  std::uint32_t req, gen;  // req == kNone: background work nobody waits for
  std::uint32_t token;     // the request's ps_token when placed (a moved job leaves a dead copy)
};
struct PsLater {
  bool operator()(const PsJob& x, const PsJob& y) const { return x.finish > y.finish; }
};

struct Request {
  double intended = 0, start = 0;
  double overhead_work = 0, handler_work = 0, background_work = 0;
  std::uint64_t record = UINT64_MAX;  // index in records, or not measured
  std::uint32_t user = kNone;
  std::uint32_t gen = 0;
  std::int32_t replica = -1;
  std::uint32_t ps_pool = 0, ps_token = 0;  // where its work runs (CoreScheduling::kPerCore)
  Stage stage = Stage::kGone;
  bool client_done = false, free = true;
};

struct QueueEntry {
  std::uint32_t req, gen;
};

enum class ReplicaState : std::uint8_t { kStarting, kReady, kDraining, kStopped };
struct Replica {
  ReplicaState state = ReplicaState::kStopped;
  std::uint32_t gen = 0;
  int inflight = 0, busy = 0, queued = 0;
  std::deque<QueueEntry> queue;
};

// Cores sharing work: one pool of all of them (CoreScheduling::kShared, or unlimited cores),
// or a pool per core (kPerCore). Within a pool every job progresses at the same rate, so a
// virtual clock (work done per job) and a heap of finish times in it make an event O(log n).
struct PsPool {
  std::vector<PsJob> heap;
  double vclock = 0;
  std::int64_t live = 0;
  double cores = 0;  // 0 = unlimited

  double share() const {
    if (cores <= 0 || static_cast<double>(live) <= cores) return 1.0;
    return cores / static_cast<double>(live);
  }
};

class Simulation {
 public:
  Simulation(const Workload& w, const System& s, std::uint64_t seed, const SimulationLimits& l)
      : w_(w), s_(s), l_(l), rng_(seed) {
    cores_ = s.cores > 0 ? static_cast<double>(s.cores) : 0;
    if (s.cores > 1 && s.core_scheduling == CoreScheduling::kPerCore) {
      pools_.resize(static_cast<std::size_t>(s.cores));
      for (auto& p : pools_) p.cores = 1;
    } else {
      pools_.resize(1);
      pools_[0].cores = cores_;
    }
    slots_ = s.concurrency;
    steady_ = !w.finite();
    if (steady_) {
      const std::uint64_t per_user = w.closed() ? 5 * w.users : 0;
      warmup_ = l.warmup_requests > 0
                    ? l.warmup_requests
                    : std::max<std::uint64_t>({l.measured_requests / 5, per_user, 100});
      to_issue_ = warmup_ + l.measured_requests;
    } else {
      warmup_ = 0;
      to_issue_ = UINT64_MAX;
    }
    overhead_cpu_ = std::max(0.0, s.overhead_cpu);
  }

  SimulationResult run() {
    start_replicas();
    if (w_.closed()) {
      users_issued_.assign(w_.users, 0);
      users_active_ = w_.users;
      for (std::uint32_t u = 0; u < w_.users; ++u) {
        const double start = w_.users > 1 ? w_.ramp_up_s * u / static_cast<double>(w_.users) : 0;
        const double send = start + think();
        if (w_.duration_s > 0 && send >= w_.duration_s) {
          --users_active_;
          continue;
        }
        push(send, Ev::kThinkEnd, u, 0);
      }
    } else {
      schedule_first_arrival();
    }
    if (s_.autoscaling.enabled || s_.autoscaling.zero_after_s > 0) push(kTick, Ev::kTick, 0, 0);
    loop();
    return finish();
  }

 private:
  // ---- event list
  void push(double t, Ev type, std::uint32_t a, std::uint32_t b) {
    heap_.push_back(Event{t, seq_++, a, b, type});
    std::push_heap(heap_.begin(), heap_.end(), EventLater{});
  }

  void loop() {
    while (!done()) {
      if (events_ >= l_.max_events) {
        truncated_ = true;
        return;
      }
      double t_ps = kInf;
      std::size_t next_pool = 0;
      for (std::size_t i = 0; i < pools_.size(); ++i) {
        PsPool& p = pools_[i];
        clean_ps_top(p);
        if (p.heap.empty()) continue;
        const double t = now_ + (p.heap.front().finish - p.vclock) / p.share();
        if (t < t_ps) t_ps = t, next_pool = i;
      }
      const double t_ev = heap_.empty() ? kInf : heap_.front().t;
      if (t_ps == kInf && t_ev == kInf) return;  // nothing left to happen
      ++events_;
      if (t_ps <= t_ev) {
        advance(t_ps);
        PsPool& p = pools_[next_pool];
        const PsJob job = p.heap.front();
        std::pop_heap(p.heap.begin(), p.heap.end(), PsLater{});
        p.heap.pop_back();
        p.vclock = std::max(p.vclock, job.finish);
        --p.live;
        ps_done(job);
        balance_pools();
      } else {
        advance(t_ev);
        const Event e = heap_.front();
        std::pop_heap(heap_.begin(), heap_.end(), EventLater{});
        heap_.pop_back();
        handle(e);
      }
    }
  }

  bool done() const {
    if (records_open_ > 0) return false;
    if (steady_) return issued_ >= to_issue_;
    return w_.closed() ? users_active_ == 0 : arrivals_done_;
  }

  void advance(double t) {
    const double dt = t - now_;
    if (dt > 0) {
      double busy_cores = 0;
      for (auto& p : pools_) {
        p.vclock += dt * p.share();
        busy_cores += std::min(static_cast<double>(p.live), p.cores);
      }
      if (measuring_) {
        busy_integral_ += dt * (cores_ > 0 ? busy_cores : static_cast<double>(busy_total_));
        queue_integral_ += dt * static_cast<double>(queued_total_);
        service_integral_ += dt * static_cast<double>(in_service_);
        measured_time_ += dt;
      }
      now_ = t;
    }
  }

  void clean_ps_top(PsPool& p) {
    while (!p.heap.empty() && !ps_live(p.heap.front())) {
      std::pop_heap(p.heap.begin(), p.heap.end(), PsLater{});
      p.heap.pop_back();
    }
  }
  bool ps_live(const PsJob& j) const {
    if (j.req == kNone) return true;
    const Request& r = reqs_[j.req];
    return !r.free && r.gen == j.gen && r.ps_token == j.token &&
           (r.stage == Stage::kOverhead || r.stage == Stage::kHandler);
  }
  void ps_push(std::uint32_t pool, std::uint32_t req, double work) {
    PsPool& p = pools_[pool];
    std::uint32_t token = 0;
    if (req != kNone) {
      Request& r = reqs_[req];
      r.ps_pool = pool;
      token = ++r.ps_token;
    }
    p.heap.push_back(PsJob{p.vclock + work, req, req == kNone ? 0 : reqs_[req].gen, token});
    std::push_heap(p.heap.begin(), p.heap.end(), PsLater{});
    ++p.live;
  }
  // New work goes to the core with the fewest pieces (the lowest-numbered among equals).
  void ps_start(std::uint32_t req, double work) {
    std::uint32_t best = 0;
    for (std::uint32_t i = 1; i < pools_.size(); ++i)
      if (pools_[i].live < pools_[best].live) best = i;
    ps_push(best, req, work);
  }
  // A request's work left the cores early (a cancelled timeout); balance once it is released.
  void ps_cancel(const Request& r) { --pools_[r.ps_pool].live; }
  // Idle balancing: while two cores are two or more pieces apart, move a request's work (with
  // what is left of it) from the busiest to the idlest. Background work stays where it is.
  void balance_pools() {
    if (pools_.size() < 2) return;
    for (int moves = 0; moves < 64; ++moves) {
      std::size_t hi = 0, lo = 0;
      for (std::size_t i = 1; i < pools_.size(); ++i) {
        if (pools_[i].live > pools_[hi].live) hi = i;
        if (pools_[i].live < pools_[lo].live) lo = i;
      }
      if (pools_[hi].live - pools_[lo].live < 2) return;
      PsPool& from = pools_[hi];
      // The most recently placed live request job (the heap's tail holds the newest leaves).
      std::size_t k = from.heap.size();
      while (k > 0 && (from.heap[k - 1].req == kNone || !ps_live(from.heap[k - 1]))) --k;
      if (k == 0) return;
      const PsJob job = from.heap[k - 1];
      // Its old entry stays in the heap, dead (the token changes), and is dropped when on top.
      const double left = std::max(0.0, job.finish - from.vclock);
      --from.live;
      ps_push(static_cast<std::uint32_t>(lo), job.req, left);
    }
  }

  // ---- samples
  double think() {
    const double z = w_.think_s;
    if (z <= 0) return 0;
    if (w_.think_dist == "constant") return z;
    if (w_.think_dist == "uniform") return 2 * z * rng_.uniform();
    return rng_.exponential(z);
  }

  // ---- requests
  std::uint32_t new_request(double t, std::uint32_t user) {
    std::uint32_t id;
    if (!free_.empty()) {
      id = free_.back();
      free_.pop_back();
    } else {
      id = static_cast<std::uint32_t>(reqs_.size());
      reqs_.emplace_back();
    }
    Request& r = reqs_[id];
    r.free = false;
    r.client_done = false;
    r.intended = r.start = t;
    r.user = user;
    r.replica = -1;
    double handler = s_.service.sample(rng_);
    if (s_.idle_penalty_s > 0 && in_system_ == 0 && t - idle_since_ >= s_.idle_gap_s)
      handler += s_.idle_penalty_s;
    ++in_system_;
    const double overhead =
        s_.overhead.empirical() || s_.overhead.mean() > 0 ? s_.overhead.sample(rng_) : 0;
    const double cpu = std::min(1.0, overhead_cpu_);
    r.handler_work = handler;
    r.overhead_work = overhead * cpu;
    r.background_work = overhead * std::max(0.0, overhead_cpu_ - 1.0);
    const double delay = overhead * (1.0 - cpu);
    const std::uint64_t seq = issued_++;
    if (!steady_ || (seq >= warmup_ && seq < to_issue_)) {
      r.record = records_.size();
      records_.push_back(SimRecord{t, t, kOk, user == kNone ? 0 : user});
      ++records_open_;
      if (steady_ && !measuring_) measuring_ = true;
    } else {
      r.record = UINT64_MAX;
    }
    if (!steady_) measuring_ = true;
    if (s_.timeout_s > 0) push(t + s_.timeout_s, Ev::kTimeout, id, r.gen);
    if (delay > 0) {
      r.stage = Stage::kDelay;
      push(t + delay, Ev::kDelayEnd, id, r.gen);
    } else {
      arrive(id);
    }
    return id;
  }

  // The client sees the request end (response, timeout or 429).
  void client_end(std::uint32_t id, Outcome outcome) {
    Request& r = reqs_[id];
    if (r.client_done) return;
    r.client_done = true;
    if (r.record != UINT64_MAX) {
      records_[r.record].end = now_;
      records_[r.record].outcome = outcome;
      --records_open_;
    }
    if (r.user != kNone) user_next(r.user);
  }

  void release(std::uint32_t id) {
    Request& r = reqs_[id];
    if (--in_system_ == 0) idle_since_ = now_;
    r.stage = Stage::kGone;
    r.free = true;
    ++r.gen;
    free_.push_back(id);
  }

  void user_next(std::uint32_t u) {
    auto& n = users_issued_[u];
    if (w_.requests_per_user > 0 && n >= w_.requests_per_user) {
      --users_active_;
      return;
    }
    if (steady_ && issued_ >= to_issue_) {
      --users_active_;
      return;
    }
    const double send = now_ + s_.client_s + think();
    if (w_.duration_s > 0 && send >= w_.duration_s) {  // a time-boxed closed run has ended
      --users_active_;
      return;
    }
    push(send, Ev::kThinkEnd, u, 0);
  }

  // ---- open arrivals
  void schedule_first_arrival() {
    if (w_.arrival == "trace") {
      if (w_.trace.empty()) {
        arrivals_done_ = true;
        return;
      }
      push(w_.trace[0], Ev::kArrival, 0, 0);
      return;
    }
    const double first = w_.arrival == "constant" ? 0 : rng_.exponential(1.0 / w_.rate);
    if (w_.duration_s > 0 && first >= w_.duration_s) {
      arrivals_done_ = true;
      return;
    }
    push(first, Ev::kArrival, 0, 0);
  }

  void on_arrival(std::uint32_t index) {
    new_request(now_, kNone);
    if (steady_ && issued_ >= to_issue_) {
      arrivals_done_ = true;
      return;
    }
    double next;
    if (w_.arrival == "trace") {
      if (index + 1 >= w_.trace.size()) {
        arrivals_done_ = true;
        return;
      }
      next = w_.trace[index + 1];
    } else if (w_.arrival == "constant") {
      next = static_cast<double>(index + 1) / w_.rate;
    } else {
      next = now_ + rng_.exponential(1.0 / w_.rate);
    }
    if (w_.duration_s > 0 && next >= w_.duration_s) {
      arrivals_done_ = true;
      return;
    }
    push(next, Ev::kArrival, index + 1, 0);
  }

  // ---- the gateway
  void arrive(std::uint32_t id) {
    ++arrivals_in_tick_;
    last_request_ = now_;
    if (active_replicas() == 0) scale_from_zero();
    route(id);
  }

  void route(std::uint32_t id) {
    Request& r = reqs_[id];
    if (ready_.empty() || (s_.routing == Routing::kFifo && !fifo_pick())) {
      gateway_enqueue(id);
      return;
    }
    int replica = -1;
    switch (s_.routing) {
      case Routing::kFifo:
        replica = *fifo_pick();
        break;
      case Routing::kRandom:
        replica = ready_[rng_.below(static_cast<std::uint32_t>(ready_.size()))];
        break;
      case Routing::kRoundRobin:
        replica = ready_[rr_next_++ % ready_.size()];
        break;
      case Routing::kLeastInflight: {
        int best = std::numeric_limits<int>::max(), ties = 0;
        for (int c : ready_) {
          const int n = replicas_[static_cast<std::size_t>(c)].inflight;
          if (n < best)
            best = n, replica = c, ties = 1;
          else if (n == best && rng_.below(static_cast<std::uint32_t>(++ties)) == 0)
            replica = c;
        }
        break;
      }
    }
    (void)r;
    dispatch(id, replica);
  }

  std::optional<int> fifo_pick() const {
    for (int c : ready_) {
      if (slots_ <= 0 || replicas_[static_cast<std::size_t>(c)].inflight < slots_) return c;
    }
    return std::nullopt;
  }

  void gateway_enqueue(std::uint32_t id) {
    if (s_.queue_limit > 0 && gateway_queued_ >= s_.queue_limit) {
      reject(id);
      return;
    }
    Request& r = reqs_[id];
    r.stage = Stage::kGatewayQueue;
    gateway_queue_.push_back(QueueEntry{id, r.gen});
    ++gateway_queued_;
    ++queued_total_;
    if (s_.queue_timeout_s > 0) push(now_ + s_.queue_timeout_s, Ev::kQueueTimeout, id, r.gen);
  }

  // The gateway gives up on a request that waited too long in its queue (504).
  void on_queue_timeout(std::uint32_t id, std::uint32_t gen) {
    if (!entry_live(QueueEntry{id, gen}, Stage::kGatewayQueue)) return;
    --gateway_queued_;
    --queued_total_;
    client_end(id, kTimedOut);
    release(id);
  }

  void reject(std::uint32_t id) {
    ++rejected_;
    client_end(id, kRejected);
    release(id);
  }

  void dispatch(std::uint32_t id, int replica) {
    Replica& rep = replicas_[static_cast<std::size_t>(replica)];
    if (s_.max_inflight > 0 && rep.inflight >= s_.max_inflight) {
      reject(id);
      return;
    }
    Request& r = reqs_[id];
    r.replica = replica;
    ++rep.inflight;
    ++in_service_;
    if (r.background_work > 0) ps_start(kNone, r.background_work);
    if (r.overhead_work > 0) {
      r.stage = Stage::kOverhead;
      ps_start(id, r.overhead_work);
    } else {
      to_handler(id);
    }
  }

  void to_handler(std::uint32_t id) {
    Request& r = reqs_[id];
    Replica& rep = replicas_[static_cast<std::size_t>(r.replica)];
    if (s_.routing == Routing::kFifo || slots_ <= 0 || rep.busy < slots_) {
      ++rep.busy;
      ++busy_total_;
      r.stage = Stage::kHandler;
      ps_start(id, r.handler_work);
    } else {
      --in_service_;
      r.stage = Stage::kReplicaQueue;
      rep.queue.push_back(QueueEntry{id, r.gen});
      ++rep.queued;
      ++queued_total_;
    }
  }

  bool entry_live(const QueueEntry& e, Stage stage) const {
    const Request& r = reqs_[e.req];
    return !r.free && r.gen == e.gen && r.stage == stage;
  }

  // A replica slot or a ready replica became free: start what waits.
  void pull(int replica) {
    Replica& rep = replicas_[static_cast<std::size_t>(replica)];
    while (!rep.queue.empty() && (slots_ <= 0 || rep.busy < slots_)) {
      const QueueEntry e = rep.queue.front();
      rep.queue.pop_front();
      if (!entry_live(e, Stage::kReplicaQueue)) continue;
      --rep.queued;
      --queued_total_;
      ++in_service_;
      ++rep.busy;
      ++busy_total_;
      reqs_[e.req].stage = Stage::kHandler;
      ps_start(e.req, reqs_[e.req].handler_work);
    }
    drain_gateway();
  }

  void drain_gateway() {
    while (!gateway_queue_.empty() && !ready_.empty()) {
      const QueueEntry e = gateway_queue_.front();
      if (!entry_live(e, Stage::kGatewayQueue)) {
        gateway_queue_.pop_front();
        continue;
      }
      if (s_.routing == Routing::kFifo && !fifo_pick()) return;
      gateway_queue_.pop_front();
      --gateway_queued_;
      --queued_total_;
      route(e.req);
    }
  }

  void ps_done(const PsJob& job) {
    if (job.req == kNone) return;
    const std::uint32_t id = job.req;
    Request& r = reqs_[id];
    if (r.stage == Stage::kOverhead) {
      to_handler(id);
      return;
    }
    // Handler finished: the response goes back to the client.
    const int replica = r.replica;
    Replica& rep = replicas_[static_cast<std::size_t>(replica)];
    --rep.busy;
    --busy_total_;
    --rep.inflight;
    --in_service_;
    client_end(id, kOk);
    release(id);
    after_leave(replica);
  }

  void after_leave(int replica) {
    Replica& rep = replicas_[static_cast<std::size_t>(replica)];
    if (rep.state == ReplicaState::kDraining && rep.inflight == 0) {
      rep.state = ReplicaState::kStopped;
      return;
    }
    pull(replica);
  }

  void on_timeout(std::uint32_t id, std::uint32_t gen) {
    Request& r = reqs_[id];
    if (r.free || r.gen != gen || r.client_done) return;
    client_end(id, kTimedOut);
    if (!s_.cancel_on_timeout) return;  // an orphan: it keeps its place and its work
    const int replica = r.replica;
    switch (r.stage) {
      case Stage::kDelay:
        break;
      case Stage::kGatewayQueue:
        --gateway_queued_;
        --queued_total_;
        break;
      case Stage::kOverhead:
        ps_cancel(r);
        --in_service_;
        --replicas_[static_cast<std::size_t>(replica)].inflight;
        break;
      case Stage::kReplicaQueue: {
        auto& rep = replicas_[static_cast<std::size_t>(replica)];
        --rep.queued;
        --queued_total_;
        --rep.inflight;
        break;
      }
      case Stage::kHandler: {
        auto& rep = replicas_[static_cast<std::size_t>(replica)];
        ps_cancel(r);
        --in_service_;
        --rep.busy;
        --busy_total_;
        --rep.inflight;
        break;
      }
      case Stage::kGone:
        return;
    }
    const bool had_replica = r.stage == Stage::kOverhead || r.stage == Stage::kReplicaQueue ||
                             r.stage == Stage::kHandler;
    release(id);
    balance_pools();
    if (had_replica) after_leave(replica);
  }

  // ---- replicas, cold starts, scaling
  int active_replicas() const {
    int n = 0;
    for (const auto& r : replicas_)
      n += r.state == ReplicaState::kReady || r.state == ReplicaState::kStarting;
    return n;
  }

  void start_replicas() {
    const int ready =
        s_.initial_replicas < 0 ? s_.replicas : std::min(s_.initial_replicas, s_.replicas);
    if (s_.initial_replicas == 0) return;  // scale from zero on the first request
    for (int i = 0; i < s_.replicas; ++i) {
      if (i < ready) {
        replicas_.emplace_back();
        replicas_.back().state = ReplicaState::kReady;
      } else {
        start_one();
      }
    }
    rebuild_ready();
  }

  void start_one() {
    // Reuse a stopped replica's slot so ids stay small.
    std::size_t id = replicas_.size();
    for (std::size_t i = 0; i < replicas_.size(); ++i) {
      if (replicas_[i].state == ReplicaState::kStopped && replicas_[i].inflight == 0 &&
          replicas_[i].queued == 0) {
        id = i;
        break;
      }
    }
    if (id == replicas_.size()) replicas_.emplace_back();
    Replica& r = replicas_[id];
    r.state = ReplicaState::kStarting;
    ++r.gen;
    r.queue.clear();
    const double cold =
        s_.cold_start.mean() > 0 || s_.cold_start.empirical() ? s_.cold_start.sample(rng_) : 0;
    push(now_ + cold, Ev::kReplicaReady, static_cast<std::uint32_t>(id), r.gen);
  }

  void on_ready(std::uint32_t id, std::uint32_t gen) {
    Replica& r = replicas_[id];
    if (r.gen != gen || r.state != ReplicaState::kStarting) return;
    r.state = ReplicaState::kReady;
    rebuild_ready();
    drain_gateway();
  }

  void rebuild_ready() {
    ready_.clear();
    for (std::size_t i = 0; i < replicas_.size(); ++i)
      if (replicas_[i].state == ReplicaState::kReady) ready_.push_back(static_cast<int>(i));
  }

  void scale_from_zero() {
    const int n = s_.autoscaling.enabled ? std::max(1, s_.autoscaling.min_replicas)
                                         : std::max(1, s_.replicas);
    for (int i = 0; i < n; ++i) start_one();
  }

  void on_tick() {
    const auto& a = s_.autoscaling;
    rate_buckets_[tick_index_ % kRateBuckets] = arrivals_in_tick_;
    arrivals_in_tick_ = 0;
    ++tick_index_;
    const int active = active_replicas();
    int inflight_total = 0;
    for (const auto& r : replicas_) inflight_total += r.inflight;
    const bool idle = inflight_total == 0 && gateway_queued_ == 0;
    if (a.zero_after_s > 0 && active > 0 && idle && now_ - last_request_ >= a.zero_after_s) {
      stop_replicas(active);
    } else if (a.enabled && active > 0) {
      double load;
      if (a.type == "capacity") {
        load = inflight_total + gateway_queued_;
      } else {
        std::uint64_t sum = 0;
        for (auto c : rate_buckets_) sum += c;
        load = static_cast<double>(sum) / (kRateBuckets * kTick);
      }
      int desired = static_cast<int>(std::ceil(load / (a.target * a.proportion) - 1e-9));
      desired = std::clamp(desired, std::max(1, a.min_replicas), std::max(1, a.max_replicas));
      recommendations_.push_back({now_, desired});
      while (!recommendations_.empty() && recommendations_.front().first < now_ - a.down_window_s)
        recommendations_.pop_front();
      int keep = 0;
      for (const auto& [t, d] : recommendations_) keep = std::max(keep, d);
      if (desired > active) {
        for (int i = active; i < desired; ++i) start_one();
      } else if (keep < active) {
        stop_replicas(active - keep);
      }
    }
    if (!done()) push(now_ + kTick, Ev::kTick, 0, 0);
  }

  // Stops n replicas: those still starting first, then the least busy, each after its
  // requests in flight finish.
  void stop_replicas(int n) {
    for (auto& r : replicas_) {
      if (n == 0) break;
      if (r.state == ReplicaState::kStarting) r.state = ReplicaState::kStopped, ++r.gen, --n;
    }
    while (n > 0) {
      int best = -1;
      for (std::size_t i = 0; i < replicas_.size(); ++i) {
        if (replicas_[i].state != ReplicaState::kReady) continue;
        if (best < 0 || replicas_[i].inflight < replicas_[static_cast<std::size_t>(best)].inflight)
          best = static_cast<int>(i);
      }
      if (best < 0) break;
      auto& r = replicas_[static_cast<std::size_t>(best)];
      r.state = r.inflight == 0 ? ReplicaState::kStopped : ReplicaState::kDraining;
      --n;
    }
    rebuild_ready();
  }

  // ---- dispatch of events
  void handle(const Event& e) {
    switch (e.type) {
      case Ev::kThinkEnd:
        ++users_issued_[e.a];
        new_request(now_, e.a);
        break;
      case Ev::kArrival:
        on_arrival(e.a);
        break;
      case Ev::kDelayEnd: {
        Request& r = reqs_[e.a];
        if (r.free || r.gen != e.b || r.stage != Stage::kDelay) break;
        if (r.client_done && s_.cancel_on_timeout) break;
        arrive(e.a);
        break;
      }
      case Ev::kTimeout:
        on_timeout(e.a, e.b);
        break;
      case Ev::kQueueTimeout:
        on_queue_timeout(e.a, e.b);
        break;
      case Ev::kReplicaReady:
        on_ready(e.a, e.b);
        break;
      case Ev::kTick:
        on_tick();
        break;
    }
  }

  SimulationResult finish() {
    SimulationResult out;
    if (!steady_ && w_.warmup_requests > 0 && records_.size() > w_.warmup_requests) {
      // The measurement leaves out the first requests by intended start.
      std::stable_sort(
          records_.begin(), records_.end(),
          [](const SimRecord& a, const SimRecord& b) { return a.intended < b.intended; });
      records_.erase(records_.begin(), records_.begin() + static_cast<long>(w_.warmup_requests));
    }
    out.summary = summarise_records(records_);
    std::uint64_t to = 0, rj = 0;
    for (const auto& r : records_) to += r.outcome == kTimedOut, rj += r.outcome == kRejected;
    out.timeouts = to;
    out.rejected = rj;
    if (measured_time_ > 0) {
      const double capacity =
          cores_ > 0 ? cores_ : (slots_ > 0 ? static_cast<double>(slots_) * s_.replicas : 0);
      out.utilization = capacity > 0 ? busy_integral_ / measured_time_ / capacity : 0;
      out.mean_queue = queue_integral_ / measured_time_;
      out.mean_in_service = service_integral_ / measured_time_;
    }
    out.events = events_;
    out.simulated_s = now_;
    out.truncated = truncated_;
    if (l_.keep_records) out.records = std::move(records_);
    return out;
  }

  const Workload& w_;
  const System& s_;
  const SimulationLimits& l_;
  Rng rng_;
  double cores_ = 0;
  int slots_ = 0;
  double overhead_cpu_ = 0;
  bool steady_ = false;
  std::uint64_t warmup_ = 0, to_issue_ = 0, issued_ = 0;
  // Requests issued and not yet released, and when that count last fell to 0 (idle_penalty_s).
  std::int64_t in_system_ = 0;
  double idle_since_ = -1e300;

  double now_ = 0;
  std::uint64_t seq_ = 0, events_ = 0;
  bool truncated_ = false;
  std::vector<Event> heap_;
  std::vector<PsPool> pools_;

  std::vector<Request> reqs_;
  std::vector<std::uint32_t> free_;
  std::vector<SimRecord> records_;
  std::uint64_t records_open_ = 0;

  std::vector<std::uint64_t> users_issued_;
  std::uint64_t users_active_ = 0;
  bool arrivals_done_ = false;

  std::vector<Replica> replicas_;
  std::vector<int> ready_;
  std::size_t rr_next_ = 0;
  std::deque<QueueEntry> gateway_queue_;
  int gateway_queued_ = 0;
  std::int64_t queued_total_ = 0, in_service_ = 0, busy_total_ = 0;
  std::uint64_t rejected_ = 0;

  std::uint64_t arrivals_in_tick_ = 0, tick_index_ = 0;
  std::uint64_t rate_buckets_[kRateBuckets] = {};
  std::deque<std::pair<double, int>> recommendations_;
  double last_request_ = 0;

  bool measuring_ = false;
  double busy_integral_ = 0, queue_integral_ = 0, service_integral_ = 0, measured_time_ = 0;
};

}  // namespace

SummaryRow summarise_records(const std::vector<SimRecord>& records) {
  SummaryRow s;
  s.count = records.size();
  if (records.empty()) return s;
  std::vector<double> times;
  times.reserve(records.size());
  std::uint64_t ok = 0;
  double first = kInf, last = -kInf;
  for (const auto& r : records) {
    ok += r.outcome == kOk;
    first = std::min(first, r.intended);
    last = std::max(last, r.end);
    times.push_back(r.end - r.intended);
  }
  const double n = static_cast<double>(times.size());
  s.success_rate = static_cast<double>(ok) / n;
  s.throughput_rps = last > first ? n / (last - first) : 0;
  set_response_times(s, std::move(times));  // the mean summed in record order
  return s;
}

SimulationResult simulate(const Workload& w, const System& s, std::uint64_t seed,
                          const SimulationLimits& limits) {
  Simulation sim(w, s, seed, limits);
  return sim.run();
}

}  // namespace faaslab::model
