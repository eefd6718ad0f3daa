// faaslab: run, load-test and model serverless AI functions. Subcommands register themselves
// (commands.h); this file only parses and dispatches.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/commands.h"
#include "common/command_line.h"

int main(int argc, char** argv) {
  CLI::App app{"faaslab: run, load-test and model serverless AI functions"};
  app.set_version_flag("--version", std::string("faaslab ") + FAASLAB_VERSION);
  app.require_subcommand(1);
  faaslab::cli::CommandRunner run;
  faaslab::cli::add_blur_video_command(app, run);
  faaslab::cli::add_load_command(app, run);
  faaslab::cli::add_client_command(app, run);
  faaslab::cli::add_merge_command(app, run);
  faaslab::cli::add_up_command(app, run);
  faaslab::cli::add_watchdog_command(app, run);
  faaslab::cli::add_sweep_command(app, run);
  faaslab::cli::add_report_command(app, run);
  faaslab::cli::add_model_command(app, run);
  faaslab::cli::add_demo_command(app, run);
  faaslab::cli::add_topology_command(app, run);
  if (auto status = faaslab::parse_command_line(app, argc, argv)) return *status;
  return run ? run() : 0;
}
