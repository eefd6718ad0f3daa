#include "model/plan.h"

#include <cmath>
#include <sstream>

#include "common/units.h"

namespace faaslab::model {
namespace {

bool is_time(const std::string& m) {
  return m == "mean" || m == "p50" || m == "p90" || m == "p95" || m == "p99" || m == "p999" ||
         m == "max";
}

}  // namespace

Result<Objective> Objective::parse(const std::string& text) {
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
  if (is_time(o.metric)) {
    auto d = parse_duration(value);
    if (!d) return make_error("objective '" + text + "': " + d.error());
    o.value = to_seconds(*d);
  } else if (o.metric == "success" || o.metric == "throughput" || o.metric == "timeouts" ||
             o.metric == "rejected" || o.metric == "utilization") {
    try {
      std::size_t used = 0;
      o.value = std::stod(value, &used);
      if (used + 1 == value.size() && value.back() == '%') {
        o.value /= 100;
      } else if (used != value.size()) {
        return make_error("objective '" + text + "': '" + value + "' is not a number");
      }
    } catch (...) {
      return make_error("objective '" + text + "': '" + value + "' is not a number");
    }
  } else {
    return make_error("objective '" + text + "': unknown metric '" + o.metric +
                      "' (mean, p50, p90, p95, p99, p999, max, success, throughput, timeouts, "
                      "rejected, utilization)");
  }
  return o;
}

double Objective::actual(const Prediction& p) const {
  const auto& s = p.summary;
  if (metric == "mean") return s.mean_s;
  if (metric == "p50") return s.p50_s;
  if (metric == "p90") return s.p90_s;
  if (metric == "p95") return s.p95_s;
  if (metric == "p99") return s.p99_s;
  if (metric == "p999") return s.p999_s;
  if (metric == "max") return s.max_s;
  if (metric == "success") return s.success_rate;
  if (metric == "throughput") return s.throughput_rps;
  if (metric == "timeouts") return p.timeout_rate;
  if (metric == "rejected") return p.rejected_rate;
  return p.utilization;
}

bool Objective::met(const Prediction& p) const {
  const double a = actual(p);
  if (op == "<") return a < value;
  if (op == "<=") return a <= value;
  if (op == ">") return a > value;
  return a >= value;
}

nlohmann::json PlanCandidate::to_json() const {
  nlohmann::json j = {
      {"mode", to_string(mode)}, {"replicas", replicas}, {"meets", meets}, {"missed", missed}};
  if (prediction) j["prediction"] = prediction->to_json();
  if (!unstable.empty()) j["unstable"] = unstable;
  return j;
}

nlohmann::json PlanResult::to_json() const {
  nlohmann::json j = {{"chosen", chosen ? chosen->to_json() : nlohmann::json(nullptr)},
                      {"next_smaller", smaller ? smaller->to_json() : nlohmann::json(nullptr)},
                      {"tried", tried.size()}};
  return j;
}

Result<PlanResult> plan(const Workload& w, const SystemFactory& make,
                        const std::vector<Objective>& objectives, const PlanOptions& o) {
  if (objectives.empty()) return make_error("plan: give at least one objective");
  if (o.max_replicas < 1) return make_error("plan: max replicas must be >= 1");
  if (o.modes.empty()) return make_error("plan: no mode to try");
  PlanResult result;
  auto evaluate = [&](Mode mode, int replicas) -> Result<PlanCandidate> {
    PlanCandidate c;
    c.mode = mode;
    c.replicas = replicas;
    auto s = make(mode, replicas);
    if (!s) return s.error_value();
    auto p = predict(w, *s, o.predict);
    if (!p) {
      if (p.error().rfind("unstable", 0) != 0) return p.error_value();
      c.unstable = p.error();
      c.missed.push_back("unstable");
      return c;
    }
    c.meets = p->stable;
    if (!p->stable) c.missed.push_back("overloaded");
    for (const auto& obj : objectives) {
      if (!obj.met(*p)) {
        c.meets = false;
        std::ostringstream m;
        m << obj.text << " (predicted " << obj.actual(*p) << ")";
        c.missed.push_back(m.str());
      }
    }
    c.prediction = std::move(*p);
    return c;
  };
  for (Mode mode : o.modes) {
    // Replicas in order; the first that meets every objective is this mode's answer.
    for (int n = 1; n <= o.max_replicas; ++n) {
      if (result.chosen && n >= result.chosen->replicas) break;  // cannot beat it
      auto c = evaluate(mode, n);
      if (!c) return c.error_value();
      result.tried.push_back(*c);
      if (c->meets) {
        result.chosen = *c;
        result.smaller.reset();
        if (n > 1) {
          for (const auto& t : result.tried)
            if (t.mode == mode && t.replicas == n - 1) result.smaller = t;
        }
        break;
      }
    }
  }
  return result;
}

}  // namespace faaslab::model
