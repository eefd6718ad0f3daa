#include "model/plan.h"

#include <cmath>
#include <sstream>

#include "common/units.h"

namespace faaslab::model {
Result<Objective> Objective::parse(const std::string& text) {
  static constexpr std::string_view kMetrics[] = {"success", "throughput", "timeouts", "rejected",
                                                  "utilization"};
  auto o = parse_objective(text, kMetrics);
  if (!o) return o.error_value();
  Objective objective;
  static_cast<faaslab::Objective&>(objective) = std::move(*o);
  return objective;
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
