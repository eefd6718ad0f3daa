// Running a campaign: every planned run in order, each against a runtime set to its
// configuration, every request and replica event written to the results database as the run
// goes, summaries per run and per configuration at the end of each run.
//
// Embedded target: each run starts its own gateway (faaslab up, in process) with the function
// for the run's mode, its replicas, routing, max_inflight and workers; waits until every
// replica is ready; runs the load; stores the gateway's replica events; stops it. External
// target: the gateway is scaled through its API to the run's replicas before the load.
//
// A crash or Ctrl-C loses at most the run in progress (marked failed, never complete);
// `resume` reopens the latest campaign of the same name and runs only what is missing — if the
// campaign still defines the same runs (campaign_diff.h); otherwise it is refused with an
// Errc::kConflict error naming what differs, and nothing is run or changed.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/result.h"
#include "experiment/campaign.h"

namespace faaslab::experiment {

struct SweepOptions {
  std::string db_path;
  bool resume = false;
  bool progress = false;  // the load generator's live line, on a terminal
  std::string bin_dir;    // where faaslab-watchdog and faaslab-fn are (embedded target)
  // One line per event of the sweep (run started, finished, skipped); default: stderr.
  std::function<void(const std::string&)> log;
};

struct SweepResult {
  std::int64_t campaign_id = 0;
  int planned = 0;
  int completed = 0;
  int skipped = 0;  // already complete (resume)
  int failed = 0;
  bool interrupted = false;
};

// Errors stop the campaign: the target cannot be started or reached, the video cannot be read,
// the database cannot be written (disk full). The run in progress is left incomplete.
// Errc::kConflict: --resume of a campaign whose definition has changed (nothing was done).
Result<SweepResult> run_sweep(const Campaign& campaign, const SweepOptions& options);

}  // namespace faaslab::experiment
