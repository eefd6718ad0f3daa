// faaslab merge A.hist.json B.hist.json ...: combine the histogram files of load shards into one
// summary and one histogram file, exactly as if one process had run the whole workload.
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "load/stats.h"

namespace faaslab::cli {
namespace {

struct MergeArgs {
  std::vector<std::string> inputs;
  std::string summary, histogram;
  bool quiet = false;
};

int run_merge(const MergeArgs& a) {
  auto merged = load::merge_histogram_files(a.inputs);
  if (!merged) {
    std::cerr << "faaslab merge: " << merged.error() << "\n";
    return 1;
  }
  if (!a.quiet) load::print_summary_table(stdout, *merged);
  if (!a.summary.empty()) {
    if (auto st = load::write_json_file(a.summary, load::summary_json(*merged)); !st)
      return std::cerr << "faaslab merge: " << st.error() << "\n", 1;
  }
  if (!a.histogram.empty()) {
    if (auto st = load::write_json_file(a.histogram, load::stats_to_json(*merged)); !st)
      return std::cerr << "faaslab merge: " << st.error() << "\n", 1;
  }
  return 0;
}

}  // namespace

void add_merge_command(CLI::App& app, CommandRunner& run) {
  auto a = std::make_shared<MergeArgs>();
  auto* cmd = app.add_subcommand(
      "merge", "Merge the --histogram files of load shards into one summary and histogram");
  cmd->add_option("inputs", a->inputs, "Histogram files (faaslab load --histogram)")->required();
  cmd->add_option("--summary", a->summary, "Write the merged summary JSON here");
  cmd->add_option("--histogram", a->histogram, "Write the merged histogram file here");
  cmd->add_flag("--quiet,-q", a->quiet, "Do not print the summary table");
  cmd->callback([a, &run] { run = [a] { return run_merge(*a); }; });
}

}  // namespace faaslab::cli
