#include "load/stats.h"

#include <algorithm>
#include <fstream>

#include "common/json_number.h"

namespace faaslab::load {

std::string_view outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
      return "ok";
    case Outcome::kHttpError:
      return "http_error";
    case Outcome::kTimeout:
      return "timeout";
    case Outcome::kConnect:
      return "connect";
    case Outcome::kClosed:
      return "closed";
    case Outcome::kMalformed:
      return "malformed";
    case Outcome::kTooLarge:
      return "too_large";
    case Outcome::kDropped:
      return "dropped";
  }
  return "unknown";
}

void SeriesStats::add(const Record& r) {
  ++outcomes[static_cast<std::size_t>(r.outcome)];
  if (!r.sent()) return;
  latency.record(r.latency_us());
  service.record(r.service_us());
}

void SeriesStats::merge(const SeriesStats& o) {
  latency.merge(o.latency);
  service.merge(o.service);
  for (std::size_t i = 0; i < outcomes.size(); ++i) outcomes[i] += o.outcomes[i];
}

std::uint64_t SeriesStats::dropped() const {
  return outcomes[static_cast<std::size_t>(Outcome::kDropped)];
}

std::uint64_t SeriesStats::issued() const {
  std::uint64_t n = 0;
  for (auto c : outcomes) n += c;
  return n;
}

RunStats::RunStats(std::vector<std::string> label_names)
    : labels(std::move(label_names)), per_label(labels.size()) {}

void RunStats::add(const Record& r, std::size_t label, std::int64_t start_wall_us,
                   std::int64_t end_wall_us) {
  overall.add(r);
  if (label < per_label.size()) per_label[label].add(r);
  if (window_start_wall_us == 0 || start_wall_us < window_start_wall_us)
    window_start_wall_us = start_wall_us;
  if (end_wall_us > window_end_wall_us) window_end_wall_us = end_wall_us;
}

void RunStats::merge(const RunStats& o) {
  overall.merge(o.overall);
  for (std::size_t i = 0; i < o.labels.size(); ++i) {
    auto it = std::find(labels.begin(), labels.end(), o.labels[i]);
    if (it == labels.end()) {
      labels.push_back(o.labels[i]);
      per_label.emplace_back();
      it = labels.end() - 1;
    }
    per_label[static_cast<std::size_t>(it - labels.begin())].merge(o.per_label[i]);
  }
  if (o.window_start_wall_us != 0 &&
      (window_start_wall_us == 0 || o.window_start_wall_us < window_start_wall_us))
    window_start_wall_us = o.window_start_wall_us;
  window_end_wall_us = std::max(window_end_wall_us, o.window_end_wall_us);
  connections_opened += o.connections_opened;
}

double RunStats::window_seconds() const {
  if (window_start_wall_us == 0 || window_end_wall_us <= window_start_wall_us) return 0;
  return static_cast<double>(window_end_wall_us - window_start_wall_us) / 1e6;
}

nlohmann::json series_summary(const SeriesStats& s, const Histogram& h, double window_s) {
  const std::uint64_t issued = s.issued();
  const std::uint64_t sent = h.count();
  auto sec = [](double us) { return us / 1e6; };
  auto pct = [&](double q) { return sec(static_cast<double>(h.percentile(q))); };
  return {
      {"count", issued},
      {"success_rate", issued ? static_cast<double>(s.ok()) / static_cast<double>(issued) : 0.0},
      {"throughput_rps", window_s > 0 ? static_cast<double>(sent) / window_s : 0.0},
      {"mean_s", sec(h.mean())},
      {"stddev_s", sec(h.stddev())},
      {"min_s", sec(static_cast<double>(h.min()))},
      {"p50_s", pct(0.50)},
      {"p90_s", pct(0.90)},
      {"p95_s", pct(0.95)},
      {"p99_s", pct(0.99)},
      {"p999_s", pct(0.999)},
      {"max_s", sec(static_cast<double>(h.max()))},
  };
}

