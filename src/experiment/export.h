// Exports from the results database: any table as CSV, and one run's requests as a JMeter JTL
// file (the load generator's format: JMeter 5's 17 columns, ms).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.h"

namespace faaslab::experiment {

Status export_table_csv(const std::string& db_path, const std::string& table,
                        std::optional<std::int64_t> campaign_id, const std::string& out_path);
Status export_run_jtl(const std::string& db_path, std::int64_t run_id, const std::string& out_path);

}  // namespace faaslab::experiment
