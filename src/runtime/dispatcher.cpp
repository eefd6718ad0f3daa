#include "runtime/dispatcher.h"

#include <algorithm>

namespace faaslab::runtime {

Dispatcher::Dispatcher(DispatchOptions options, std::uint64_t seed)
    : options_(options), rng_(seed) {}

void Dispatcher::add_replica(ReplicaId id, int group) {
  replicas_[id].group = group;
}

void Dispatcher::retire_replica(ReplicaId id) {
  if (auto it = replicas_.find(id); it != replicas_.end()) it->second.retired = true;
}

void Dispatcher::remove_replica(ReplicaId id) {
  replicas_.erase(id);
}

bool Dispatcher::set_broken(ReplicaId id, bool broken) {
  auto it = replicas_.find(id);
  if (it == replicas_.end() || it->second.broken == broken) return false;
  it->second.broken = broken;
  return true;
}

bool Dispatcher::broken(ReplicaId id) const {
  auto it = replicas_.find(id);
  return it != replicas_.end() && it->second.broken;
}

int Dispatcher::inflight(ReplicaId id) const {
  auto it = replicas_.find(id);
  return it == replicas_.end() ? 0 : it->second.inflight;
}

int Dispatcher::inflight() const {
  int total = 0;
  for (const auto& [_, slot] : replicas_) total += slot.inflight;
  return total;
}

int Dispatcher::routable() const {
  return static_cast<int>(std::count_if(replicas_.begin(), replicas_.end(), [](const auto& kv) {
    return !kv.second.retired && !kv.second.broken;
  }));
}

int Dispatcher::inflight_in(int group) const {
  int total = 0;
  for (const auto& [_, slot] : replicas_)
    if (slot.group == group) total += slot.inflight;
  return total;
}

int Dispatcher::routable_in(int group) const {
  return static_cast<int>(
      std::count_if(replicas_.begin(), replicas_.end(), [group](const auto& kv) {
        return kv.second.group == group && !kv.second.retired && !kv.second.broken;
      }));
}

int Dispatcher::waiting_for(int group) const {
  return static_cast<int>(std::count_if(queue_.begin(), queue_.end(), [group](const auto& r) {
    return r->group == group || r->group == PendingRequest::kAnyGroup;
  }));
}

bool Dispatcher::may_take(const Slot& slot) const {
  if (slot.retired || slot.broken) return false;
  return options_.routing != Routing::kFifo || slot.inflight < options_.concurrency;
}

std::optional<ReplicaId> Dispatcher::pick(int group) {
  std::vector<ReplicaId> candidates;
  for (const auto& [id, slot] : replicas_) {
    if (may_take(slot) && (group == PendingRequest::kAnyGroup || slot.group == group))
      candidates.push_back(id);
  }
  if (candidates.empty()) return std::nullopt;
  auto any_of = [this](const std::vector<ReplicaId>& ids) {
    return ids[std::uniform_int_distribution<std::size_t>(0, ids.size() - 1)(rng_)];
  };
  switch (options_.routing) {
    case Routing::kRandom:
      return any_of(candidates);
    case Routing::kRoundRobin:
      return candidates[round_robin_++ % candidates.size()];
    case Routing::kLeastInflight:
    case Routing::kFifo: {
      // Fewest in flight; ties broken at random so no replica is favoured.
      int least = replicas_.at(candidates.front()).inflight;
      for (ReplicaId id : candidates) least = std::min(least, replicas_.at(id).inflight);
      std::vector<ReplicaId> best;
      for (ReplicaId id : candidates) {
        if (replicas_.at(id).inflight == least) best.push_back(id);
      }
      return any_of(best);
    }
  }
  return std::nullopt;
}

std::optional<Dispatcher::Assignment> Dispatcher::route(std::shared_ptr<PendingRequest> request) {
  if (options_.routing == Routing::kFifo) return std::nullopt;
  // Those already waiting for the same replicas go first.
  for (const auto& waiting : queue_) {
    if (waiting->group == request->group || waiting->group == PendingRequest::kAnyGroup ||
        request->group == PendingRequest::kAnyGroup)
      return std::nullopt;
  }
  auto id = pick(request->group);
  if (!id) return std::nullopt;
  replicas_[*id].inflight++;
  return Assignment{std::move(request), *id};
}

bool Dispatcher::enqueue(std::shared_ptr<PendingRequest> request) {
  if (queue_.size() >= options_.queue_limit) return false;
  queue_.push_back(std::move(request));
  return true;
}

std::vector<Dispatcher::Assignment> Dispatcher::assign_waiting() {
  std::vector<Assignment> out;
  std::vector<int> full;  // groups found with no free replica in this pass
  for (auto it = queue_.begin(); it != queue_.end();) {
    const int group = (*it)->group;
    if (std::find(full.begin(), full.end(), group) != full.end() ||
        (group != PendingRequest::kAnyGroup &&
         std::find(full.begin(), full.end(), PendingRequest::kAnyGroup) != full.end())) {
      ++it;
      continue;
    }
    auto id = pick(group);
    if (!id) {
      // Nothing free for this group: the requests behind it for the same group keep their
      // order behind it; an any-group request that found nothing means every replica is busy.
      full.push_back(group);
      if (group == PendingRequest::kAnyGroup) break;
      ++it;
      continue;
    }
    replicas_[*id].inflight++;
    out.push_back({std::move(*it), *id});
    it = queue_.erase(it);
  }
  return out;
}

bool Dispatcher::finish(const Assignment& a, bool refused_unprocessed, bool may_retry) {
  if (auto it = replicas_.find(a.replica); it != replicas_.end() && it->second.inflight > 0) {
    it->second.inflight--;
  }
  if (!refused_unprocessed || !may_retry || a.request->attempts >= options_.max_refusals) {
    return false;
  }
  a.request->attempts++;
  a.request->cold = true;  // it now waits for a replica (often one that starts)
  queue_.push_front(a.request);
  return true;
}

std::vector<std::shared_ptr<PendingRequest>> Dispatcher::expire(SteadyClock::time_point now) {
  std::vector<std::shared_ptr<PendingRequest>> out;
  // Oldest first by arrival; a requeued retry at the front may be older than the rest.
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (now - (*it)->received >= options_.timeout) {
      out.push_back(std::move(*it));
      it = queue_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

std::vector<std::shared_ptr<PendingRequest>> Dispatcher::take_waiting() {
  std::vector<std::shared_ptr<PendingRequest>> out(std::make_move_iterator(queue_.begin()),
                                                   std::make_move_iterator(queue_.end()));
  queue_.clear();
  return out;
}

}  // namespace faaslab::runtime
