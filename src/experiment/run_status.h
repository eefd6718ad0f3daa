// The statuses of runs and campaigns, and the one mapping to the text the results database
// stores (docs/results-db.md). The stored strings never change, so databases written by any
// earlier build keep reading.
#pragma once

#include <iterator>
#include <string_view>

namespace faaslab::experiment {

// A run is recorded as running, then finished complete or failed (the run's error says why;
// "interrupted" for Ctrl-C). Only complete runs are summarised; --resume runs the others again.
enum class RunStatus { kRunning, kComplete, kFailed };

// A campaign is running until every planned run has been tried: then complete, or failed if
// any run failed or the target could not be used; interrupted after Ctrl-C.
enum class CampaignStatus { kRunning, kComplete, kFailed, kInterrupted };

// The stored text, indexed by the enums' values.
inline constexpr std::string_view kRunStatusText[] = {"running", "complete", "failed"};
inline constexpr std::string_view kCampaignStatusText[] = {"running", "complete", "failed",
                                                           "interrupted"};

constexpr std::string_view status_text(RunStatus s) {
  return kRunStatusText[static_cast<int>(s)];
}
constexpr std::string_view status_text(CampaignStatus s) {
  return kCampaignStatusText[static_cast<int>(s)];
}

// A stored run status; text this build does not know reads as failed (never as complete).
constexpr RunStatus run_status_from_text(std::string_view text) {
  for (int i = 0; i < static_cast<int>(std::size(kRunStatusText)); ++i) {
    if (kRunStatusText[i] == text) return static_cast<RunStatus>(i);
  }
  return RunStatus::kFailed;
}

}  // namespace faaslab::experiment
