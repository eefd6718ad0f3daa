// Number and text formatting for the report's HTML tables, shared by report.cpp and
// validation_table.cpp.
#pragma once

#include <string>

namespace faaslab::report {

// Takes std::string so JSON strings from the report's data convert on the way in.
std::string escape_html(const std::string& s);

// `v` through printf's format `f` (one double conversion).
std::string fmt(double v, const char* f = "%.3f");

// Seconds for a reader: "8.25 ms", "63.4 ms", "1.234 s", "25.0 s".
std::string seconds(double s);

}  // namespace faaslab::report
