// faaslab report: a self-contained HTML report of a campaign (works offline: ECharts, the data
// and the page's code are inlined) and a PNG (and SVG) file of each figure.
//
// Figures are rendered with ECharts' server-side renderer under Node.js, from the same chart
// code the page runs, then rasterised with rsvg-convert; both come from scripts/setup.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "report/report_data.h"

namespace faaslab::report {

struct ReportOptions {
  std::string db_path;
  std::optional<std::int64_t> campaign_id;  // unset: the latest
  std::string out_dir;
  ApdexThresholds apdex;
  bool figures = true;  // PNG/SVG files besides the HTML
  // Model vs measurement (any one): rows already computed (`ValidationReport::to_json()["rows"]`),
  // a `faaslab model validate --json` file, or a calibration to validate the campaign with now.
  std::optional<nlohmann::json> validation;
  std::string validation_path;
  std::string calibration_path;
  std::string echarts_dir;  // the npm package's directory; empty: the default search
};

struct ReportResult {
  std::string html_path;
  std::vector<std::string> figures;  // PNG paths
};

// Errors: the database or campaign cannot be read, the output cannot be written, ECharts is
// missing, or (with figures on) Node.js or rsvg-convert fails.
Result<ReportResult> write_report(const ReportOptions& options);

// Where ECharts is: $FAASLAB_ECHARTS_DIR, the checkout's .cache (scripts/setup puts it there),
// <exe>/../share/faaslab/echarts.
std::string find_echarts_dir();

}  // namespace faaslab::report
