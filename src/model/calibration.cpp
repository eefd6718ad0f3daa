#include "model/calibration.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "common/json_number.h"
#include "common/units.h"
#include "experiment/summaries.h"
#include "model/simulator.h"

namespace faaslab::model {
namespace {

using experiment::RequestRow;
using experiment::RunRow;
using nlohmann::json;

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char ch : text) {
    if (ch == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += ch;
    }
  }
  out.push_back(cur);
  return out;
}

std::string frame_text(int w, int h) {
  return std::to_string(w) + "x" + std::to_string(h);
}

bool same_number(const std::string& text, double value) {
  try {
    std::size_t used = 0;
    const double v = std::stod(text, &used);
    return used == text.size() && std::abs(v - value) <= 1e-9 * std::max(1.0, std::abs(v));
  } catch (...) {
    return false;
  }
}

// A think time in seconds ("0.5") or as a duration ("500ms", "2s"), as the campaign writes it.
bool same_seconds(const std::string& text, double seconds) {
  if (same_number(text, seconds)) return true;
  const auto d = parse_duration(text);
  return d && std::abs(to_seconds(*d) - seconds) <= 1e-9;
}

double mean_of(const std::vector<double>& xs) {
  double sum = 0;
  for (double x : xs) sum += x;
  return xs.empty() ? 0 : sum / static_cast<double>(xs.size());
}

// A light-load request's start: after the machine was idle (nothing of the run in flight for at
// least kIdleGapSeconds), back to back (nothing in flight, the last one ended less than that
// before), or neither (another in flight, or the run's first, which pays for what starts it).
enum class LightStart { kAfterIdle, kBackToBack, kOther };
inline constexpr std::size_t kMinIdleSamples = 5;

std::vector<LightStart> light_starts(const std::vector<RequestRow>& reqs) {
  const double gap_us = kIdleGapSeconds * 1e6;
  std::vector<std::size_t> order(reqs.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return reqs[a].start_us < reqs[b].start_us; });
  std::vector<LightStart> out(reqs.size(), LightStart::kOther);
  std::int64_t last_end = INT64_MIN;  // the latest end of the requests started before
  for (std::size_t k = 0; k < order.size(); ++k) {
    const RequestRow& q = reqs[order[k]];
    if (k > 0 && last_end <= q.start_us) {
      out[order[k]] = static_cast<double>(q.start_us - last_end) >= gap_us
                          ? LightStart::kAfterIdle
                          : LightStart::kBackToBack;
    }
    if (q.latency_us) last_end = std::max(last_end, q.end_us);
  }
  return out;
}

// A light run's samples: response times, and handler and overhead times where measured.
struct LightSamples {
  std::vector<double> latency, handler, overhead;
  void append(const LightSamples& o) {
    latency.insert(latency.end(), o.latency.begin(), o.latency.end());
    handler.insert(handler.end(), o.handler.begin(), o.handler.end());
    overhead.insert(overhead.end(), o.overhead.begin(), o.overhead.end());
  }
};

// A run's load, for picking the lightest: users (closed) or rate (open).
double load_of(const RunRow& r) {
  if (r.columns.users) return static_cast<double>(*r.columns.users);
  return r.columns.rate.value_or(0);
}

}  // namespace

// ---------------------------------------------------------------- selectors

Result<RunSelector> RunSelector::parse(const std::string& text) {
  static const std::set<std::string> keys = {
      "id",   "config_key", "repetition",   "users",   "think", "rate", "replicas",
      "mode", "routing",    "max_inflight", "workers", "codec", "frame"};
  RunSelector s;
  s.text = text;
  if (text.empty()) return make_error("empty run selector");
  // config_key values contain commas and '='; take it whole.
  if (text.rfind("config_key=", 0) == 0) {
    s.conditions.push_back({"config_key", {text.substr(11)}});
    return s;
  }
  for (const auto& part : split(text, ',')) {
    const auto eq = part.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == part.size())
      return make_error("run selector '" + text + "': expected key=value[,key=value]");
    const std::string key = part.substr(0, eq);
    if (!keys.count(key))
      return make_error("run selector '" + text + "': unknown key '" + key +
                        "' (id, config_key, repetition, users, think, rate, replicas, mode, "
                        "routing, max_inflight, workers, codec, frame)");
    s.conditions.push_back({key, split(part.substr(eq + 1), '|')});
  }
  return s;
}

