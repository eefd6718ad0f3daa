#include "common/objective.h"

#include "common/units.h"

namespace faaslab {
namespace {

constexpr std::string_view kTimeMetrics[] = {"mean", "p50", "p90", "p95", "p99", "p999", "max"};

Result<double> parse_number(const std::string& text, const std::string& value) {
  try {
    std::size_t used = 0;
    double v = std::stod(value, &used);
    if (used + 1 == value.size() && value.back() == '%') return v / 100;
    if (used == value.size()) return v;
  } catch (...) {
  }
  return make_error("objective '" + text + "': '" + value + "' is not a number");
}

}  // namespace

bool is_time_metric(std::string_view metric) {
  for (auto m : kTimeMetrics)
    if (m == metric) return true;
  return false;
}

bool Objective::holds(double actual) const {
  if (op == "<") return actual < value;
  if (op == "<=") return actual <= value;
  if (op == ">") return actual > value;
  return actual >= value;
}

Result<Objective> parse_objective(const std::string& text,
                                  std::span<const std::string_view> number_metrics) {
  Objective o;
  o.text = text;
  const auto at = text.find_first_of("<>");
  if (at == std::string::npos || at == 0)
    return make_error("objective '" + text +
                      "': expected metric<value, e.g. p95<2s or success>=0.99");
  o.metric = text.substr(0, at);
  std::size_t value_at = at + 1;
  o.op = text.substr(at, 1);
  if (value_at < text.size() && text[value_at] == '=') {
    o.op += "=";
    ++value_at;
  }
  const std::string value = text.substr(value_at);
  if (value.empty()) return make_error("objective '" + text + "': no value");
  if (is_time_metric(o.metric)) {
    auto d = parse_duration(value);
    if (!d) return make_error("objective '" + text + "': " + d.error());
    o.value = to_seconds(*d);
    return o;
  }
  for (auto m : number_metrics) {
    if (m != o.metric) continue;
    auto v = parse_number(text, value);
    if (!v) return v.error_value();
    o.value = *v;
    return o;
  }
  std::string known;
  for (auto m : kTimeMetrics) known += std::string(known.empty() ? "" : ", ") + std::string(m);
  for (auto m : number_metrics) known += ", " + std::string(m);
  return make_error("objective '" + text + "': unknown metric '" + o.metric + "' (" + known + ")");
}

}  // namespace faaslab
