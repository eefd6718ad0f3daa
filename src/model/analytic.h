// The formulas applied to a System: how a deployment maps onto queueing stations, which
// formula is exact for it, and the prediction they give (means exactly where the method is
// exact; percentiles from the arrival theorem or the waiting-time distribution).
// Internal to the model library; pure functions, thread-safe.
#pragma once

#include <optional>
#include <string>

#include "model/model.h"

namespace faaslab::model {

// How the system looks to the formulas.
struct StationView {
  double demand = 0;  // seconds of work at full speed per request (handler + overhead CPU)
  double delay = 0;   // seconds per request outside any queue (the overhead's delay part)
  int servers = 0;    // one equivalent station: requests served at once (0 = unlimited)
  int replicas = 1;   // > 1: per-replica stations (random routing), `per_replica` servers
  int per_replica = 0;
  double per_replica_demand = 0;   // per visit (demand scaled when cores bind)
  bool single = true;              // one equivalent station (else per-replica stations)
  bool exact_means = true;         // for exponential service or processor sharing
  bool processor_sharing = false;  // nobody waits for a slot: insensitive to the distribution
  std::string approximation;       // why the view is approximate ("" if exact)
  double capacity_rps = 0;         // the most requests per second it can serve (inf if unlimited)
};
StationView station_view(const System& s);

// Closed or open steady state by formulas. `method` is kMva or kErlang (or kAuto: the natural
// one). Unstable open systems are errors naming the growth rate.
Result<Prediction> analytic_predict(const Workload& w, const System& s, Method method);

// Are the formulas exact (means and percentiles) for this input? If not, `why` says why.
bool formulas_exact(const Workload& w, const System& s, std::string* why);

}  // namespace faaslab::model
