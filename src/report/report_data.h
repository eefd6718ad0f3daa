// Everything the report shows, read from a results database into one JSON document (the
// shape assets/report.js expects): the campaign, each configuration with its summary over
// repetitions, JMeter-style statistics and APDEX, and each run with its per-frame times, its
// per-second timeline and its replicas over time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "experiment/results_db.h"

namespace faaslab::report {

struct ApdexThresholds {
  double satisfied_s = 0.5;  // JMeter's dashboard defaults
  double tolerated_s = 1.5;
};

// campaign_id unset: the database's latest campaign.
Result<nlohmann::json> build_report_data(experiment::ResultsDb& db,
                                         std::optional<std::int64_t> campaign_id,
                                         const ApdexThresholds& apdex);

}  // namespace faaslab::report