bool RunSelector::matches(const RunRow& run) const {
  const auto& c = run.columns;
  for (const auto& [key, values] : conditions) {
    bool any = false;
    for (const auto& v : values) {
      if (key == "id")
        any = same_number(v, static_cast<double>(run.id));
      else if (key == "config_key")
        any = v == c.config_key;
      else if (key == "repetition")
        any = same_number(v, c.repetition);
      else if (key == "users")
        any = c.users && same_number(v, static_cast<double>(*c.users));
      else if (key == "think")
        any = c.think_s && same_seconds(v, *c.think_s);
      else if (key == "rate")
        any = c.rate && same_number(v, *c.rate);
      else if (key == "replicas")
        any = same_number(v, c.replicas);
      else if (key == "mode")
        any = v == c.mode;
      else if (key == "routing")
        any = v == c.routing;
      else if (key == "max_inflight")
        any = same_number(v, c.max_inflight);
      else if (key == "workers")
        any = same_number(v, c.workers);
      else if (key == "codec")
        any = v == c.codec;
      else if (key == "frame")
        any = v == frame_text(c.frame_width, c.frame_height);
      if (any) break;
    }
    if (!any) return false;
  }
  return true;
}

// ---------------------------------------------------------------- calibration JSON

std::string GroupCalibration::key() const {
  return mode + "/" + codec + "/" + frame_text(frame_width, frame_height);
}

const GroupCalibration* Calibration::find(const std::string& mode, const std::string& codec, int fw,
                                          int fh) const {
  const GroupCalibration* best = nullptr;
  double best_score = 1e300;
  for (const auto& g : groups) {
    if (g.mode != mode) continue;
    double score = 0;
    if (!codec.empty() && g.codec != codec) score += 1e12;
    const double area = static_cast<double>(fw) * fh,
                 garea = static_cast<double>(g.frame_width) * g.frame_height;
    score += std::abs(area - garea);
    if (score < best_score) best_score = score, best = &g;
  }
  return best;
}

bool Calibration::fitted(std::int64_t run_id) const {
  return std::find(fitted_runs.begin(), fitted_runs.end(), run_id) != fitted_runs.end();
}

json Calibration::to_json() const {
  json groups_json = json::array();
  for (const auto& g : groups) {
    json j = {{"mode", g.mode},
              {"codec", g.codec},
              {"frame_width", g.frame_width},
              {"frame_height", g.frame_height},
              {"handler", g.handler.to_json()},
              {"overhead", g.overhead.to_json()},
              {"overhead_cpu", g.overhead_cpu},
              {"overhead_cpu_fitted", g.overhead_cpu_fitted},
              {"demand_s", g.handler.mean() + g.overhead_cpu * g.overhead.mean()},
              {"client_s", g.client_s},
              {"idle_penalty_s", g.idle_penalty_s},
              {"workers", g.workers},
              {"cold_start", g.cold_start ? g.cold_start->to_json() : json(nullptr)},
              {"provenance", g.provenance}};
    groups_json.push_back(j);
  }
  return {{"format", kCalibrationFormat},
          {"cores", cores},
          {"source",
           {{"database", database},
            {"campaign_id", campaign_id},
            {"fitted_runs", fitted_runs},
            {"selection", selection}}},
          {"groups", groups_json}};
}

