// faaslab report campaign.db -o DIR: the campaign's HTML report and figures.
#include <iostream>

#include "cli/commands.h"
#include "common/units.h"
#include "report/report.h"

namespace faaslab::cli {
namespace {

struct ReportArgs {
  std::string db, out = "report";
  std::int64_t campaign = 0;
  std::string satisfied = "500ms", tolerated = "1500ms";
  std::string validation, calibration;
  bool no_figures = false;
};

int run_report(const ReportArgs& a) {
  report::ReportOptions o;
  o.db_path = a.db;
  if (a.campaign > 0) o.campaign_id = a.campaign;
  o.out_dir = a.out;
  o.figures = !a.no_figures;
  o.validation_path = a.validation;
  o.calibration_path = a.calibration;
  if (!a.validation.empty() && !a.calibration.empty()) {
    std::cerr << "faaslab report: give --validation or --calibration, not both\n";
    return 2;
  }
  auto t = parse_duration(a.satisfied), f = parse_duration(a.tolerated);
  if (!t || !f || *f < *t) {
    std::cerr << "faaslab report: --apdex-satisfied and --apdex-tolerated are durations, satisfied "
                 "<= tolerated\n";
    return 2;
  }
  o.apdex = {to_seconds(*t), to_seconds(*f)};
  auto r = report::write_report(o);
  if (!r) {
    std::cerr << "faaslab report: " << r.error() << "\n";
    return 1;
  }
  if (!r->figures.empty())
    std::cerr << r->figures.size() << " figures in " << a.out << "/figures\n";
  std::cout << r->html_path << "\n";
  return 0;
}

}  // namespace

void add_report_command(CLI::App& app, CommandRunner& run) {
  auto args = std::make_shared<ReportArgs>();
  auto* cmd = app.add_subcommand("report", "Write a campaign's HTML report and figures");
  cmd->add_option("db", args->db, "Results database (from faaslab sweep or faaslab demo)")
      ->required();
  cmd->add_option("-o,--out", args->out, "Output directory")->capture_default_str();
  cmd->add_option("--campaign", args->campaign, "Campaign id (default: the latest)");
  cmd->add_option("--apdex-satisfied", args->satisfied, "APDEX: satisfied at or under")
      ->capture_default_str();
  cmd->add_option("--apdex-tolerated", args->tolerated, "APDEX: tolerating up to")
      ->capture_default_str();
  cmd->add_option("--validation", args->validation,
                  "Model validation JSON (faaslab model validate --json) to compare");
  cmd->add_option(
      "--calibration", args->calibration,
      "Model calibration (faaslab model fit): validate the campaign with it and compare");
  cmd->add_flag("--no-figures", args->no_figures, "Only the HTML, no PNG/SVG figures");
  cmd->callback([args, &run] { run = [args] { return run_report(*args); }; });
}

}  // namespace faaslab::cli