namespace {

nlohmann::json outcomes_json(const SeriesStats& s) {
  nlohmann::json j = nlohmann::json::object();
  for (int i = 0; i < kOutcomeCount; ++i)
    j[std::string(outcome_name(static_cast<Outcome>(i)))] = s.outcomes[static_cast<std::size_t>(i)];
  return j;
}

}  // namespace

nlohmann::json summary_json(const RunStats& st) {
  const double w = st.window_seconds();
  nlohmann::json labels = nlohmann::json::object();
  for (std::size_t i = 0; i < st.labels.size(); ++i)
    labels[st.labels[i]] = series_summary(st.per_label[i], st.per_label[i].latency, w);
  nlohmann::json run = st.run_info;
  run["window_s"] = w;
  run["start_wall_us"] = st.window_start_wall_us;
  run["end_wall_us"] = st.window_end_wall_us;
  run["outcomes"] = outcomes_json(st.overall);
  run["connections_opened"] = st.connections_opened;
  return {{"overall", series_summary(st.overall, st.overall.latency, w)},
          {"labels", std::move(labels)},
          {"service", series_summary(st.overall, st.overall.service, w)},
          {"run", std::move(run)}};
}

namespace {

nlohmann::json series_to_json(const SeriesStats& s) {
  nlohmann::json outcomes = nlohmann::json::array();
  for (auto c : s.outcomes) outcomes.push_back(c);
  return {{"latency_us", s.latency.to_json()},
          {"service_us", s.service.to_json()},
          {"outcomes", std::move(outcomes)}};
}

Result<SeriesStats> series_from_json(const nlohmann::json& j) {
  SeriesStats s;
  auto lat = Histogram::from_json(j.at("latency_us"));
  if (!lat) return lat.error_value();
  auto svc = Histogram::from_json(j.at("service_us"));
  if (!svc) return svc.error_value();
  s.latency = std::move(*lat);
  s.service = std::move(*svc);
  const auto& o = j.at("outcomes");
  if (!o.is_array() || o.size() != s.outcomes.size())
    return make_error("outcomes: expected " + std::to_string(s.outcomes.size()) + " counts");
  for (std::size_t i = 0; i < s.outcomes.size(); ++i) {
    auto count = json_integer<std::uint64_t>(o[i], "outcomes");
    if (!count) return count.error_value();
    s.outcomes[i] = *count;
  }
  return s;
}

constexpr const char* kStatsFormat = "faaslab-load-histograms-1";

}  // namespace

nlohmann::json stats_to_json(const RunStats& st) {
  nlohmann::json labels = nlohmann::json::array();
  for (std::size_t i = 0; i < st.labels.size(); ++i)
    labels.push_back({{"label", st.labels[i]}, {"series", series_to_json(st.per_label[i])}});
  return {{"format", kStatsFormat},
          {"unit", "us"},
          {"window_start_wall_us", st.window_start_wall_us},
          {"window_end_wall_us", st.window_end_wall_us},
          {"connections_opened", st.connections_opened},
          {"run", st.run_info},
          {"overall", series_to_json(st.overall)},
          {"labels", std::move(labels)}};
}

Result<RunStats> stats_from_json(const nlohmann::json& j) {
  try {
    if (!j.is_object() || j.value("format", "") != kStatsFormat)
      return make_error(std::string("not a faaslab histogram file (format ") + kStatsFormat + ")");
    RunStats st;
    auto start = json_integer<std::int64_t>(j.at("window_start_wall_us"), "window_start_wall_us");
    if (!start) return start.error_value();
    auto end = json_integer<std::int64_t>(j.at("window_end_wall_us"), "window_end_wall_us");
    if (!end) return end.error_value();
    st.window_start_wall_us = *start;
    st.window_end_wall_us = *end;
    if (j.contains("connections_opened")) {
      auto opened = json_integer<std::uint64_t>(j["connections_opened"], "connections_opened");
      if (!opened) return opened.error_value();
      st.connections_opened = *opened;
    }
    st.run_info = j.value("run", nlohmann::json::object());
    auto overall = series_from_json(j.at("overall"));
    if (!overall) return overall.error_value();
    st.overall = std::move(*overall);
    for (const auto& l : j.at("labels")) {
      auto s = series_from_json(l.at("series"));
      if (!s) return make_error(l.at("label").get<std::string>() + ": " + s.error());
      st.labels.push_back(l.at("label").get<std::string>());
      st.per_label.push_back(std::move(*s));
    }
    return st;
  } catch (const nlohmann::json::exception& e) {
    return make_error(std::string("bad histogram file: ") + e.what());
  }
}

