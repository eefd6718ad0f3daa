// Summaries in the schema shared by measurement and model (common/summary.h), computed exactly
// from a run's stored requests: per run (overall and per label, warm-up requests left out) and
// per configuration over its repetitions, with 95% confidence intervals (Student t).
//
// Definitions follow the load generator's (docs/load.md): count = requests issued;
// success_rate = ok / count; throughput = requests ended (not dropped) per second of the
// run's window from the first intended start to the last end (per label too, so labels add
// up); response times from the intended start over every request sent, failures included;
// nearest-rank percentiles.
#pragma once

#include <vector>

#include "experiment/results_db.h"

namespace faaslab::experiment {

// "*" first, then one row per label in order of first appearance.
std::vector<SummaryRow> summarise_run(const std::vector<RequestRow>& requests);

// A run measured once has no spread over repetitions; its 95% intervals come from batch means
// instead. Its requests (warm-up left out), in order of intended start, are cut into up to
// `batches` batches of equal count, at least kMinBatchRequests each, and each batch summarised:
// the half-widths are Student t over the batches' mean, p95 and success rate. Throughput's is
// over equal time slices of the run's window (requests ended per slice). Returns `summary` with
// the *_ci95 fields set, or unchanged with fewer than two batches. Consecutive batches of a
// closed workload are correlated, so these intervals are narrower than repetitions' would be.
inline constexpr int kMinBatchRequests = 5;
SummaryRow with_batch_means_intervals(SummaryRow summary, const std::vector<RequestRow>& requests,
                                      int batches = 10);

// Recomputes the configuration summaries (per label) of one configuration from the summaries
// of its complete runs (summarise_repetitions).
Status update_config_summaries(ResultsDb& db, std::int64_t campaign_id,
                               const std::string& config_key);

}  // namespace faaslab::experiment
