#include "report/report.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "common/markup.h"
#include "common/subprocess.h"
#include "experiment/results_db.h"
#include "model/calibration.h"
#include "model/edge_cloud_fit.h"
#include "model/validate.h"
#include "report/html_format.h"
#include "report/validation_table.h"

#ifndef FAASLAB_ECHARTS_DIR
#define FAASLAB_ECHARTS_DIR ""
#endif

namespace faaslab::report {

namespace assets {
extern const std::string_view report_js;
extern const std::string_view report_ui_js;
extern const std::string_view report_css;
extern const std::string_view render_figures_mjs;
}  // namespace assets

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// JSON inside <script type="application/json">, escaped as Go's json.HTMLEscape (what
// html/template does to JSON): every < > & becomes \u003c \u003e \u0026, and U+2028 U+2029
// become \u2028 \u2029. No markup character is left, so no text of the data can close the
// element ("</script") or switch the HTML parser into its escaped states ("<!--" followed by
// "<script"). These characters only occur inside JSON strings, where the escapes mean the same.
std::string script_safe(std::string_view json_text) {
  static constexpr std::string_view kLineSeparator = "\xe2\x80\xa8";       // U+2028 in UTF-8
  static constexpr std::string_view kParagraphSeparator = "\xe2\x80\xa9";  // U+2029
  std::string out;
  out.reserve(json_text.size());
  for (std::size_t i = 0; i < json_text.size(); ++i) {
    const std::string_view rest = json_text.substr(i);
    if (rest[0] == '<') {
      out += "\\u003c";
    } else if (rest[0] == '>') {
      out += "\\u003e";
    } else if (rest[0] == '&') {
      out += "\\u0026";
    } else if (rest.starts_with(kLineSeparator)) {
      out += "\\u2028";
      i += kLineSeparator.size() - 1;
    } else if (rest.starts_with(kParagraphSeparator)) {
      out += "\\u2029";
      i += kParagraphSeparator.size() - 1;
    } else {
      out += rest[0];
    }
  }
  return out;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string statistics_table(const json& data) {
  std::ostringstream h;
  h << "<div "
       "class=\"scroll\"><table><thead><tr><th>configuration</th><th>samples</th><th>errors</"
       "th><th>error %</th>"
       "<th>mean</th><th>min</th><th>median</th><th>p90</th><th>p95</th><th>p99</th><th>max</th>"
       "<th>throughput /s</th><th>received KB/s</th><th>sent KB/s</th></tr></thead><tbody>";
  for (const auto& c : data["configs"]) {
    const auto& s = c["statistics"];
    const double err = s["error_pct"];
    h << "<tr><td>" << escape_html(c["short"]) << "</td><td>" << s["samples"] << "</td><td>"
      << s["errors"] << "</td><td" << (err > 0 ? " class=\"bad\"" : "") << ">" << fmt(err, "%.2f")
      << "</td><td>" << seconds(s["mean_s"]) << "</td><td>" << seconds(s["min_s"]) << "</td><td>"
      << seconds(s["p50_s"]) << "</td><td>" << seconds(s["p90_s"]) << "</td><td>"
      << seconds(s["p95_s"]) << "</td><td>" << seconds(s["p99_s"]) << "</td><td>"
      << seconds(s["max_s"]) << "</td><td>" << fmt(s["throughput_rps"], "%.2f") << "</td><td>"
      << fmt(s["received_kbps"], "%.1f") << "</td><td>" << fmt(s["sent_kbps"], "%.1f")
      << "</td></tr>";
  }
  h << "</tbody></table></div>";
  return h.str();
}

std::string apdex_table(const json& data) {
  std::ostringstream h;
  const double t = data["apdex"]["satisfied_s"], f = data["apdex"]["tolerated_s"];
  h << "<p class=\"note\">Application Performance Index: satisfied at or under " << seconds(t)
    << ", tolerating up to " << seconds(f)
    << ", frustrated above (and every failed request). APDEX = (satisfied + tolerating / 2) / "
       "samples "
    << "(set with <code>--apdex-satisfied</code> and <code>--apdex-tolerated</code>).</p>";
  h << "<div "
       "class=\"scroll\"><table><thead><tr><th>configuration</th><th>APDEX</th><th>satisfied</"
       "th><th>tolerating</th>"
       "<th>frustrated</th></tr></thead><tbody>";
  for (const auto& c : data["configs"]) {
    const auto& s = c["statistics"];
    const double a = s["apdex"];
    h << "<tr><td>" << escape_html(c["short"]) << "</td><td" << (a < 0.7 ? " class=\"bad\"" : "")
      << ">" << fmt(a, "%.3f") << "</td><td>" << s["apdex_satisfied"] << "</td><td>"
      << s["apdex_tolerating"] << "</td><td>" << s["apdex_frustrated"] << "</td></tr>";
  }
  h << "</tbody></table></div>";
  return h.str();
}

std::string summary_table(const json& data) {
  std::ostringstream h;
  h << "<p class=\"note\">The summary schema shared with the model, per configuration: the mean "
       "over repetitions, ± the "
       "half-width of the 95% confidence interval where there are several.</p>";
  h << "<div "
       "class=\"scroll\"><table><thead><tr><th>configuration</th><th>runs</th><th>requests</"
       "th><th>success</th>"
       "<th>throughput "
       "/s</th><th>mean</th><th>p50</th><th>p90</th><th>p95</th><th>p99</th><th>max</th></tr></"
       "thead><tbody>";
  auto ci = [](const json& s, const char* k, double scale, const char* f) {
    return s.contains(k) ? std::string(" ± ") + fmt(s[k].get<double>() * scale, f) : std::string();
  };
  for (const auto& c : data["configs"]) {
    const auto& s = c["summary"];
    if (s.empty()) continue;
    h << "<tr><td>" << escape_html(c["short"]) << "</td><td>" << s["repetitions"] << "</td><td>"
      << s["count"] << "</td><td>" << fmt(s["success_rate"].get<double>() * 100, "%.1f%%")
      << ci(s, "success_rate_ci95", 100, "%.1f") << "</td><td>" << fmt(s["throughput_rps"], "%.3f")
      << ci(s, "throughput_rps_ci95", 1, "%.3f") << "</td><td>" << seconds(s["mean_s"])
      << ci(s, "mean_s_ci95", 1, "%.3f") << "</td><td>" << seconds(s["p50_s"]) << "</td><td>"
      << seconds(s["p90_s"]) << "</td><td>" << seconds(s["p95_s"]) << ci(s, "p95_s_ci95", 1, "%.3f")
      << "</td><td>" << seconds(s["p99_s"]) << "</td><td>" << seconds(s["max_s"]) << "</td></tr>";
  }
  h << "</tbody></table></div>";
  return h.str();
}

// Predicted vs measured per configuration, as `faaslab model validate --json` writes it: the
// measured figures carry their run-to-run 95% half-width, the errors are judged against the
// issue's targets unless the row was fitted (calibration data is not evidence).
// The edge–cloud model beside the measurements, one row per configuration.
std::string edge_cloud_table(const json& v) {
  std::ostringstream t;
  if (v.contains("error")) {
    t << "<p class=\"note\">The edge–cloud model could not be calibrated: "
      << escape_html(v["error"].get<std::string>()) << "</p>";
    return t.str();
  }
  t << "<p class=\"note\">" << v.value("passed", 0) << " of " << v.value("judged", 0)
    << " configurations not used for calibration within every target (mean within "
    << static_cast<int>(v["targets"].value("mean", 0.0) * 100) << "%, throughput within "
    << static_cast<int>(v["targets"].value("throughput", 0.0) * 100) << "%).</p>";
  t << "<table class=\"compact\"><tr><th>topology</th><th>placement</th><th>users</th>"
       "<th>mean measured</th><th>predicted</th><th>error</th><th>tput measured</th>"
       "<th>predicted</th><th>offload measured</th><th>predicted</th><th>verdict</th></tr>";
  for (const auto& r : v.value("rows", json::array())) {
    char buf[64];
    auto cell = [&](double x, const char* fmt) {
      std::snprintf(buf, sizeof buf, fmt, x);
      return std::string(buf);
    };
    const bool fitted = r.value("fitted", false);
    const std::string error = r.value("error", "");
    const std::string verdict = !error.empty() ? error
                                : fitted       ? "fitted"
                                : (r.value("mean_ok", false) && r.value("throughput_ok", false))
                                    ? "within target"
                                : r.value("mean_in_spread", false) ? "inside the measured spread"
                                                                   : "miss";
    t << "<tr><td>" << escape_html(r.value("topology", "")) << "</td><td>"
      << escape_html(r.value("placement", "")) << "</td><td>" << r.value("users", 0) << "</td><td>"
      << cell(r.value("measured_mean_s", 0.0), "%.3f s") << "</td><td>"
      << cell(r.value("predicted_mean_s", 0.0), "%.3f s") << "</td><td>"
      << cell(r.value("mean_error", 0.0) * 100, "%+.1f%%") << "</td><td>"
      << cell(r.value("measured_throughput_rps", 0.0), "%.1f/s") << "</td><td>"
      << cell(r.value("predicted_throughput_rps", 0.0), "%.1f/s") << "</td><td>"
      << cell(r.value("measured_offload", 0.0), "%.2f") << "</td><td>"
      << cell(r.value("predicted_offload", 0.0), "%.2f") << "</td><td>" << escape_html(verdict)
      << "</td></tr>";
  }
  t << "</table>";
  return t.str();
}

std::string cards(const json& data) {
  std::uint64_t requests = 0, errors = 0;
  for (const auto& c : data["configs"]) {
    requests += c["statistics"]["samples"].get<std::uint64_t>();
    errors += c["statistics"]["errors"].get<std::uint64_t>();
  }
  std::ostringstream h;
  auto card = [&](const std::string& v, const std::string& k) {
    h << "<div class=\"card\"><div class=\"v\">" << escape_html(v) << "</div><div class=\"k\">"
      << escape_html(k) << "</div></div>";
  };
  h << "<div class=\"cards\">";
  card(std::to_string(data["configs"].size()), "configurations");
  card(std::to_string(data["runs"].size()), "complete runs");
  card(std::to_string(requests), "requests measured");
  card(fmt(requests ? 100.0 * static_cast<double>(errors) / static_cast<double>(requests) : 0,
           "%.2f%%"),
       "failed");
  h << "</div>";
  return h.str();
}

std::string html_page(const json& data, const std::string& echarts_js) {
  const auto& c = data["campaign"];
  const auto& m = c["machine"];
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    << "<title>faaslab report — " << escape_html(c["name"]) << "</title><style>"
    << assets::report_css << "</style></head><body>"
    << "<header><h1>" << escape_html(c["name"]) << "</h1><div class=\"meta\">campaign " << c["id"]
    << " · " << escape_html(c["status"]) << " · "
    << escape_html(m.value("cpu_model", std::string("?"))) << ", " << m.value("cores", 0)
    << " cores, " << escape_html(m.value("kernel", std::string())) << " · faaslab "
    << escape_html(c["versions"].value("faaslab", std::string("?"))) << "</div></header><main>";
  h << "<section><h2>Overview</h2>" << cards(data) << "</section>";
  // The study's question first, when the campaign asks it: where should the function run?
  if (data.contains("edge_cloud_validation")) {
    h << "<section><h2>Edge or cloud</h2><p class=\"note\">Where the function ran: response time "
         "and success over users for each placement on each topology (measured: solid; the "
         "edge–cloud model, calibrated on this campaign: dashed), the share offloaded to the "
         "cloud, the use of the link to the cloud, and each node's own figures. The offload "
         "share over time of each run is under Over time.</p>"
      << edge_cloud_table(data["edge_cloud_validation"])
      << "<div class=\"grid\" id=\"charts-edge-cloud\"></div></section>";
  }
  h << "<section><h2>Per-frame times</h2><p class=\"note\">The study's figure: the time of every "
       "frame for each user of "
       "a run (round trip from the intended send, the function's handler time, its ML time); "
       "diamonds mark requests "
       "that waited for a replica to start.</p><div class=\"controls\"><label>run <select "
       "id=\"frame-run\"></select></label>"
       "<label>time <select id=\"frame-metric\"><option value=\"latency\">round "
       "trip</option><option value=\"handler\">"
       "handler</option><option value=\"ml\">ML</option></select></label></div><div "
       "id=\"charts-frames\"></div></section>";
  h << "<section><h2>Success and response time over users</h2><p class=\"note\">The study's "
       "figures: success rate, mean "
       "and median response time against the number of users, one line per think time.</p>"
       "<div class=\"grid\" id=\"charts-study\"></div></section>";
  h << "<section><h2>Throughput, percentiles, cold starts</h2><p class=\"note\">N* marks the "
       "saturation knee from the "
       "asymptotic bounds, (D + Z)·X<sub>max</sub>: the number of users beyond which requests "
       "queue.</p>"
       "<div class=\"grid\" id=\"charts-more\"></div></section>";
  h << "<section><h2>Over time</h2><p class=\"note\">One run at a time, per second from its start, "
       "as JMeter's dashboard "
       "shows it.</p><div class=\"controls\"><label>run <select "
       "id=\"time-run\"></select></label></div>"
       "<div class=\"grid\" id=\"charts-time\"></div></section>";
  if (!data["validation"].empty()) {
    h << "<section><h2>Model vs measurement</h2>" << validation_table_html(data)
      << "<div class=\"grid\" id=\"charts-model\"></div></section>";
  }
  h << "<section><h2>Summary per configuration</h2>" << summary_table(data) << "</section>";
  h << "<section><h2>Statistics</h2>" << statistics_table(data) << "</section>";
  h << "<section><h2>APDEX</h2>" << apdex_table(data) << "</section>";
  h << "</main><pre id=\"self-check\"></pre>";
  h << "<script type=\"application/json\" id=\"faaslab-data\">" << script_safe(data.dump())
    << "</script>";
  h << "<script>" << echarts_js << "</script>";
  h << "<script>" << assets::report_js << "</script>";
  h << "<script>" << assets::report_ui_js << "</script></body></html>\n";
  return h.str();
}

}  // namespace

std::string find_echarts_dir() {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("FAASLAB_ECHARTS_DIR"); env && *env)
    candidates.emplace_back(env);
  if (*FAASLAB_ECHARTS_DIR) candidates.emplace_back(FAASLAB_ECHARTS_DIR);
  std::error_code ec;
  candidates.push_back(fs::read_symlink("/proc/self/exe", ec).parent_path() / ".." / "share" /
                       "faaslab" / "echarts");
  for (const auto& c : candidates) {
    if (fs::exists(c / "dist" / "echarts.min.js", ec)) return c.string();
  }
  return "";
}

