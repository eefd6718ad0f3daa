// The report's chart code (src/report/assets/report.js, as embedded in faaslab) under Node.js,
// the way render_figures.mjs loads it: what its tooltips make of text from the database.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string_view>

#include "common/subprocess.h"

namespace faaslab::report {
namespace assets {
extern const std::string_view report_js;
}  // namespace assets
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Builds every chart of `data` and calls every tooltip formatter that is a function on every
// point of its chart, as ECharts does when the pointer rests on one: prints
// [{chart, text}] for each call.
constexpr std::string_view kCallTooltips = R"js(
const charts = require(process.argv[2]);
const data = JSON.parse(require("node:fs").readFileSync(process.argv[3], "utf8"));
const shown = [];
for (const c of charts.faaslabCharts(data)) {
  const tooltips = [c.option.tooltip].concat(c.option.series.map((s) => s.tooltip));
  for (const tooltip of tooltips) {
    if (!tooltip || typeof tooltip.formatter !== "function") continue;
    c.option.series.forEach((s, seriesIndex) => {
      s.data.forEach((point, dataIndex) => {
        shown.push({chart: c.id, text: String(tooltip.formatter({
          data: point, value: point, seriesName: s.name, seriesIndex, dataIndex,
          componentType: "series"}))});
      });
    });
  }
}
console.log(JSON.stringify(shown));
)js";

json config(const std::string& key, const std::string& short_name) {
  return {{"key", key},
          {"group", "mode=http"},
          {"short", short_name},
          {"users", 1},
          {"think_s", 0},
          {"summary",
           {{"success_rate", 1},
            {"mean_s", 0.2},
            {"p50_s", 0.2},
            {"p90_s", 0.3},
            {"p95_s", 0.3},
            {"p99_s", 0.4},
            {"throughput_rps", 5}}}};
}

json validation_row(const std::string& config_key, const std::string& label) {
  json row = {{"config_key", config_key},
              {"measured", {{"mean_s", 0.2}, {"throughput_rps", 5}}},
              {"predicted", {{"mean_s", 0.21}, {"throughput_rps", 4.8}}}};
  if (!label.empty()) row["label"] = label;
  return row;
}

// docs/security.md: ECharts renders a tooltip formatter's string as HTML, so the predicted vs
// measured charts' tooltips, which show a configuration's label or key from the database,
// escape it.
TEST(ReportJs, TooltipsShowTextFromTheDatabaseAsText) {
  const fs::path dir =
      fs::temp_directory_path() / ("faaslab-report-js-test-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string key = "users=1 mode=<img src=x onerror=alert(1)>";
  json data = {{"configs", {config(key, "<b>short</b>")}},
               {"runs", json::array()},
               {"validation",
                {validation_row(key, ""), validation_row("other", "<script>alert(2)</script>&"),
                 validation_row("users=3 <i>unknown</i>", "")}}};
  std::ofstream(dir / "report.js") << assets::report_js;
  std::ofstream(dir / "call_tooltips.js") << kCallTooltips;
  std::ofstream(dir / "data.json") << data.dump();
  Subprocess node({"/usr/bin/env", "node", (dir / "call_tooltips.js").string(),
                   (dir / "report.js").string(), (dir / "data.json").string()});
  const int code = node.wait(std::chrono::seconds(60));
  fs::remove_all(dir);
  ASSERT_EQ(code, 0) << "Node.js (scripts/setup installs it): " << node.err();
  const auto shown = json::parse(node.out());
  std::vector<std::string> texts;
  for (const auto& s : shown) {
    texts.push_back(s["text"]);
    EXPECT_EQ(s["text"].get<std::string>().find('<'), std::string::npos)
        << s["chart"] << ": " << s["text"];
  }
  // Both charts (mean and throughput) show every label, escaped: a configuration's short name,
  // a row's own label, or the key of a configuration not in the campaign.
  EXPECT_EQ(std::count(texts.begin(), texts.end(), "&lt;b&gt;short&lt;/b&gt;"), 2) << shown;
  EXPECT_EQ(std::count(texts.begin(), texts.end(), "&lt;script&gt;alert(2)&lt;/script&gt;&amp;"), 2)
      << shown;
  EXPECT_EQ(std::count(texts.begin(), texts.end(), "users=3 &lt;i&gt;unknown&lt;/i&gt;"), 2)
      << shown;
}

}  // namespace
}  // namespace faaslab::report
