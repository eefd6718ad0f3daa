// faaslab demo: the study's evaluation on this machine in one command. Starts the embedded
// runtime with the face-blur function, runs the demo campaign (src/experiment/demo.h) into
// OUT/faaslab.db, calibrates the model on a few runs and validates it on the rest, and writes
// the report; the report's path is the last line printed.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>

#include "cli/commands.h"
#include "common/logging.h"
#include "common/progress.h"
#include "experiment/campaign.h"
#include "experiment/demo.h"
#include "experiment/results_db.h"
#include "experiment/sweep.h"
#include "model/calibration.h"
#include "model/edge_cloud_fit.h"
#include "model/validate.h"
#include "netem/netns.h"
#include "report/report.h"

namespace faaslab::cli {
namespace {

namespace fs = std::filesystem;

struct DemoArgs {
  std::string out = "faaslab-demo";
  bool quick = false;
  bool resume = false;
  bool no_figures = false;
  bool no_edge_cloud = false;
  bool quiet = false;
};

std::string fixed(double v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// The study's table: success rate, mean and median response time per (mode, users, think).
void print_results_table(experiment::ResultsDb& db, std::int64_t campaign_id) {
  auto runs = db.runs(campaign_id);
  auto summaries = db.config_summaries(campaign_id);
  if (!runs || !summaries) return;
  std::map<std::string, SummaryRow> by_key;
  for (const auto& [key, row] : *summaries)
    if (row.label == "*") by_key[key] = row;
  std::fprintf(stderr, "\n%-8s %5s %6s | %8s %9s %9s %9s %7s\n", "mode", "users", "think",
               "success", "mean s", "median s", "p95 s", "req/s");
  std::set<std::string> shown;
  for (const auto& r : *runs) {
    const auto& c = r.columns;
    if (r.status != experiment::RunStatus::kComplete || !shown.insert(c.config_key).second)
      continue;
    const auto it = by_key.find(c.config_key);
    if (it == by_key.end()) continue;
    const auto& s = it->second;
    std::fprintf(stderr, "%-8s %5lld %5ss | %7s%% %9s %9s %9s %7s\n", c.mode.c_str(),
                 static_cast<long long>(c.users.value_or(0)),
                 fixed(c.think_s.value_or(0), 1).c_str(), fixed(100 * s.success_rate, 1).c_str(),
                 fixed(s.mean_s, 3).c_str(), fixed(s.p50_s, 3).c_str(), fixed(s.p95_s, 3).c_str(),
                 fixed(s.throughput_rps, 2).c_str());
  }
}

// The demo's edge–cloud part: its campaign, the edge–cloud model's validation, its report.
void run_edge_cloud_part(const DemoArgs& a, const experiment::DemoInputs& inputs,
                         const fs::path& out, const std::string& exe_dir,
                         const std::function<void(const std::string&)>& say) {
  if (inputs.edge_cloud_stack.empty()) {
    say("\nedge–cloud part skipped: deploy/edge-cloud-stack.yml or deploy/topologies/reference.yml "
        "is missing from the checkout");
    return;
  }
  if (auto ok = netem::check_namespace_support(); !ok) {
    say("\nedge–cloud part skipped: " + ok.error());
    return;
  }
  const auto started = std::chrono::steady_clock::now();
  const fs::path file = out / "edge-cloud.yaml";
  std::ofstream(file) << experiment::demo_edge_cloud_yaml(inputs);
  auto campaign = experiment::load_campaign(file.string());
  if (!campaign) {
    say("\nedge–cloud part: " + campaign.error());
    return;
  }
  experiment::SweepOptions so;
  so.db_path = (out / "edge-cloud.db").string();
  so.resume = a.resume;
  so.progress = !a.quiet && ProgressLine::stderr_is_terminal();
  so.bin_dir = exe_dir;
  so.log = [&](const std::string& line) { say(line); };
  say("\nedge or cloud: " + std::to_string(experiment::expand(*campaign).size()) + " runs (" +
      file.string() + ") into " + so.db_path);
  auto sweep = experiment::run_sweep(*campaign, so);
  if (!sweep || sweep->interrupted) {
    say("edge–cloud part: " + (sweep ? std::string("interrupted") : sweep.error()));
    return;
  }
  auto db = experiment::ResultsDb::open(so.db_path);
  if (!db) return say("edge–cloud part: " + db.error());
  auto v = model::validate_edge_cloud(**db, sweep->campaign_id);
  if (v) {
    std::ofstream((out / "edge-cloud-validation.json").string()) << v->to_json().dump(2) << "\n";
    if (!a.quiet) std::cerr << "\n" << v->table();
  } else {
    say("edge–cloud model: not validated: " + v.error());
  }
  report::ReportOptions ro;
  ro.db_path = so.db_path;
  ro.campaign_id = sweep->campaign_id;
  ro.out_dir = (out / "edge-cloud-report").string();
  ro.figures = !a.no_figures;
  auto rep = report::write_report(ro);
  if (!rep) return say("edge–cloud report: " + rep.error());
  say("edge–cloud part: " + std::to_string(sweep->completed + sweep->skipped) + " runs, " +
      fixed(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), 0) +
      " s; report: " + rep->html_path);
}

int run_demo(const DemoArgs& a) {
  (void)init_logging("warn");
  const auto started = std::chrono::steady_clock::now();
  auto say = [&](const std::string& line) {
    if (!a.quiet) std::cerr << line << "\n";
  };
  std::error_code ec;
  const std::string exe_dir = fs::read_symlink("/proc/self/exe", ec).parent_path().string();
  auto inputs = experiment::find_demo_inputs(exe_dir);
  if (!inputs) {
    std::cerr << "faaslab demo: " << inputs.error() << "\n";
    return 2;
  }
  fs::create_directories(a.out, ec);
  if (ec) {
    std::cerr << "faaslab demo: cannot create " << a.out << ": " << ec.message() << "\n";
    return 1;
  }
  const fs::path out = fs::absolute(a.out, ec);
  const fs::path campaign_file = out / "campaign.yaml";
  {
    std::ofstream f(campaign_file);
    f << experiment::demo_campaign_yaml(a.quick, *inputs);
    if (!f.flush()) {
      std::cerr << "faaslab demo: cannot write " << campaign_file.string() << " (disk full?)\n";
      return 1;
    }
  }
  auto campaign = experiment::load_campaign(campaign_file.string());
  if (!campaign) {
    std::cerr << "faaslab demo: " << campaign.error() << "\n";
    return 1;
  }

  // 1. The campaign.
  experiment::SweepOptions so;
  so.db_path = (out / "faaslab.db").string();
  so.resume = a.resume;
  so.progress = !a.quiet && ProgressLine::stderr_is_terminal();
  so.bin_dir = exe_dir;
  so.log = [&](const std::string& line) { say(line); };
  say("faaslab demo" + std::string(a.quick ? " --quick" : "") + ": " +
      std::to_string(experiment::expand(*campaign).size()) + " runs (" + campaign_file.string() +
      ") into " + so.db_path);
  auto sweep = experiment::run_sweep(*campaign, so);
  if (!sweep) {
    std::cerr << "faaslab demo: " << sweep.error() << "\n";
    return sweep.error_code() == Errc::kConflict ? 2 : 1;
  }
  if (sweep->interrupted) {
    std::cerr << "faaslab demo: interrupted; `faaslab demo" << (a.quick ? " --quick" : "")
              << " --out " << a.out << " --resume` runs what is missing\n";
    return 130;
  }
  auto db = experiment::ResultsDb::open(so.db_path);
  if (!db) {
    std::cerr << "faaslab demo: " << db.error() << "\n";
    return 1;
  }
  if (!a.quiet) print_results_table(**db, sweep->campaign_id);

  // 2. The model: calibrated on a few runs, validated on the others.
  std::optional<nlohmann::json> validation;
  std::string verdict = "model not validated";  // repeated on the last line
  model::FitOptions fo;
  fo.campaign_id = sweep->campaign_id;
  for (const auto& text : experiment::demo_calibration_runs(a.quick)) {
    auto sel = model::RunSelector::parse(text);
    if (sel) fo.runs.push_back(*sel);
  }
  auto cal = model::fit(**db, so.db_path, fo);
  if (!cal) {
    say("model: not calibrated: " + cal.error());
  } else {
    (void)cal->save((out / "model.json").string());
    auto v = model::validate_campaign(**db, *cal, {});
    if (!v) {
      say("model: not validated: " + v.error());
    } else {
      const nlohmann::json report = v->to_json();
      std::ofstream((out / "validation.json").string()) << report.dump(2) << "\n";
      validation = report["rows"];
      say("\nmodel, calibrated on " + std::to_string(cal->fitted_runs.size()) +
          " runs, against the other configurations: " + v->verdict_line() + " (" +
          (out / "validation.json").string() + ")");
      verdict = "model: " + std::to_string(v->passed()) + " within, " +
                std::to_string(v->cannot_tell()) + " cannot tell, " + std::to_string(v->missed()) +
                " missed of " + std::to_string(v->judged());
    }
  }

  // 3. The report.
  report::ReportOptions ro;
  ro.db_path = so.db_path;
  ro.campaign_id = sweep->campaign_id;
  ro.out_dir = (out / "report").string();
  ro.figures = !a.no_figures;
  ro.validation = validation;
  auto rep = report::write_report(ro);
  if (!rep) {
    std::cerr << "faaslab demo: report: " << rep.error() << "\n";
    return 1;
  }
  // 4. Edge or cloud: the same function on two emulated topologies, where namespaces can be
  // made (the full demo only; said either way, never silently left out).
  if (!a.quick && !a.no_edge_cloud) run_edge_cloud_part(a, *inputs, out, exe_dir, say);
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  say("\n" + std::to_string(sweep->completed + sweep->skipped) + " runs, " + fixed(took, 0) +
      " s; " + verdict + "; database " + so.db_path + "; report:");
  std::cout << rep->html_path << std::endl;
  return sweep->failed > 0 ? 1 : 0;
}

}  // namespace

void add_demo_command(CLI::App& app, CommandRunner& run) {
  auto args = std::make_shared<DemoArgs>();
  auto* cmd = app.add_subcommand("demo",
                                 "Run the study's evaluation, scaled down, on the embedded "
                                 "runtime: database, model and report");
  cmd->add_option("-o,--out", args->out, "Output directory")->capture_default_str();
  cmd->add_flag("--quick", args->quick,
                "A smaller grid (under a minute), for tests and a first look");
  cmd->add_flag("--resume", args->resume, "Continue an interrupted demo: run only what is missing");
  cmd->add_flag("--no-figures", args->no_figures, "Only the HTML report, no PNG/SVG figures");
  cmd->add_flag("--no-edge-cloud", args->no_edge_cloud,
                "Leave out the edge–cloud part (two emulated topologies; needs root)");
  cmd->add_flag("--quiet,-q", args->quiet, "Only the report's path");
  cmd->callback([args, &run] { run = [args] { return run_demo(*args); }; });
}

}  // namespace faaslab::cli
