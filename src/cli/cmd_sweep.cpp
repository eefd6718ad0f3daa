// faaslab sweep -f campaign.yaml: run a campaign into a results database.
// faaslab export DB: a table as CSV, or a run as a JTL file.
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "common/logging.h"
#include "common/progress.h"
#include "experiment/campaign.h"
#include "experiment/export.h"
#include "experiment/sweep.h"

namespace faaslab::cli {
namespace {

namespace fs = std::filesystem;

struct SweepArgs {
  std::string file;
  std::string db;
  bool resume = false;
  bool quiet = false;
};

int run_sweep_command(const SweepArgs& a) {
  (void)init_logging("warn");
  auto campaign = experiment::load_campaign(a.file);
  if (!campaign) {
    std::cerr << "faaslab sweep: " << campaign.error() << "\n";
    return 2;
  }
  experiment::SweepOptions o;
  o.db_path = a.db.empty() ? campaign->name + ".db" : a.db;
  o.resume = a.resume;
  o.progress = !a.quiet && ProgressLine::stderr_is_terminal();
  std::error_code ec;
  o.bin_dir = fs::read_symlink("/proc/self/exe", ec).parent_path().string();
  if (a.quiet) o.log = [](const std::string&) {};
  const auto planned = experiment::expand(*campaign).size();
  if (!a.quiet)
    std::cerr << "faaslab sweep: " << campaign->name << ", " << planned << " runs into "
              << o.db_path << "\n";
  auto result = experiment::run_sweep(*campaign, o);
  if (!result) {
    std::cerr << "faaslab sweep: " << result.error() << "\n";
    // A changed campaign given to --resume is bad input, as a bad campaign file is.
    return result.error_code() == Errc::kConflict ? 2 : 1;
  }
  std::cout << "campaign " << result->campaign_id << ": " << result->completed
            << " runs completed, " << result->skipped << " already complete, " << result->failed
            << " failed" << (result->interrupted ? " (interrupted)" : "") << "\n"
            << o.db_path << "\n";
  if (result->interrupted) return 130;
  return result->failed > 0 ? 1 : 0;
}

struct ExportArgs {
  std::string db, table, out;
  std::int64_t campaign = 0;
  std::int64_t jtl_run = 0;
};

int run_export(const ExportArgs& a) {
  std::error_code unreadable;
  if (!fs::exists(a.db, unreadable)) {
    std::cerr << "faaslab export: " << a.db << " does not exist\n";
    return 2;
  }
  Status st = Ok{};
  if (a.jtl_run > 0) {
    st = experiment::export_run_jtl(a.db, a.jtl_run, a.out);
  } else if (!a.table.empty()) {
    st = experiment::export_table_csv(
        a.db, a.table, a.campaign > 0 ? std::optional<std::int64_t>(a.campaign) : std::nullopt,
        a.out);
  } else {
    std::cerr << "faaslab export: give --table NAME or --jtl RUN_ID\n";
    return 2;
  }
  if (!st) {
    std::cerr << "faaslab export: " << st.error() << "\n";
    return 1;
  }
  std::cout << a.out << "\n";
  return 0;
}

}  // namespace

void add_sweep_command(CLI::App& app, CommandRunner& run) {
  auto args = std::make_shared<SweepArgs>();
  auto* cmd = app.add_subcommand(
      "sweep", "Run an experiment campaign (a grid of configurations) into a results database");
  cmd->add_option("-f,--file", args->file, "Campaign file (YAML; docs/experiments.md)")->required();
  cmd->add_option("--db", args->db, "Results database (default: <campaign name>.db)");
  cmd->add_flag("--resume", args->resume,
                "Continue the latest campaign of this name: run only what is missing (refused, "
                "exit 2, if the file now defines other runs)");
  cmd->add_flag("--quiet,-q", args->quiet, "Only the final lines");
  cmd->callback([args, &run] { run = [args] { return run_sweep_command(*args); }; });

  auto ex = std::make_shared<ExportArgs>();
  auto* exp = app.add_subcommand(
      "export", "Export from a results database: a table as CSV, or a run as a JMeter JTL file");
  exp->add_option("db", ex->db, "Results database")->required();
  exp->add_option("--table", ex->table, "campaigns, runs, requests, events or summaries")
      ->check(CLI::IsMember({"campaigns", "runs", "requests", "events", "summaries"}));
  exp->add_option("--campaign", ex->campaign, "Only this campaign's rows");
  exp->add_option("--jtl", ex->jtl_run, "Write this run's requests as a JTL file");
  exp->add_option("-o,--output", ex->out, "Output file")->required();
  exp->callback([ex, &run] { run = [ex] { return run_export(*ex); }; });
}

}  // namespace faaslab::cli
