// Command-line parsing with faaslab's exit statuses. CLI11 exits with its own codes on a usage
// error (105-114: 106 for a bad value, 109 for an unknown option); faaslab, like most Unix
// tools, uses 2 for every kind of bad input, in every binary.
#pragma once

#include <optional>

#include <CLI/CLI.hpp>

namespace faaslab {

// Parses argv into `app`. nullopt: go on. Otherwise the process's exit status: 0 after --help
// or --version (printed), 2 after a usage error (printed to stderr as CLI11 words it).
inline std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
    return std::nullopt;
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
}

}  // namespace faaslab
