// faaslab watchdog: the OpenFaaS-compatible watchdog (also built alone as faaslab-watchdog).
#include "cli/commands.h"
#include "runtime/watchdog_main.h"

namespace faaslab::cli {

void add_watchdog_command(CLI::App& app, CommandRunner& run) {
  auto* cmd = app.add_subcommand("watchdog",
                                 "Run a function behind an OpenFaaS-compatible watchdog "
                                 "(configured by environment; see --help)");
  cmd->set_help_flag();  // --help is the watchdog's own, listing its variables
  cmd->allow_extras();
  cmd->callback([cmd, &run] {
    auto extras = cmd->remaining();
    run = [extras] {
      std::vector<std::string> args{"faaslab watchdog"};
      args.insert(args.end(), extras.begin(), extras.end());
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      return runtime::watchdog_main(static_cast<int>(argv.size()), argv.data());
    };
  });
}

}  // namespace faaslab::cli