Result<Calibration> Calibration::from_json(const json& j) {
  if (!j.is_object()) return make_error("calibration: expected a JSON object");
  if (j.value("format", "") != kCalibrationFormat)
    return make_error(std::string("calibration: field format must be \"") + kCalibrationFormat +
                      "\"");
  Calibration c;
  const char* kBadCores = "calibration: missing field cores (the machine's cores, an integer >= 0)";
  if (!j.contains("cores")) return make_error(kBadCores);
  const auto cores = json_integer<int>(j["cores"], "calibration: cores");
  if (!cores || *cores < 0) return make_error(kBadCores);
  c.cores = *cores;
  if (j.contains("source") && j["source"].is_object()) {
    const auto& s = j["source"];
    c.database = s.value("database", "");
    if (s.contains("campaign_id")) {
      auto id = json_integer<std::int64_t>(s["campaign_id"], "calibration: source.campaign_id");
      if (!id) return id.error_value();
      c.campaign_id = *id;
    }
    if (s.contains("fitted_runs")) {
      if (!s["fitted_runs"].is_array())
        return make_error("calibration: source.fitted_runs: expected an array");
      for (const auto& id : s["fitted_runs"]) {
        auto run = json_integer<std::int64_t>(id, "calibration: source.fitted_runs");
        if (!run) return run.error_value();
        c.fitted_runs.push_back(*run);
      }
    }
    if (s.contains("selection") && s["selection"].is_array())
      for (const auto& t : s["selection"])
        c.selection.push_back(t.is_string() ? t.get<std::string>() : t.dump());
  }
  if (!j.contains("groups") || !j["groups"].is_array() || j["groups"].empty())
    return make_error("calibration: missing field groups (one per mode, codec and frame size)");
  for (std::size_t i = 0; i < j["groups"].size(); ++i) {
    const auto& g = j["groups"][i];
    const std::string where = "calibration: groups[" + std::to_string(i) + "]";
    if (!g.is_object()) return make_error(where + ": expected an object");
    GroupCalibration out;
    if (!g.contains("mode") || !g["mode"].is_string())
      return make_error(where + ": missing field mode");
    out.mode = g["mode"].get<std::string>();
    if (!parse_mode(out.mode)) return make_error(where + ".mode: " + parse_mode(out.mode).error());
    out.codec = g.value("codec", "");
    out.frame_width = g.value("frame_width", 0);
    out.frame_height = g.value("frame_height", 0);
    if (!g.contains("handler")) return make_error(where + ": missing field handler");
    auto h = Distribution::from_json(g["handler"], where + ".handler");
    if (!h) return h.error_value();
    if (!(h->mean() > 0)) return make_error(where + ".handler.mean_s: must be > 0");
    out.handler = *h;
    if (!g.contains("overhead")) return make_error(where + ": missing field overhead");
    auto o = Distribution::from_json(g["overhead"], where + ".overhead");
    if (!o) return o.error_value();
    out.overhead = *o;
    if (!g.contains("overhead_cpu") || !g["overhead_cpu"].is_number())
      return make_error(where + ": missing field overhead_cpu");
    out.overhead_cpu = g["overhead_cpu"].get<double>();
    if (!(out.overhead_cpu >= 0) || !std::isfinite(out.overhead_cpu))
      return make_error(where + ".overhead_cpu: must be >= 0");
    out.overhead_cpu_fitted = g.value("overhead_cpu_fitted", false);
    out.client_s = g.value("client_s", 0.0);
    if (!(out.client_s >= 0)) return make_error(where + ".client_s: must be >= 0");
    out.idle_penalty_s = g.value("idle_penalty_s", 0.0);  // absent in older files
    if (!(out.idle_penalty_s >= 0) || !std::isfinite(out.idle_penalty_s))
      return make_error(where + ".idle_penalty_s: must be >= 0");
    out.workers = g.value("workers", 0);
    if (g.contains("cold_start") && !g["cold_start"].is_null()) {
      auto cs = Distribution::from_json(g["cold_start"], where + ".cold_start");
      if (!cs) return cs.error_value();
      out.cold_start = *cs;
    }
    if (g.contains("provenance")) out.provenance = g["provenance"];
    c.groups.push_back(std::move(out));
  }
  return c;
}

Result<Calibration> Calibration::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error("cannot read calibration file " + path);
  json j;
  try {
    in >> j;
  } catch (const json::exception& e) {
    return make_error(path + ": not valid JSON (" + std::string(e.what()) + ")");
  }
  auto c = from_json(j);
  if (!c) return make_error(path + ": " + c.error());
  return c;
}

Status Calibration::save(const std::string& path) const {
  std::ofstream out(path);
  if (!out) return make_error("cannot write " + path);
  out << to_json().dump(2) << "\n";
  if (!out) return make_error("cannot write " + path);
  return Ok{};
}

// ---------------------------------------------------------------- measured runs → model

