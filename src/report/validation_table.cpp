#include "report/validation_table.h"

#include <map>
#include <optional>
#include <sstream>
#include <string>

#include "report/html_format.h"

namespace faaslab::report {
namespace {

using nlohmann::json;

double num(const json& o, const std::string& k) {
  return o.contains(k) && o[k].is_number() ? o[k].get<double>() : 0.0;
}

// The measured interval's half-width, when there is one.
std::optional<double> ci(const json& o, const std::string& k) {
  const std::string key = k + "_ci95";
  if (o.contains(key) && o[key].is_number()) return o[key].get<double>();
  return std::nullopt;
}

std::string relative(double measured, double predicted) {
  return measured != 0 ? fmt(100 * (predicted - measured) / measured, "%+.1f%%") : "–";
}

// One figure: the measured value ± its interval, then the prediction and its error.
std::string cell(const json& m, const json& p, const std::string& key, bool ok) {
  const bool is_time = key != "throughput_rps" && key != "success_rate";
  auto show = [&](double v) {
    if (is_time) return seconds(v);
    if (key == "success_rate") return fmt(100 * v, "%.1f%%");
    return fmt(v, "%.2f");
  };
  const double measured = num(m, key), predicted = num(p, key);
  std::string h = std::string("<td") + (ok ? "" : " class=\"bad\"") + ">" + show(measured);
  if (const auto w = ci(m, key))
    h += "<span class=\"ci\"> ± " + (key == "success_rate" ? fmt(100 * *w, "%.1f") : show(*w)) +
         "</span>";
  h += "<br><span class=\"pred\">" + show(predicted) + " (";
  h += key == "success_rate" ? fmt(100 * (predicted - measured), "%+.1f pp")
                             : relative(measured, predicted);
  return h + ")</span></td>";
}

}  // namespace

std::string validation_table_html(const json& data) {
  if (!data.contains("validation") || data["validation"].empty()) return "";
  std::map<std::string, std::string> short_names;
  if (data.contains("configs"))
    for (const auto& c : data["configs"])
      short_names[c.value("key", std::string())] = c.value("short", std::string());
  int within = 0, cannot_tell = 0, missed = 0;
  std::ostringstream rows;
  for (const auto& row : data["validation"]) {
    std::string label = row.value("label", row.value("config_key", std::string()));
    if (const auto it = short_names.find(label); it != short_names.end()) label = it->second;
    if (!row.contains("predicted") || !row.contains("measured") || row.contains("error")) {
      rows << "<tr><td>" << escape_html(label) << "</td><td colspan=\"5\">not predicted: "
           << escape_html(row.value("error", std::string("no prediction"))) << "</td></tr>";
      continue;
    }
    const json pass = row.value("pass", json::object());
    auto passed = [&](const char* k) { return pass.value(k, true); };
    const std::string verdict = row.value("verdict", std::string());
    std::string shown = "–", cls;
    if (row.value("fitted", false)) {
      shown = "fitted";
    } else if (!verdict.empty()) {
      shown = verdict;
      cls = verdict == "within" ? "good" : verdict == "miss" ? "bad" : "unsure";
      within += verdict == "within", cannot_tell += verdict == "cannot tell",
          missed += verdict == "miss";
      if (verdict != "within") {
        shown += ":";
        for (const char* k : {"mean", "p95", "throughput", "success"})
          if (!passed(k)) shown += std::string(" ") + k;
      }
    }
    const json& m = row["measured"];
    const json& p = row["predicted"];
    std::string note = row.value("method", std::string());
    if (row.value("at_or_above_knee", false))
      note += (note.empty() ? "" : ", ") + std::string("≥ knee");
    const std::string interval = row.value("interval", std::string());
    if (!interval.empty()) note += (note.empty() ? "" : ", ") + interval;
    rows << "<tr><td>" << escape_html(label) << "<br><small>" << escape_html(note)
         << "</small></td>" << cell(m, p, "mean_s", passed("mean"))
         << cell(m, p, "p95_s", passed("p95")) << cell(m, p, "throughput_rps", passed("throughput"))
         << cell(m, p, "success_rate", passed("success")) << "<td"
         << (cls.empty() ? "" : " class=\"" + cls + "\"") << ">" << escape_html(shown)
         << "</td></tr>";
  }
  std::ostringstream h;
  h << "<p class=\"verdict\">" << within << " within every target, " << cannot_tell
    << " cannot tell (outside a target, inside the measurement's 95% interval), " << missed
    << " missed, of " << within + cannot_tell + missed
    << " configurations judged. Each cell: measured ± its 95% interval (over repetitions, or "
       "batch means within one run), then predicted (error).</p>"
    << "<div class=\"scroll\"><table class=\"validation\"><thead><tr><th>configuration</th>"
       "<th>mean</th><th>p95</th><th>throughput /s</th><th>success</th><th>verdict</th></tr>"
       "</thead><tbody>"
    << rows.str() << "</tbody></table></div>";
  return h.str();
}

}  // namespace faaslab::report
