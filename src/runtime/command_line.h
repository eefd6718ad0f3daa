// Splitting a command line into argv without a shell, as the OpenFaaS watchdogs run fprocess.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace faaslab::runtime {

// Splits on unquoted whitespace. Single quotes keep everything literally; double quotes keep
// spaces and allow \" and \\; a backslash outside quotes escapes the next character. No
// globbing, variables or pipes: "cat | wc" is three arguments. Errors: unclosed quote, empty.
Result<std::vector<std::string>> split_command_line(std::string_view line);

// Resolves argv[0] against PATH when it has no '/'; returns it unchanged if not found (the
// spawn then fails with a clear message).
std::string resolve_executable(const std::string& name);

}  // namespace faaslab::runtime
