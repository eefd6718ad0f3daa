#include "experiment/event_rows.h"

#include <optional>

namespace faaslab::experiment {
namespace {

// The runtime marks a value it does not have with -1.
template <class T>
std::optional<T> if_set(T value) {
  return value >= 0 ? std::optional<T>(value) : std::nullopt;
}

}  // namespace

EventRow to_event_row(const runtime::ReplicaEvent& e) {
  return EventRow{.seq = e.seq,
                  .wall_us = e.wall_us,
                  .mono_us = e.mono_us,
                  .function = e.function,
                  .replica = e.replica,
                  .kind = e.kind,
                  .detail = e.detail,
                  .seconds = if_set(e.seconds),
                  .from_replicas = if_set(e.from),
                  .to_replicas = if_set(e.to)};
}

std::vector<EventRow> to_event_rows(const std::vector<runtime::ReplicaEvent>& events) {
  std::vector<EventRow> rows;
  rows.reserve(events.size());
  for (const auto& e : events) rows.push_back(to_event_row(e));
  return rows;
}

}  // namespace faaslab::experiment
