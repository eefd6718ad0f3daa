// The report's "Model vs measurement" table: one row per configuration, each judged figure in
// one cell (measured ± its 95% interval over predicted and the error), and the three-way
// verdict of model/validate.h (within, cannot tell, miss), with the verdicts counted above it.
// Six columns, so it fits a 1400-px window without scrolling.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace faaslab::report {

// `data` is the report's data (report_data.h): its "validation" rows (ValidationRow::to_json)
// and "configs" (for the configurations' short names). "" when there is no validation.
std::string validation_table_html(const nlohmann::json& data);

}  // namespace faaslab::report
