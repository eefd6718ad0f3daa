// faaslab model fit|predict|validate|plan: the performance model (src/model, docs/model.md).
// Parses flags, calls the model library, prints. Exit codes: 0 done; 1 could not (unreadable
// database, unstable system, no plan meets the objectives); 2 invalid flags or values.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>

#include "cli/commands.h"
#include "cli/model_options.h"
#include "experiment/results_db.h"
#include "model/calibration.h"
#include "model/edge_cloud_fit.h"
#include "model/edge_cloud_plan.h"
#include "model/plan.h"
#include "model/validate.h"
#include "runtime/topology.h"

namespace faaslab::cli {
namespace {

int fail(const std::string& cmd, const std::string& message, int code) {
  std::cerr << "faaslab model " << cmd << ": " << message << "\n";
  return code;
}

std::string fmt(double x, int digits = 3) {
  if (!std::isfinite(x)) return "inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x);
  return buf;
}

std::string with_ci(double x, const std::optional<double>& ci, int digits = 3) {
  return ci ? fmt(x, digits) + " ± " + fmt(*ci, digits) : fmt(x, digits);
}

void print_prediction(const model::Prediction& p, std::ostream& out) {
  const auto& s = p.summary;
  out << "method: " << p.method << (p.exact ? " (exact" : " (approximate")
      << (p.percentiles_approximate ? "; percentiles approximate)" : ")") << "\n";
  out << "throughput " << with_ci(s.throughput_rps, s.throughput_rps_ci95) << "/s, success "
      << with_ci(
             100 * s.success_rate,
             s.success_rate_ci95 ? std::optional<double>(100 * *s.success_rate_ci95) : std::nullopt,
             2)
      << "% (timeouts " << fmt(100 * p.timeout_rate, 2) << "%, rejected "
      << fmt(100 * p.rejected_rate, 2) << "%), utilization " << fmt(100 * p.utilization, 1)
      << "%\n";
  out << "response time s: mean " << with_ci(s.mean_s, s.mean_s_ci95) << ", p50 " << fmt(s.p50_s)
      << ", p90 " << fmt(s.p90_s) << ", p95 " << with_ci(s.p95_s, s.p95_s_ci95) << ", p99 "
      << fmt(s.p99_s) << ", p99.9 " << fmt(s.p999_s) << "\n";
  out << "queue " << fmt(p.mean_queue, 2) << " waiting, " << fmt(p.mean_in_service, 2)
      << " in service";
  if (p.max_throughput > 0) out << "; max throughput " << fmt(p.max_throughput) << "/s";
  if (p.knee_users && std::isfinite(*p.knee_users))
    out << ", knee N* = " << fmt(*p.knee_users, 1) << " users";
  out << "\n";
  for (const auto& n : p.notes) out << "  note: " << n << "\n";
}

// ---------------------------------------------------------------- fit

struct FitArgs {
  std::string database, output;
  std::int64_t campaign = 0;
  std::vector<std::string> runs;
  std::uint64_t seed = 1;
  std::string core_scheduling = "per-core";
};

int run_fit(const FitArgs& a) {
  model::FitOptions o;
  if (a.campaign > 0) o.campaign_id = a.campaign;
  o.seed = a.seed;
  auto scheduling = model::parse_core_scheduling(a.core_scheduling);
  if (!scheduling) return fail("fit", "--core-scheduling: " + scheduling.error(), 2);
  o.core_scheduling = *scheduling;
  for (const auto& text : a.runs) {
    auto s = model::RunSelector::parse(text);
    if (!s) return fail("fit", "--runs: " + s.error(), 2);
    o.runs.push_back(*s);
  }
  if (!std::ifstream(a.database)) return fail("fit", "cannot read " + a.database, 1);
  auto db = experiment::ResultsDb::open(a.database);
  if (!db) return fail("fit", db.error(), 1);
  auto cal = model::fit(**db, a.database, o);
  if (!cal) return fail("fit", cal.error(), 1);
  if (auto st = cal->save(a.output); !st) return fail("fit", st.error(), 1);
  for (const auto& g : cal->groups) {
    std::cout << g.key() << ": handler mean " << fmt(g.handler.mean(), 4) << " s (scv "
              << fmt(g.handler.scv(), 3) << "), overhead " << fmt(g.overhead.mean(), 4)
              << " s, overhead_cpu " << fmt(g.overhead_cpu, 2)
              << (g.overhead_cpu_fitted ? " (fitted)" : " (default)");
    if (g.cold_start) std::cout << ", cold start " << fmt(g.cold_start->mean(), 3) << " s";
    std::cout << "\n";
  }
  std::cout << cal->fitted_runs.size() << " runs fitted\n" << a.output << "\n";
  return 0;
}

// ---------------------------------------------------------------- predict

struct PredictArgs {
  ModelOptions model;
  bool json = false;
};

int run_predict(const PredictArgs& a) {
  auto built = build(a.model);
  if (!built) return fail("predict", built.error(), 2);
  if (auto st = model::check(built->workload, built->system); !st)
    return fail("predict", st.error(), 2);
  auto p = model::predict(built->workload, built->system, built->predict);
  if (!p) {
    if (a.json) {
      nlohmann::json j = {{"error", p.error()}, {"stable", p.error().rfind("unstable", 0) != 0}};
      std::cout << j.dump(2) << "\n";
    }
    return fail("predict", p.error(), 1);
  }
  if (a.json) {
    auto j = p->to_json();
    if (built->group) j["calibration_group"] = built->group->key();
    std::cout << j.dump(2) << "\n";
  } else {
    if (built->group) std::cout << "calibration: " << built->group->key() << "\n";
    print_prediction(*p, std::cout);
  }
  return 0;
}

// ---------------------------------------------------------------- validate

struct ValidateArgs {
  std::string database, calibration, output;
  std::vector<std::string> runs;
  std::int64_t campaign = 0;
  bool include_fitted = false, json = false;
  int replications = 5;
  std::uint64_t seed = 1;
  std::string core_scheduling = "per-core";
};

// A validation report: written to --output as JSON, printed as JSON (--json) or a table.
int print_validation(const ValidateArgs& a, const nlohmann::json& report,
                     const std::string& table) {
  if (!a.output.empty()) {
    std::ofstream out(a.output);
    out << report.dump(2) << "\n";
    if (!out) return fail("validate", "cannot write " + a.output, 1);
  }
  if (a.json) {
    std::cout << report.dump(2) << "\n";
  } else {
    std::cout << table;
  }
  return 0;
}

int run_validate(const ValidateArgs& a) {
  if (a.replications < 1) return fail("validate", "--replications: must be >= 1", 2);
  auto scheduling = model::parse_core_scheduling(a.core_scheduling);
  if (!scheduling) return fail("validate", "--core-scheduling: " + scheduling.error(), 2);
  if (!std::ifstream(a.database)) return fail("validate", "cannot read " + a.database, 1);
  auto db = experiment::ResultsDb::open(a.database);
  if (!db) return fail("validate", db.error(), 1);
  {
    // A campaign on edge–cloud topologies: the edge–cloud model, calibrated on its own runs.
    std::int64_t id = a.campaign;
    if (id == 0) {
      auto ids = (*db)->campaign_ids();
      if (!ids) return fail("validate", ids.error(), 1);
      if (!ids->empty()) id = ids->back();
    }
    auto edge_cloud = id > 0 ? model::is_edge_cloud_campaign(**db, id) : Result<bool>(false);
    if (!edge_cloud) return fail("validate", edge_cloud.error(), 1);
    if (*edge_cloud) {
      auto report = model::validate_edge_cloud(**db, id);
      if (!report) return fail("validate", report.error(), 1);
      return print_validation(a, report->to_json(), report->table());
    }
  }
  model::Calibration cal;
  if (!a.calibration.empty()) {
    if (!a.runs.empty())
      return fail("validate", "--runs fits a calibration: not with --calibration", 2);
    auto loaded = model::Calibration::load(a.calibration);
    if (!loaded) return fail("validate", loaded.error(), 2);
    cal = std::move(*loaded);
  } else {
    model::FitOptions fo;
    if (a.campaign > 0) fo.campaign_id = a.campaign;
    fo.core_scheduling = *scheduling;
    for (const auto& text : a.runs) {
      auto s = model::RunSelector::parse(text);
      if (!s) return fail("validate", "--runs: " + s.error(), 2);
      fo.runs.push_back(*s);
    }
    auto fitted = model::fit(**db, a.database, fo);
    if (!fitted) return fail("validate", fitted.error(), 1);
    cal = std::move(*fitted);
  }
  model::ValidateOptions o;
  if (a.campaign > 0) o.campaign_id = a.campaign;
  o.include_fitted = a.include_fitted;
  o.replications = a.replications;
  o.seed = a.seed;
  o.core_scheduling = *scheduling;
  auto report = model::validate_campaign(**db, cal, o);
  if (!report) return fail("validate", report.error(), 1);
  report->database = a.database;
  return print_validation(a, report->to_json(), report->table());
}

// ---------------------------------------------------------------- plan

struct PlanArgs {
  ModelOptions model;
  std::string topology, database, calibrated_on;
  int workers = 2;
  std::vector<std::string> objectives;
  std::string modes;
  int max_replicas = 64;
  bool json = false;
};

int run_plan_edge_cloud(const PlanArgs& a, const std::vector<model::Objective>& objectives);

int run_plan(PlanArgs a) {
  std::vector<model::Objective> objectives;
  for (const auto& list : a.objectives) {
    std::stringstream s(list);
    std::string one;
    while (std::getline(s, one, ',')) {
      if (one.empty()) continue;
      auto o = model::Objective::parse(one);
      if (!o) return fail("plan", "--objective: " + o.error(), 2);
      objectives.push_back(*o);
    }
  }
  if (objectives.empty()) return fail("plan", "give --objective, e.g. 'p95<2s' 'success>=0.99'", 2);
  if (!a.topology.empty()) return run_plan_edge_cloud(a, objectives);
  model::PlanOptions po;
  po.modes.clear();
  std::stringstream ms(a.modes.empty() ? (a.model.mode.empty() ? "http" : a.model.mode) : a.modes);
  std::string m;
  while (std::getline(ms, m, ',')) {
    auto mode = model::parse_mode(m);
    if (!mode) return fail("plan", "--modes: " + mode.error(), 2);
    po.modes.push_back(*mode);
  }
  if (a.max_replicas < 1) return fail("plan", "--max-replicas: must be >= 1", 2);
  po.max_replicas = a.max_replicas;
  if (a.model.mode.empty()) a.model.mode = model::to_string(po.modes.front());
  auto built = build(a.model);
  if (!built) return fail("plan", built.error(), 2);
  po.predict = built->predict;
  if (!a.model.app->count("--replications")) po.predict.replications = 3;
  if (!a.model.app->count("--measured")) po.predict.measured_requests = 10000;
  const auto& opts = a.model;
  const BuiltModel& base = *built;
  auto result = model::plan(
      built->workload,
      [&](model::Mode mode, int replicas) { return build_system(opts, base, mode, replicas); },
      objectives, po);
  if (!result) return fail("plan", result.error(), 2);
  if (a.json) {
    std::cout << result->to_json().dump(2) << "\n";
  } else if (result->chosen) {
    const auto& c = *result->chosen;
    std::cout << "chosen: " << c.replicas << " replica" << (c.replicas > 1 ? "s" : "") << ", "
              << model::to_string(c.mode) << " mode\n";
    print_prediction(*c.prediction, std::cout);
    if (result->smaller) {
      const auto& s = *result->smaller;
      std::cout << "\nnext smaller: " << s.replicas << " replica" << (s.replicas > 1 ? "s" : "")
                << " misses";
      for (const auto& x : s.missed) std::cout << " " << x << ";";
      std::cout << "\n";
      if (s.prediction) print_prediction(*s.prediction, std::cout);
    }
  }
  if (!result->chosen) {
    std::string last;
    if (!result->tried.empty())
      for (const auto& x : result->tried.back().missed) last += " " + x + ";";
    return fail("plan",
                "no configuration up to " + std::to_string(po.max_replicas) +
                    " replicas meets the objectives (at the most:" + last + ")",
                1);
  }
  return 0;
}

// Edge, cloud or split, with how many replicas where: the topology's links, its nodes'
// replica limits, and the nodes as an edge–cloud campaign calibrated them.
int run_plan_edge_cloud(const PlanArgs& a, const std::vector<model::Objective>& objectives) {
  if (a.database.empty())
    return fail("plan",
                "--topology needs --database: an edge–cloud campaign to calibrate its nodes", 2);
  if (a.model.users < 1) return fail("plan", "--topology plans a closed workload: give --users", 2);
  if (a.workers < 1) return fail("plan", "--workers: must be >= 1", 2);
  auto think = parse_duration(a.model.think);
  if (!think) return fail("plan", "--think: " + think.error(), 2);
  auto topology = runtime::load_topology(a.topology);
  if (!topology) return fail("plan", topology.error(), 2);
  const runtime::NodeSpec* cloud = nullptr;
  for (const auto& n : topology->nodes)
    if (n.role == runtime::NodeRole::kCloud && n.name != topology->gateway_node && !cloud)
      cloud = &n;
  const runtime::NodeSpec* edge = topology->node(topology->gateway_node);
  const runtime::LinkSpec* client = topology->link_between("client", topology->gateway_node);
  const runtime::LinkSpec* up =
      cloud ? topology->link_between(topology->gateway_node, cloud->name) : nullptr;
  if (!edge || !cloud || !client || !up)
    return fail("plan",
                a.topology +
                    ": needs an edge node with the gateway, a cloud node, a link "
                    "from the client to the first and one from it to the second",
                2);
  if (!std::ifstream(a.database)) return fail("plan", "cannot read " + a.database, 1);
  auto db = experiment::ResultsDb::open(a.database);
  if (!db) return fail("plan", db.error(), 1);
  auto ids = (*db)->campaign_ids();
  if (!ids || ids->empty()) return fail("plan", a.database + " holds no campaign", 1);
  auto v = model::validate_edge_cloud(**db, ids->back());
  if (!v) return fail("plan", v.error(), 1);
  auto node_of = [&](const std::string& name) -> const model::NodeModel* {
    for (const auto& [k, n] : v->fit.nodes) {
      const auto slash = k.find('/');
      if (k.substr(slash + 1) == name &&
          (a.calibrated_on.empty() || k.substr(0, slash) == a.calibrated_on))
        return &n;
    }
    return nullptr;
  };
  const model::NodeModel* edge_model = node_of(edge->name);
  const model::NodeModel* cloud_model = node_of(cloud->name);
  if (!edge_model || !cloud_model)
    return fail("plan",
                "the campaign in " + a.database + " calibrated no node named " +
                    (edge_model ? cloud->name : edge->name) +
                    (a.calibrated_on.empty() ? "" : " on topology " + a.calibrated_on),
                1);
  model::EdgeCloudSystem s;
  s.client = {to_seconds(client->delay), client->up_bps, client->down_bps};
  const bool forward = up->from == topology->gateway_node;
  s.cloud = {to_seconds(up->delay), forward ? up->up_bps : up->down_bps,
             forward ? up->down_bps : up->up_bps};
  s.edge = *edge_model;
  s.cloud_node = *cloud_model;
  s.request_bytes = v->fit.request_bytes;
  s.response_bytes = v->fit.response_bytes;
  model::EdgeCloudWorkload w{a.model.users, to_seconds(*think),
                             a.model.think_dist == "exponential"};
  model::EdgeCloudPlanOptions o;
  o.max_edge_replicas = edge->max_replicas > 0 ? edge->max_replicas : 4;
  o.max_cloud_replicas = cloud->max_replicas > 0 ? cloud->max_replicas : 8;
  o.workers = a.workers;
  o.seed = a.model.seed;
  auto plan = model::plan_edge_cloud(w, s, objectives, o);
  if (!plan) return fail("plan", plan.error(), 2);
  if (a.json) {
    std::cout << plan->to_json().dump(2) << "\n";
  } else {
    if (const auto* c = plan->chosen()) {
      std::printf(
          "chosen: %s\n  mean %.3f s, p95 %.3f s, %.1f requests/s, %.0f%% in the cloud; "
          "edge %.0f%% busy, cloud %.0f%%, uplink %.0f%%\n",
          c->describe().c_str(), c->prediction.mean_s, c->prediction.p95_s,
          c->prediction.throughput_rps, c->prediction.offload_share * 100,
          c->prediction.edge_utilization * 100, c->prediction.cloud_utilization * 100,
          c->prediction.uplink_utilization * 100);
    }
    std::printf("\n%-48s %9s %9s %9s %8s\n", "candidate (the best of each placement)", "mean",
                "p95", "req/s", "cloud");
    std::set<std::string> shown;
    for (const auto& c : plan->candidates) {
      const std::string kind(runtime::placement_name(c.placement.policy));
      if (!shown.insert(kind).second) continue;
      std::printf("%-48s %7.3f s %7.3f s %9.1f %7.0f%%%s\n", c.describe().c_str(),
                  c.prediction.mean_s, c.prediction.p95_s, c.prediction.throughput_rps,
                  c.prediction.offload_share * 100, c.meets ? "" : "  misses");
    }
  }
  if (!plan->chosen()) {
    std::string missed;
    for (const auto& x : plan->candidates.front().missed) missed += " " + x + ";";
    return fail(
        "plan",
        "no placement on " + a.topology + " meets the objectives (the closest:" + missed + ")", 1);
  }
  return 0;
}

}  // namespace

void add_model_command(CLI::App& app, CommandRunner& run) {
  auto* model = app.add_subcommand(
      "model", "performance model: calibrate, predict, validate, plan (docs/model.md)");
  model->require_subcommand(1);

  auto fit_args = std::make_shared<FitArgs>();
  auto* fit = model->add_subcommand("fit", "calibrate the model on a campaign's measured runs");
  fit->add_option("database", fit_args->database, "the campaign database (faaslab sweep)")
      ->required();
  fit->add_option("-o,--output", fit_args->output, "calibration file to write")->required();
  fit->add_option("--campaign", fit_args->campaign, "campaign id (default: the latest)");
  fit->add_option("--runs", fit_args->runs,
                  "runs to fit on, e.g. users=1 or 'mode=http,users=1|30' or id=3|4 "
                  "(repeatable; default: each group's lightest load)");
  fit->add_option("--seed", fit_args->seed, "simulator seed for fitting loaded runs");
  fit->add_option("--core-scheduling", fit_args->core_scheduling,
                  "simulating loaded runs: per-core (default) or shared (docs/model.md)");
  fit->callback([&run, fit_args] { run = [fit_args] { return run_fit(*fit_args); }; });

  auto predict_args = std::make_shared<PredictArgs>();
  auto* predict = model->add_subcommand("predict", "predict a workload on a deployment");
  add_workload_flags(*predict, predict_args->model);
  add_system_flags(*predict, predict_args->model);
  add_method_flags(*predict, predict_args->model);
  predict->add_flag("--json", predict_args->json, "the summary schema as JSON");
  predict_args->model.app = predict;
  predict->callback(
      [&run, predict_args] { run = [predict_args] { return run_predict(*predict_args); }; });

  auto validate_args = std::make_shared<ValidateArgs>();
  auto* validate =
      model->add_subcommand("validate", "predicted vs measured for every configuration");
  validate->add_option("database", validate_args->database, "the campaign database")->required();
  validate->add_option("--calibration", validate_args->calibration,
                       "calibration file (default: fit now on --runs)");
  validate->add_option("--runs", validate_args->runs, "without --calibration: runs to fit on");
  validate->add_option("--campaign", validate_args->campaign, "campaign id");
  validate->add_flag("--include-fitted", validate_args->include_fitted,
                     "judge the configurations used for calibration too");
  validate->add_option("--replications", validate_args->replications,
                       "simulated replications per measured run");
  validate->add_option("--seed", validate_args->seed, "simulator seed");
  validate->add_option("--core-scheduling", validate_args->core_scheduling,
                       "the simulator's cores: per-core (default) or shared (docs/model.md)");
  validate->add_option("-o,--output", validate_args->output, "also write the JSON report here");
  validate->add_flag("--json", validate_args->json, "JSON instead of the table");
  validate->callback(
      [&run, validate_args] { run = [validate_args] { return run_validate(*validate_args); }; });

  auto plan_args = std::make_shared<PlanArgs>();
  auto* plan = model->add_subcommand("plan", "smallest deployment meeting objectives");
  add_workload_flags(*plan, plan_args->model);
  add_system_flags(*plan, plan_args->model);
  add_method_flags(*plan, plan_args->model);
  plan->add_option("--objective", plan_args->objectives,
                   "e.g. 'p95<2s', 'success>=0.99' (repeatable or comma-separated)");
  plan->add_option("--modes", plan_args->modes, "modes to consider, e.g. classic,http,fork");
  plan->add_option("--max-replicas", plan_args->max_replicas, "largest replica count to try");
  plan->add_flag("--json", plan_args->json, "JSON output");
  plan->add_option("--topology", plan_args->topology,
                   "plan on this edge–cloud topology (a file with a topology: section): edge, "
                   "cloud or split, and replicas where");
  plan->add_option("--database", plan_args->database,
                   "with --topology: an edge–cloud campaign's database, to calibrate the nodes");
  plan->add_option("--calibrated-on", plan_args->calibrated_on,
                   "with --topology: the campaign topology whose nodes to use (default: any "
                   "with the same node names)");
  plan->add_option("--workers", plan_args->workers,
                   "with --topology: requests one replica serves at once (default 2)");
  plan_args->model.app = plan;
  plan->callback([&run, plan_args] { run = [plan_args] { return run_plan(*plan_args); }; });
}

}  // namespace faaslab::cli
