// Which replica of one function serves each request, and the requests that wait for one: the
// routing policies (random as Kubernetes' Service spreads, round-robin, least-inflight, and a
// central FIFO queue with a per-replica concurrency), the wait queue with its limit and its
// timeout, the retry of a request a replica refused without processing it, and replicas taken
// out of rotation while broken.
//
// No I/O and no clock of its own: the caller passes the current time and does the sending.
// Not thread-safe: the function pool calls it under its lock. Requests are shared_ptrs of the
// caller's type derived from PendingRequest; the dispatcher never looks past the base.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <vector>

#include "common/clock.h"
#include "common/units.h"
#include "runtime/scaling.h"

namespace faaslab::runtime {

using ReplicaId = int;

// What the dispatcher knows of a request; the pool's request type derives from it.
struct PendingRequest {
  explicit PendingRequest(SteadyClock::time_point received_at) : received(received_at) {}
  virtual ~PendingRequest() = default;
  SteadyClock::time_point received;  // when its header arrived: timeouts count from here
  bool cold = false;                 // it waited for a replica to start
  int attempts = 0;                  // replicas that refused it without processing it
  int group = kAnyGroup;             // only replicas of this group may take it (placement)
  static constexpr int kAnyGroup = -1;
};

struct DispatchOptions {
  Routing routing = Routing::kRandom;
  int concurrency = 1;             // fifo: requests one replica takes at once
  std::size_t queue_limit = 1024;  // requests that may wait; one more is refused (429)
  int max_refusals = 3;  // a request refused this many times fails instead of waiting again
  Micros timeout = std::chrono::seconds(60);  // from `received`: a waiting request expires (504)
};

class Dispatcher {
 public:
  // `seed` drives random routing and tie breaks (seeded in tests, random_device in use).
  Dispatcher(DispatchOptions options, std::uint64_t seed);

  // New routing, concurrency or limits (a redeploy): requests waiting and in flight are kept.
  void set_options(const DispatchOptions& options) { options_ = options; }
  const DispatchOptions& options() const { return options_; }

  struct Assignment {
    std::shared_ptr<PendingRequest> request;
    ReplicaId replica;
  };

  // ---- replicas ----
  // Ready: takes requests from now on. `group` (an edge or cloud tier, placement.h): requests
  // asking for a group go only to its replicas; requests for any group go to every replica.
  void add_replica(ReplicaId id, int group = 0);
  void retire_replica(ReplicaId id);  // stopping: takes no new ones; those in flight finish
  void remove_replica(ReplicaId id);  // gone (its in-flight requests were finished first)
  // A replica that refused or reset a connection leaves the rotation until set_broken(false).
  // Returns true if this changed its state.
  bool set_broken(ReplicaId id, bool broken);
  bool broken(ReplicaId id) const;
  int inflight(ReplicaId id) const;
  int inflight() const;  // over all replicas
  int routable() const;  // replicas that may take requests (ready, not retired, not broken)
  // The same, for one group's replicas, and the requests waiting for that group.
  int inflight_in(int group) const;
  int routable_in(int group) const;
  int waiting_for(int group) const;

  // ---- requests ----
  // Straight to a replica, when the policy routes at once (not fifo), nobody waits for the
  // request's group and one of its replicas is routable; else nullopt and the caller queues it
  // or refuses it.
  std::optional<Assignment> route(std::shared_ptr<PendingRequest> request);
  // Adds a request to the back of the wait queue; false if the queue is full.
  bool enqueue(std::shared_ptr<PendingRequest> request);
  // Hands waiting requests, oldest first, to replicas that may take them (a request whose group
  // has no free replica does not hold back those behind it for another group).
  std::vector<Assignment> assign_waiting();
  // The replica answered, failed or refused the request. A refusal without processing is
  // retried (the request goes back to the front of the queue, marked cold) while it has been
  // refused fewer than max_refusals times and `may_retry`; returns true if it was requeued.
  bool finish(const Assignment& assignment, bool refused_unprocessed, bool may_retry);
  // Waiting requests older than the timeout, removed from the queue (the caller answers 504).
  std::vector<std::shared_ptr<PendingRequest>> expire(SteadyClock::time_point now);
  // Every waiting request, removed (to fail them all).
  std::vector<std::shared_ptr<PendingRequest>> take_waiting();
  std::size_t waiting() const { return queue_.size(); }

 private:
  struct Slot {
    int inflight = 0;
    bool retired = false;
    bool broken = false;
    int group = 0;
  };
  std::optional<ReplicaId> pick(int group);
  bool may_take(const Slot& slot) const;

  DispatchOptions options_;
  std::map<ReplicaId, Slot> replicas_;  // ordered: round-robin and ties are deterministic
  std::deque<std::shared_ptr<PendingRequest>> queue_;
  std::uint64_t round_robin_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace faaslab::runtime
