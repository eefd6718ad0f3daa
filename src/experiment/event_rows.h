// The runtime's replica events (runtime::ReplicaEvent, runtime/events.h) as rows of the
// results database's events table (EventRow, docs/results-db.md). The conversion is the
// experiment part's, which owns the rows; the runtime knows nothing of the database.
// Pure functions.
#pragma once

#include <vector>

#include "experiment/results_db.h"
#include "runtime/events.h"

namespace faaslab::experiment {

// The runtime's "not set" values (-1 seconds, -1 replicas) become NULLs.
EventRow to_event_row(const runtime::ReplicaEvent& event);
std::vector<EventRow> to_event_rows(const std::vector<runtime::ReplicaEvent>& events);

}  // namespace faaslab::experiment