System system_for(const experiment::RunColumns& run, const GroupCalibration& g, int cores,
                  CoreScheduling core_scheduling) {
  System s;
  s.core_scheduling = core_scheduling;
  s.mode = parse_mode(run.mode).ok() ? *parse_mode(run.mode) : Mode::kHttp;
  s.replicas = std::max(1, run.replicas);
  s.routing = parse_routing(run.routing).ok() ? *parse_routing(run.routing) : Routing::kRandom;
  s.max_inflight = run.max_inflight;
  s.cores = run.cores > 0 ? run.cores : cores;
  const int workers = run.workers > 0 ? run.workers : (g.workers > 0 ? g.workers : s.cores);
  if (s.routing == Routing::kFifo) {
    s.concurrency = 1;  // the gateway's com.faaslab.concurrency default
  } else {
    s.concurrency = process_per_request(s.mode) ? 0 : std::max(1, workers);
  }
  s.service = g.handler;
  s.overhead = g.overhead;
  s.overhead_cpu = g.overhead_cpu;
  s.client_s = g.client_s;
  s.idle_penalty_s = g.idle_penalty_s;
  s.timeout_s = run.timeout_s;
  // A classic or fork watchdog kills the process at exec_timeout (the study's 25 s, the
  // client's timeout); a warm function keeps working on an abandoned request.
  s.cancel_on_timeout = process_per_request(s.mode);
  s.queue_limit = 1024;    // faaslab up's com.faaslab.queue
  s.queue_timeout_s = 60;  // its upstream_timeout
  if (g.cold_start) s.cold_start = *g.cold_start;
  return s;
}

Workload workload_for(const RunRow& run, const std::vector<RequestRow>& requests) {
  Workload w;
  const auto& c = run.columns;
  w.warmup_requests = c.warmup_requests;
  if (c.users && *c.users > 0) {
    w.users = static_cast<std::uint64_t>(*c.users);
    w.think_s = c.think_s.value_or(0);
    w.think_dist = c.think_dist.empty() ? "constant" : c.think_dist;
    if (c.config_json.is_object() && c.config_json.contains("ramp_up_s") &&
        c.config_json["ramp_up_s"].is_number())
      w.ramp_up_s = c.config_json["ramp_up_s"].get<double>();
    // Time-boxed (`iterations: 0` with a duration): users send until the run's duration.
    if (c.config_json.is_object() && c.config_json.value("iterations", 1) == 0 &&
        c.config_json.value("duration_s", 0.0) > 0) {
      w.duration_s = c.config_json["duration_s"].get<double>();
      return w;
    }
    // Requests per user as measured (a pass over the video per iteration).
    std::map<std::uint64_t, std::uint64_t> per_user;
    for (const auto& r : requests) ++per_user[r.user];
    std::uint64_t most = 0;
    for (const auto& [u, n] : per_user) most = std::max(most, n);
    w.requests_per_user = std::max<std::uint64_t>(1, most);
    return w;
  }
  // Open: the run's own send times, replayed.
  w.arrival = "trace";
  for (const auto& r : requests) w.trace.push_back(static_cast<double>(r.intended_us) / 1e6);
  std::sort(w.trace.begin(), w.trace.end());
  if (!w.trace.empty()) {
    const double t0 = w.trace.front();
    for (auto& t : w.trace) t -= t0;
  }
  w.rate = 0;
  return w;
}

// ---------------------------------------------------------------- fit

namespace {

struct GroupRuns {
  std::vector<const RunRow*> runs;
};

std::string group_key(const RunRow& r) {
  return r.columns.mode + "/" + r.columns.codec + "/" +
         frame_text(r.columns.frame_width, r.columns.frame_height);
}

// Fits overhead_cpu so that the simulator reproduces a loaded run's mean response time.
double fit_overhead_cpu(const RunRow& run, const std::vector<RequestRow>& requests,
                        const GroupCalibration& g, int cores, double measured_mean,
                        std::uint64_t seed, CoreScheduling scheduling, json& detail) {
  const Workload w = workload_for(run, requests);
  System s = system_for(run.columns, g, cores, scheduling);
  auto predicted = [&](double f) {
    s.overhead_cpu = f;
    double sum = 0;
    const int reps = 3;
    for (int r = 0; r < reps; ++r) sum += simulate(w, s, Rng::derive(seed, r)).summary.mean_s;
    return sum / reps;
  };
  double lo = 0, hi = 8;
  const double at_lo = predicted(lo), at_hi = predicted(hi);
  double f;
  if (measured_mean <= at_lo) {
    f = lo;
  } else if (measured_mean >= at_hi) {
    f = hi;
  } else {
    for (int i = 0; i < 30; ++i) {
      const double mid = 0.5 * (lo + hi);
      (predicted(mid) < measured_mean ? lo : hi) = mid;
    }
    f = 0.5 * (lo + hi);
  }
  detail = {{"run", run.id},
            {"config_key", run.columns.config_key},
            {"measured_mean_s", measured_mean},
            {"overhead_cpu", f},
            {"predicted_mean_s", predicted(f)}};
  return f;
}

}  // namespace