Status write_json_file(const std::string& path, const nlohmann::json& j) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) return make_error("cannot write '" + path + "'", Errc::kUnavailable);
  out << j.dump(2) << "\n";
  out.close();
  if (!out) return make_error("error writing '" + path + "'", Errc::kUnavailable);
  return Ok{};
}

Result<nlohmann::json> read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error("cannot read '" + path + "'");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    return make_error("'" + path + "' is not valid JSON: " + e.what());
  }
}

namespace {

void print_time_row(std::FILE* out, const char* name, const Histogram& h) {
  auto ms = [](double us) { return us / 1000.0; };
  std::fprintf(
      out, "%-16s %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f %9llu\n", name, ms(h.mean()),
      ms(h.stddev()), ms(static_cast<double>(h.min())), ms(static_cast<double>(h.percentile(0.5))),
      ms(static_cast<double>(h.percentile(0.9))), ms(static_cast<double>(h.percentile(0.99))),
      ms(static_cast<double>(h.percentile(0.999))), ms(static_cast<double>(h.max())),
      static_cast<unsigned long long>(h.count()));
}

}  // namespace

void print_summary_table(std::FILE* out, const RunStats& st, std::size_t max_label_rows) {
  const auto& o = st.overall;
  const double w = st.window_seconds();
  const std::uint64_t issued = o.issued(), sent = o.latency.count();
  std::fprintf(out,
               "requests %llu  ok %llu (%.2f%%)  failed %llu  dropped %llu  in %.2f s  "
               "throughput %.2f req/s\n",
               static_cast<unsigned long long>(issued), static_cast<unsigned long long>(o.ok()),
               issued ? 100.0 * static_cast<double>(o.ok()) / static_cast<double>(issued) : 0.0,
               static_cast<unsigned long long>(sent - std::min(sent, o.ok())),
               static_cast<unsigned long long>(o.dropped()), w,
               w > 0 ? static_cast<double>(sent) / w : 0.0);
  std::fprintf(out, "%-16s %9s %9s %9s %9s %9s %9s %9s %9s %9s\n", "time (ms)", "mean", "stddev",
               "min", "p50", "p90", "p99", "p99.9", "max", "count");
  print_time_row(out, "response", o.latency);
  print_time_row(out, "service", o.service);
  std::string errors;
  for (int i = 1; i < kOutcomeCount; ++i) {
    const auto n = o.outcomes[static_cast<std::size_t>(i)];
    if (n)
      errors += " " + std::string(outcome_name(static_cast<Outcome>(i))) + " " + std::to_string(n);
  }
  if (!errors.empty()) std::fprintf(out, "failures:%s\n", errors.c_str());
  if (st.labels.size() > 1 && st.labels.size() <= max_label_rows) {
    std::fprintf(out, "per label, response time (ms):\n");
    for (std::size_t i = 0; i < st.labels.size(); ++i)
      print_time_row(out, st.labels[i].substr(0, 16).c_str(), st.per_label[i].latency);
  }
}

}  // namespace faaslab::load

namespace faaslab::load {

Result<RunStats> merge_histogram_files(const std::vector<std::string>& paths) {
  if (paths.empty()) return make_error("no histogram files to merge");
  RunStats merged;
  nlohmann::json shards = nlohmann::json::array();
  for (const auto& path : paths) {
    auto j = read_json_file(path);
    if (!j) return j.error_value();
    auto s = stats_from_json(*j);
    if (!s) return make_error(path + ": " + s.error());
    if (merged.labels.empty() && merged.overall.issued() == 0) merged.run_info = s->run_info;
    shards.push_back(s->run_info.value("shard", path));
    merged.merge(*s);
  }
  merged.run_info["merged_from"] = std::move(shards);
  merged.run_info.erase("shard");
  return merged;
}

}  // namespace faaslab::load
