// Each `faaslab` subcommand registers itself on the app; main() only dispatches.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace faaslab::cli {

// Runs a subcommand after parsing; returns the process exit code.
using CommandRunner = std::function<int()>;

void add_blur_video_command(CLI::App& app, CommandRunner& run);
void add_load_command(CLI::App& app, CommandRunner& run);
void add_client_command(CLI::App& app, CommandRunner& run);
void add_merge_command(CLI::App& app, CommandRunner& run);
void add_up_command(CLI::App& app, CommandRunner& run);
void add_watchdog_command(CLI::App& app, CommandRunner& run);
void add_sweep_command(CLI::App& app, CommandRunner& run);
void add_report_command(CLI::App& app, CommandRunner& run);
void add_model_command(CLI::App& app, CommandRunner& run);
void add_demo_command(CLI::App& app, CommandRunner& run);
void add_topology_command(CLI::App& app, CommandRunner& run);

}  // namespace faaslab::cli