Result<Calibration> fit(experiment::ResultsDb& db, const std::string& db_path,
                        const FitOptions& options) {
  Calibration cal;
  cal.database = db_path;
  std::int64_t campaign = 0;
  if (options.campaign_id) {
    campaign = *options.campaign_id;
  } else {
    auto ids = db.campaign_ids();
    if (!ids) return ids.error_value();
    if (ids->empty()) return make_error(db_path + ": no campaign in the database");
    campaign = *std::max_element(ids->begin(), ids->end());
  }
  cal.campaign_id = campaign;
  auto runs = db.runs(campaign);
  if (!runs) return runs.error_value();
  std::vector<const RunRow*> complete;
  for (const auto& r : *runs)
    if (r.status == experiment::RunStatus::kComplete) complete.push_back(&r);
  if (complete.empty())
    return make_error(db_path + ": campaign " + std::to_string(campaign) + " has no complete run");
  for (const auto& s : options.runs) {
    cal.selection.push_back(s.text);
    // Each selector must choose something: a typo in one of several is not left unnoticed.
    if (std::none_of(complete.begin(), complete.end(),
                     [&](const RunRow* r) { return s.matches(*r); }))
      return make_error("no complete run matches " + s.text + " (campaign " +
                        std::to_string(campaign) + ")");
  }

  // Group every complete run; choose the fitted ones.
  std::map<std::string, GroupRuns> groups;
  for (const auto* r : complete) {
    bool chosen = options.runs.empty();
    for (const auto& s : options.runs) chosen = chosen || s.matches(*r);
    if (chosen) groups[group_key(*r)].runs.push_back(r);
  }
  if (options.runs.empty()) {
    // Default: the lightest load of each group only.
    for (auto& [key, g] : groups) {
      double least = 1e300;
      for (const auto* r : g.runs) least = std::min(least, load_of(*r));
      std::vector<const RunRow*> light;
      for (const auto* r : g.runs)
        if (load_of(*r) == least) light.push_back(r);
      g.runs = light;
    }
  }
  if (groups.empty()) {
    std::string sel;
    for (const auto& s : cal.selection) sel += (sel.empty() ? "" : " or ") + s;
    return make_error("no complete run matches " + sel);
  }

  for (auto& [key, gr] : groups) {
    GroupCalibration g;
    const auto& first = gr.runs.front()->columns;
    g.mode = first.mode;
    g.codec = first.codec;
    g.frame_width = first.frame_width;
    g.frame_height = first.frame_height;
    g.workers = first.workers;
    cal.cores = std::max(cal.cores, first.cores);
    double least = 1e300;
    for (const auto* r : gr.runs) least = std::min(least, load_of(*r));
    std::vector<double> gaps, cold, back_to_back;
    LightSamples ordinary, after_idle;
    std::vector<std::int64_t> light_ids, loaded_ids;
    std::map<std::int64_t, std::vector<RequestRow>> loaded_requests;
    for (const auto* r : gr.runs) {
      cal.fitted_runs.push_back(r->id);
      auto reqs = db.requests(r->id);
      if (!reqs) return reqs.error_value();
      auto events = db.events(r->id);
      if (!events) return events.error_value();
      for (const auto& e : *events)
        if (e.kind == "ready" && e.seconds && *e.seconds > 0) cold.push_back(*e.seconds);
      if (load_of(*r) != least) {
        loaded_ids.push_back(r->id);
        loaded_requests[r->id] = std::move(*reqs);
        continue;
      }
      light_ids.push_back(r->id);
      // The client's own time: intended(k+1) - end(k) - think, per user (constant think).
      std::map<std::uint64_t, std::vector<const RequestRow*>> by_user;
      const std::vector<LightStart> starts = light_starts(*reqs);
      for (std::size_t i = 0; i < reqs->size(); ++i) {
        const auto& q = (*reqs)[i];
        if (q.cold_start && q.cold_start_s) cold.push_back(*q.cold_start_s);
        by_user[q.user].push_back(&q);
        if (q.warmup || q.outcome != "ok" || !q.latency_us) continue;
        const double lat = static_cast<double>(*q.latency_us) / 1e6;
        // After an idle gap, or back to back: apart, for the idle penalty below.
        LightSamples& to = starts[i] == LightStart::kAfterIdle ? after_idle : ordinary;
        if (starts[i] == LightStart::kBackToBack) back_to_back.push_back(lat);
        to.latency.push_back(lat);
        if (q.handler_s) {
          to.handler.push_back(*q.handler_s);
          to.overhead.push_back(std::max(0.0, lat - *q.handler_s));
        }
      }
      const double think = r->columns.think_s.value_or(0);
      if (r->columns.users && (r->columns.think_dist == "constant" || think == 0)) {
        for (auto& [u, list] : by_user) {
          std::sort(list.begin(), list.end(),
                    [](auto* a, auto* b) { return a->intended_us < b->intended_us; });
          for (std::size_t i = 1; i < list.size(); ++i)
            gaps.push_back(static_cast<double>(list[i]->intended_us - list[i - 1]->end_us) / 1e6 -
                           think);
        }
      }
    }
    // Light runs with both kinds of request (one user with and one without think time): the
    // after-idle ones give the penalty and stay out of the service; else they are ordinary.
    json idle = nullptr;
    if (after_idle.latency.size() >= kMinIdleSamples && back_to_back.size() >= kMinIdleSamples) {
      g.idle_penalty_s = std::max(0.0, mean_of(after_idle.latency) - mean_of(back_to_back));
      idle = {{"after_idle_requests", after_idle.latency.size()},
              {"after_idle_mean_s", mean_of(after_idle.latency)},
              {"back_to_back_requests", back_to_back.size()},
              {"back_to_back_mean_s", mean_of(back_to_back)}};
    } else {
      ordinary.append(after_idle);
    }
    std::vector<double>& latency = ordinary.latency;
    std::vector<double>& handler = ordinary.handler;
    std::vector<double>& overhead = ordinary.overhead;
    if (light_ids.empty() || latency.empty())
      return make_error("group " + key + ": no successful request at light load to calibrate on");
    if (handler.empty()) {
      // No X-Handler-Seconds: the whole round trip is taken as service.
      handler = latency;
      overhead.assign(latency.size(), 0.0);
      g.provenance["warning"] = "no handler times in the runs: round trip taken as service";
    }
    g.handler = Distribution::empirical(handler);
    g.overhead = Distribution::empirical(overhead);
    g.client_s = gaps.empty() ? 0 : std::max(0.0, mean_of(gaps));
    if (!cold.empty()) g.cold_start = Distribution::empirical(cold, 21);
    const auto light_summary = [&] {
      std::vector<double> sorted = latency;
      std::sort(sorted.begin(), sorted.end());
      return json{
          {"requests", latency.size()},
          {"mean_s", mean_of(latency)},
          {"p95_s",
           sorted[static_cast<std::size_t>(0.95 * static_cast<double>(sorted.size() - 1))]}};
    }();
    g.provenance = {{"light_load_runs", light_ids},
                    {"light_load", least},
                    {"light_load_latency", light_summary},
                    {"loaded_runs", loaded_ids}};
    if (!idle.is_null()) g.provenance["idle_penalty"] = idle;
    // Loaded runs: fit the CPU share of the overhead to their mean response times.
    if (!loaded_ids.empty()) {
      json fits = json::array();
      double sum = 0;
      for (auto id : loaded_ids) {
        const RunRow* run = nullptr;
        for (const auto* r : gr.runs)
          if (r->id == id) run = r;
        const auto& reqs = loaded_requests[id];
        const auto summary = experiment::summarise_run(reqs).front();
        json detail;
        sum += fit_overhead_cpu(*run, reqs, g, cal.cores, summary.mean_s, options.seed,
                                options.core_scheduling, detail);
        fits.push_back(detail);
      }
      g.overhead_cpu = sum / static_cast<double>(loaded_ids.size());
      g.overhead_cpu_fitted = true;
      g.provenance["overhead_cpu_fits"] = fits;
    }
    cal.groups.push_back(std::move(g));
  }
  std::sort(cal.fitted_runs.begin(), cal.fitted_runs.end());
  return cal;
}

}  // namespace faaslab::model
