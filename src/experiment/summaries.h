// Summaries in the schema shared by measurement and model (ARCHITECTURE.md), computed exactly
// from a run's stored requests: per run (overall and per label, warm-up requests left out) and
// per configuration over its repetitions, with 95% confidence intervals (Student t).
//
// Definitions follow the load generator's (docs/load.md): count = requests issued;
// success_rate = ok / count; throughput = requests ended (not dropped) per second of the
// run's window from the first intended start to the last end (per label too, so labels add
// up); response times from the intended
// start over every request sent, failures included; nearest-rank percentiles.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "experiment/results_db.h"

namespace faaslab::experiment {

// "*" first, then one row per label in order of first appearance.
std::vector<SummaryRow> summarise_run(const std::vector<RequestRow>& requests);

// Over repetitions of one configuration: `count` is the runs' total, every other field the
// mean of the runs' values; the CI
// fields are the half-widths of the 95% interval of that mean (absent for one repetition).
SummaryRow summarise_config(const std::vector<SummaryRow>& runs);

// Recomputes the configuration summaries (per label) of one configuration from the summaries
// of its complete runs.
Status update_config_summaries(ResultsDb& db, std::int64_t campaign_id,
                               const std::string& config_key);

// The summary schema as JSON (ARCHITECTURE.md): count, success_rate, throughput_rps, mean_s,
// stddev_s, min_s, p50_s … max_s; `repetitions` and the *_ci95 fields when set.
nlohmann::json summary_to_json(const SummaryRow& s);

// Two-sided 95% Student t quantile for `dof` degrees of freedom.
double student_t95(int dof);

}  // namespace faaslab::experiment