Result<ReportResult> write_report(const ReportOptions& o) {
  std::error_code unreachable;
  if (!fs::exists(o.db_path, unreachable))
    return make_error(
        "database " + o.db_path +
        (unreachable ? " cannot be reached: " + unreachable.message() : " does not exist"));
  auto db = experiment::ResultsDb::open(o.db_path);
  if (!db) return db.error_value();
  auto data = build_report_data(**db, o.campaign_id, o.apdex);
  if (!data) return data.error_value();
  if (o.validation) {
    (*data)["validation"] =
        o.validation->is_array() ? *o.validation : o.validation->value("rows", json::array());
  } else if (!o.calibration_path.empty()) {
    auto cal = model::Calibration::load(o.calibration_path);
    if (!cal) return cal.error_value();
    model::ValidateOptions vo;
    vo.campaign_id = (*data)["campaign"]["id"].get<std::int64_t>();
    auto v = model::validate_campaign(**db, *cal, vo);
    if (!v) return v.error_value();
    (*data)["validation"] = v->to_json()["rows"];
  } else if (!o.validation_path.empty()) {
    std::ifstream in(o.validation_path);
    if (!in) return make_error("cannot read the validation file " + o.validation_path);
    try {
      json v = json::parse(in);
      (*data)["validation"] = v.is_array() ? v : v.value("rows", json::array());
    } catch (const json::exception& e) {
      return make_error(o.validation_path + ": not JSON: " + e.what());
    }
  }
  // An edge–cloud campaign: the edge–cloud model, calibrated on the campaign's own runs.
  {
    const auto id = (*data)["campaign"]["id"].get<std::int64_t>();
    auto edge_cloud = model::is_edge_cloud_campaign(**db, id);
    if (edge_cloud && *edge_cloud) {
      auto v = model::validate_edge_cloud(**db, id);
      (*data)["edge_cloud_validation"] = v ? v->to_json() : json{{"error", v.error()}};
    }
  }
  const std::string echarts_dir = o.echarts_dir.empty() ? find_echarts_dir() : o.echarts_dir;
  if (echarts_dir.empty() ||
      !fs::exists(fs::path(echarts_dir) / "dist" / "echarts.min.js", unreachable)) {
    return make_error("ECharts not found (run scripts/setup, or set FAASLAB_ECHARTS_DIR)",
                      Errc::kUnavailable);
  }
  std::error_code ec;
  fs::create_directories(o.out_dir, ec);
  if (ec) return make_error("cannot create " + o.out_dir + ": " + ec.message(), Errc::kUnavailable);
  ReportResult result;
  result.html_path = (fs::path(o.out_dir) / "report.html").string();
  {
    std::ofstream out(result.html_path);
    if (!out) return make_error("cannot write " + result.html_path, Errc::kUnavailable);
    out << html_page(*data, read_file(fs::path(echarts_dir) / "dist" / "echarts.min.js"));
    if (!out)
      return make_error("writing " + result.html_path + " failed (disk full?)", Errc::kUnavailable);
  }
  if (!o.figures) return result;

  // Figures: the same chart code under Node.js with ECharts' SVG renderer, then rsvg-convert.
  const fs::path figures = fs::path(o.out_dir) / "figures";
  fs::create_directories(figures, ec);
  const fs::path work = figures / ".render";
  fs::create_directories(work, ec);
  auto write = [](const fs::path& p, std::string_view text) {
    std::ofstream out(p);
    out << text;
    return static_cast<bool>(out);
  };
  if (!write(work / "report.js", assets::report_js) ||
      !write(work / "render.mjs", assets::render_figures_mjs) ||
      !write(work / "figures.json", json{{"data", *data}}.dump())) {
    return make_error("cannot write into " + work.string(), Errc::kUnavailable);
  }
  Subprocess node({"/usr/bin/env", "node", (work / "render.mjs").string(), echarts_dir,
                   (work / "report.js").string(), (work / "figures.json").string(),
                   figures.string()});
  if (node.wait(std::chrono::minutes(5)) != 0) {
    return make_error("rendering figures with Node.js failed (HTML written to " + result.html_path +
                          "): " + node.err().substr(0, 600),
                      Errc::kUnavailable);
  }
  std::istringstream names(node.out());
  std::string name;
  while (std::getline(names, name)) {
    if (name.empty()) continue;
    const auto svg = figures / (name + ".svg"), png = figures / (name + ".png");
    Subprocess convert(
        {"/usr/bin/env", "rsvg-convert", "-f", "png", "-o", png.string(), svg.string()});
    if (convert.wait(std::chrono::minutes(1)) != 0) {
      return make_error(
          "rsvg-convert failed on " + svg.string() + ": " + convert.err().substr(0, 300),
          Errc::kUnavailable);
    }
    result.figures.push_back(png.string());
  }
  fs::remove_all(work, ec);
  return result;
}

}  // namespace faaslab::report
