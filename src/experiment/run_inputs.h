// What a planned run turns into (internal to src/experiment/): the load generator's options,
// its payloads, and the configuration columns the results database records for it. Pure
// functions, and a cache that is not thread-safe (the sweep's thread only).
#pragma once

#include <map>
#include <string>

#include "common/result.h"
#include "common/url.h"
#include "experiment/campaign.h"
#include "experiment/results_db.h"
#include "load/load.h"

namespace faaslab::experiment {

// Payloads by (codec, frame size), cut from the campaign's video once per campaign. The
// campaign must outlive the cache; the sets it returns live as long as it does.
class PayloadCache {
 public:
  explicit PayloadCache(const Campaign& c) : campaign_(c) {}
  Result<const load::PayloadSet*> get(const RunConfig& r);

 private:
  const Campaign& campaign_;
  std::map<std::string, load::PayloadSet> cache_;
};

// The run's workload against `url` (closed or open model, as its configuration says).
load::LoadOptions load_options_for(const Campaign& c, const PlannedRun& p, const Url& url);

// The run's row in the runs table: its configuration, resolved (the payloads' frame size
// when the grid leaves it to the video), and this machine's core count.
RunColumns run_columns_for(const Campaign& c, const PlannedRun& p,
                           const load::PayloadSet& payloads);

}  // namespace faaslab::experiment
